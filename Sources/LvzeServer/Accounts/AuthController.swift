import Fluent
import LvzeCore
import Vapor

/// Login, logout, password change and personal API tokens.
struct AuthController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        routes.get(.login, use: loginPage)
        routes.post(.login, use: login)
    }

    func bootProtected(routes: any RoutesBuilder) {
        routes.post(.logout, use: logout)
        routes.get(.password, use: passwordPage)
        routes.post(.password, use: changePassword)
        routes.get(.tokens, use: tokensPage)
        routes.post(.tokens, use: createToken)
        routes.post(.tokenRevoke, use: revokeToken)
    }

    struct LoginContent: Encodable {
        var username: String
        var error: String?
        var notice: String?
        var next: String
    }

    func loginPage(req: Request) async throws -> Response {
        if req.principal != nil { return req.redirect(to: "/") }
        let expired = (try? req.query.get(String.self, at: "expired")) != nil || req.sessionExpired
        let next = safeNext((try? req.query.get(String.self, at: "next")) ?? "/")
        return try await req.render("login", title: "登录",
                                    LoginContent(username: "", error: nil,
                                                 notice: expired ? "您已超过空闲时限未操作，已自动退出，请重新登录" : nil,
                                                 next: next))
    }

    struct LoginForm: Content {
        var username: String?
        var password: String?
        var next: String?
    }

    func login(req: Request) async throws -> Response {
        let form = try req.content.decode(LoginForm.self)
        let next = safeNext(form.next ?? "/")
        do {
            let user = try await Authenticator(request: req).login(username: form.username ?? "", password: form.password ?? "")
            let response = req.redirect(to: next, redirectType: .normal)
            try await startSession(for: user, request: req, response: response)
            return response
        } catch let failure as Authenticator.Failure {
            return try await req.render("login", title: "登录",
                                        LoginContent(username: form.username ?? "", error: failure.message, notice: nil, next: next),
                                        status: failure.status)
        }
    }

    /// A new session id at every login (no fixation): any old cookie is replaced.
    private func startSession(for user: User, request: Request, response: Response) async throws {
        if let old = request.cookies[Cookies.session]?.string,
           let existing = try await UserSession.find(Secrets.sha256(old), on: request.db) {
            try await existing.delete(on: request.db)
        }
        let token = Secrets.token()
        let session = UserSession()
        session.id = Secrets.sha256(token)
        session.$user.id = user.id!
        session.csrfToken = Secrets.token(bytes: 24)
        session.createdAt = request.now
        session.lastSeenAt = request.now
        session.address = request.clientAddress
        try await session.create(on: request.db)
        response.cookies[Cookies.session] = Cookies.make(token, request: request)
        response.cookies[Cookies.csrf] = Cookies.make("", request: request, maxAge: 0)
    }

    func logout(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        if let session = p.session {
            try await req.db.transaction { tx in
                try await session.delete(on: tx)
                try await req.audit(.logout, "user", String(p.userID), "退出登录", on: tx)
            }
        }
        let response = req.redirect(to: Endpoint.login.url().path)
        response.cookies[Cookies.session] = Cookies.make("", request: req, maxAge: 0)
        return response
    }

    struct PasswordContent: Encodable {
        var form: FormState
        var reason: String?
        var minLength: Int
        var classes: Int
    }

    func passwordPage(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        return try await req.render("password", title: "修改密码", passwordContent(req, p.user, FormState()))
    }

    private func passwordContent(_ req: Request, _ user: User, _ form: FormState) -> PasswordContent {
        let policy = req.lvze.settings.passwordPolicy
        var reason: String?
        if user.mustChangePassword { reason = "首次登录或密码被重置后，须先修改密码才能继续使用" }
        else if passwordChangeRequired(user, request: req) { reason = "密码已超过\(policy.expiryDays)天有效期，请修改后继续使用" }
        return PasswordContent(form: form, reason: reason, minLength: policy.minLength, classes: policy.requiredClasses)
    }

    struct PasswordForm: Content {
        var current: String?
        var new: String?
        var confirm: String?
    }

    func changePassword(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let form = try req.content.decode(PasswordForm.self)
        var errors: [FieldError] = []
        let current = form.current ?? "", new = form.new ?? "", confirm = form.confirm ?? ""
        if current.isEmpty { errors.append(.init("current", "当前密码", "不能为空")) }
        else if !(try await verifyPassword(current, hash: p.user.passwordHash, on: req)) {
            errors.append(.init("current", "当前密码", "不正确"))
        }
        for problem in req.lvze.settings.passwordPolicy.problems(password: new, username: p.user.username) {
            errors.append(.init("new", "新密码", problem))
        }
        if new == current, !new.isEmpty { errors.append(.init("new", "新密码", "不能与当前密码相同")) }
        if new != confirm { errors.append(.init("confirm", "确认新密码", "与新密码不一致")) }
        if !errors.isEmpty {
            return try await req.render("password", title: "修改密码",
                                        passwordContent(req, p.user, FormState(ValidationFailure(errors))),
                                        status: .unprocessableEntity)
        }
        // Read afresh: the signed-in user was read for the page, and only these columns change.
        guard let user = try await User.find(p.userID, on: req.db) else { throw Abort(.unauthorized) }
        user.passwordHash = try await hashPassword(new, cost: req.lvze.configuration.bcryptCost, on: req)
        user.passwordChangedAt = req.now
        user.mustChangePassword = false
        try await req.db.transaction { tx in
            try await user.update(on: tx)
            // Other sessions of this account end: whoever knew the old password is out.
            try await UserSession.query(on: tx).filter(\.$user.$id == p.userID)
                .filter(\.$id != (p.session?.id ?? "")).delete()
            // So do the API tokens made under the old password.
            try await APIToken.query(on: tx).filter(\.$user.$id == p.userID).filter(\.$revokedAt == nil)
                .set(\.$revokedAt, to: req.now).update()
            try await req.audit(.passwordChanged, "user", String(p.userID), "修改本人密码", on: tx)
        }
        return req.redirect(to: "/", flash: "密码已修改")
    }

    struct TokensContent: Encodable {
        struct Row: Encodable {
            var id: Int
            var name: String
            var prefix: String
            var createdAt: String
            var lastUsedAt: String
            var expiresAt: String
            var state: String
            var active: Bool
        }
        var rows: [Row]
        var newToken: String?
        var form: FormState
        var name: String
    }

    func tokensPage(req: Request) async throws -> Response {
        try await renderTokens(req, newToken: nil, form: FormState(), name: "")
    }

    private func renderTokens(_ req: Request, newToken: String?, form: FormState, name: String,
                              status: HTTPStatus = .ok) async throws -> Response {
        let p = try req.requirePrincipal()
        let now = req.now
        let tokens = try await APIToken.query(on: req.db).filter(\.$user.$id == p.userID).sort(\.$createdAt, .descending).all()
        let rows = tokens.map { t in
            let expired = t.expiresAt.map { $0 <= now } ?? false
            let state = t.revokedAt != nil ? "已吊销" : (expired ? "已过期" : "有效")
            return TokensContent.Row(id: t.id!, name: t.name, prefix: t.prefix + "…", createdAt: ISOTime.local(t.createdAt),
                                     lastUsedAt: ISOTime.local(t.lastUsedAt), expiresAt: t.expiresAt.map { ISOTime.local($0) } ?? "长期",
                                     state: state, active: t.revokedAt == nil && !expired)
        }
        return try await req.render("tokens", title: "接口令牌",
                                    TokensContent(rows: rows, newToken: newToken, form: form, name: name), status: status)
    }

    struct TokenForm: Content {
        var name: String?
        var days: String?
    }

    func createToken(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let form = try req.content.decode(TokenForm.self)
        let name = (form.name ?? "").trimmingCharacters(in: .whitespaces)
        var errors: [FieldError] = []
        if name.isEmpty { errors.append(.init("name", "令牌名称", "不能为空")) }
        if name.count > 50 { errors.append(.init("name", "令牌名称", "不能超过50个字")) }
        let daysText = (form.days ?? "").trimmingCharacters(in: .whitespaces)
        var days: Int?
        if !daysText.isEmpty {
            if let d = Int(daysText.halfWidth), (1...3650).contains(d) { days = d }
            else { errors.append(.init("days", "有效期（天）", "须为1到3650之间的整数，留空表示长期有效")) }
        }
        if !errors.isEmpty {
            return try await renderTokens(req, newToken: nil, form: FormState(ValidationFailure(errors)), name: name,
                                          status: .unprocessableEntity)
        }
        let (token, plain) = makeToken(for: p.userID, name: name, days: days, now: req.now)
        try await req.db.transaction { tx in
            try await token.create(on: tx)
            try await req.audit(.tokenCreated, "api_token", String(token.id!), "创建接口令牌「\(name)」", on: tx)
        }
        return try await renderTokens(req, newToken: plain, form: FormState(), name: "")
    }

    func revokeToken(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        guard let id = req.parameters.get("id", as: Int.self),
              let token = try await APIToken.find(id, on: req.db), token.$user.id == p.userID else {
            throw Abort(.notFound)
        }
        if token.revokedAt == nil {
            token.revokedAt = req.now
            try await req.db.transaction { tx in
                try await token.update(on: tx)
                try await req.audit(.tokenRevoked, "api_token", String(id), "吊销接口令牌「\(token.name)」", on: tx)
            }
        }
        return req.redirect(to: SiteURL.tokens.path, flash: "令牌「\(token.name)」已吊销")
    }
}

/// A new API token; the plain text is returned once and only its hash is kept.
func makeToken(for userID: Int, name: String, days: Int?, now: Date) -> (APIToken, String) {
    let plain = "lvze_" + Secrets.token()
    let token = APIToken()
    token.$user.id = userID
    token.name = name
    token.tokenHash = Secrets.sha256(plain)
    token.prefix = String(plain.prefix(12))
    token.createdAt = now
    token.expiresAt = days.map { now.addingTimeInterval(TimeInterval($0) * 86_400) }
    return (token, plain)
}

/// Only same-site relative paths are followed after login (no open redirect).
func safeNext(_ next: String) -> String {
    guard next.hasPrefix("/"), !next.hasPrefix("//"), !next.contains("\\"), !next.hasPrefix(Endpoint.login.url().path) else { return "/" }
    return next
}
