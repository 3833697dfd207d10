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
        guard !username.isEmpty, !password.isEmpty else {
            throw Failure(message: "请输入用户名和密码", status: .badRequest)
        }
        guard let user = try await User.query(on: request.db).filter(\.$username == username).first() else {
            // Same cost as a real check, so timing does not tell which usernames exist.
            _ = try? await hashPassword("x", cost: request.lvze.configuration.bcryptCost, on: request)
            try await request.lvze.audit.append(
                .loginFailed, actor: AuditActor(userID: nil, username: username, unitID: nil, address: address),
                objectType: "user", objectID: "", summary: "用户名不存在", at: now, on: request.db)
            throw Failure(message: "用户名或密码错误", status: .unauthorized)
        }
        let actor = AuditActor(userID: user.id, username: user.username, unitID: user.$unit.id, address: address)
        if user.disabled {
            try await request.lvze.audit.append(.loginFailed, actor: actor, objectType: "user", objectID: String(user.id!),
                                                summary: "账号已停用", at: now, on: request.db)
            throw Failure(message: "账号已停用，请联系系统管理员", status: .forbidden)
        }
        if let until = user.lockedUntil, until > now {
            try await request.lvze.audit.append(.loginLocked, actor: actor, objectType: "user", objectID: String(user.id!),
                                                summary: "账号锁定期间尝试登录", at: now, on: request.db)
            let minutes = Int((until.timeIntervalSince(now) / 60).rounded(.up))
            throw Failure(message: "连续登录失败次数过多，账号已锁定，请\(minutes)分钟后再试或联系安全管理员解锁", status: .forbidden)
        }
        let valid = try await verifyPassword(password, hash: user.passwordHash, on: request)
        guard valid else {
            user.failedCount += 1
            let remaining = policy.lockoutThreshold - user.failedCount
            try await request.db.transaction { tx in
                if remaining <= 0 {
                    user.lockedUntil = now.addingTimeInterval(TimeInterval(policy.lockoutMinutes * 60))
                    user.failedCount = 0
                }
                try await user.update(on: tx)
                try await request.lvze.audit.append(.loginFailed, actor: actor, objectType: "user", objectID: String(user.id!),
                                                    summary: "密码错误", at: now, on: tx)
                if remaining <= 0 {
                    try await request.lvze.audit.append(
                        .accountLocked, actor: actor, objectType: "user", objectID: String(user.id!),
                        summary: "连续\(policy.lockoutThreshold)次登录失败，锁定\(policy.lockoutMinutes)分钟", at: now, on: tx)
                }
            }
            if remaining <= 0 {
                throw Failure(message: "连续登录失败\(policy.lockoutThreshold)次，账号已锁定\(policy.lockoutMinutes)分钟", status: .forbidden)
            }
            throw Failure(message: "用户名或密码错误（再失败\(remaining)次将锁定账号）", status: .unauthorized)
        }
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
