import Fluent
import LvzeCore
import Vapor

/// Checks a username and password under the lockout policy, shared by the login page and
/// `POST /api/v1/login`. Every attempt leaves an audit entry.
struct Authenticator {
    let request: Request

    struct Failure: Error {
        let message: String
        let status: HTTPStatus
    }

    func login(username rawUsername: String, password: String) async throws -> User {
        let username = rawUsername.trimmingCharacters(in: .whitespaces)
        let now = request.now
        let policy = request.lvze.settings.passwordPolicy
        let address = request.clientAddress
        let throttle = request.lvze.loginThrottle
        guard !username.isEmpty, !password.isEmpty else {
            throw Failure(message: "请输入用户名和密码", status: .badRequest)
        }
        let user = try await User.query(on: request.db).filter(\.$username == username).first()
        let actor = AuditActor(userID: user?.id, username: user?.username ?? username, unitID: user?.$unit.id, address: address)
        let objectID = user?.id.map(String.init) ?? ""
        // A pause answers the same whether or not the account exists.
        if let until = throttle.pausedUntil(username: username, address: address, now: now) {
            try await request.lvze.audit.append(.loginLocked, actor: actor, objectType: "user", objectID: objectID,
                                                summary: "暂停登录期间从\(address)尝试登录", at: now, on: request.db)
            let minutes = Int((until.timeIntervalSince(now) / 60).rounded(.up))
            throw Failure(message: "连续登录失败次数过多，已暂停从本机登录，请\(minutes)分钟后再试或联系安全管理员解锁", status: .forbidden)
        }
        // Unknown users cost a real check too, so timing does not tell which usernames exist.
        let valid = try await verifyPassword(password, hash: user?.passwordHash ?? request.lvze.decoyHash, on: request) && user != nil
        guard let user, valid else {
            let remaining = throttle.fail(username: username, address: address, now: now,
                                          threshold: policy.lockoutThreshold, minutes: policy.lockoutMinutes)
            try await request.db.transaction { tx in
                if let user, remaining == 0 {
                    // Shown to the security administrator, who may lift the pause at once.
                    user.lockedUntil = now.addingTimeInterval(TimeInterval(policy.lockoutMinutes * 60))
                    try await user.update(on: tx)
                }
                try await request.lvze.audit.append(.loginFailed, actor: actor, objectType: "user", objectID: objectID,
                                                    summary: user == nil ? "用户名不存在" : "密码错误", at: now, on: tx)
                if remaining == 0 {
                    try await request.lvze.audit.append(
                        .accountLocked, actor: actor, objectType: "user", objectID: objectID,
                        summary: "从\(address)连续\(policy.lockoutThreshold)次登录失败，暂停从该地址登录\(policy.lockoutMinutes)分钟", at: now, on: tx)
                }
            }
            if remaining == 0 {
                throw Failure(message: "连续登录失败\(policy.lockoutThreshold)次，已暂停从本机登录\(policy.lockoutMinutes)分钟", status: .forbidden)
            }
            throw Failure(message: "用户名或密码错误（再失败\(remaining)次将暂停从本机登录\(policy.lockoutMinutes)分钟）", status: .unauthorized)
        }
        // Only someone who knows the password learns that the account is disabled.
        if user.disabled {
            try await request.lvze.audit.append(.loginFailed, actor: actor, objectType: "user", objectID: objectID,
                                                summary: "账号已停用", at: now, on: request.db)
            throw Failure(message: "账号已停用，请联系系统管理员", status: .forbidden)
        }
        throttle.succeed(username: username, address: address)
        user.failedCount = 0
        user.lockedUntil = nil
        user.lastLoginAt = now
        try await request.db.transaction { tx in
            try await user.update(on: tx)
            try await request.lvze.audit.append(.login, actor: actor, objectType: "user", objectID: String(user.id!),
                                                summary: request.url.path.hasPrefix("/api/") ? "接口登录" : "登录",
                                                at: now, on: tx)
        }
        return user
    }
}

/// bcrypt off the event loop: a cost-12 hash takes a quarter of a second.
func hashPassword(_ password: String, cost: Int, on request: Request) async throws -> String {
    try await request.application.threadPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
}

func verifyPassword(_ password: String, hash: String, on request: Request) async throws -> Bool {
    try await request.application.threadPool.runIfActive { (try? Bcrypt.verify(password, created: hash)) ?? false }
}
