import Fluent
import LvzeCore
import Vapor

enum Cookies {
    static let session = "lvze_session"
    static let csrf = "lvze_csrf"
    static let flash = "lvze_flash"

    /// HttpOnly, SameSite=Lax, path /; Secure when the site is served over HTTPS.
    static func make(_ value: String, request: Request, maxAge: Int? = nil) -> HTTPCookies.Value {
        HTTPCookies.Value(string: value, expires: nil, maxAge: maxAge, domain: nil, path: "/",
                          isSecure: request.headers.first(name: "X-Forwarded-Proto") == "https",
                          isHTTPOnly: true, sameSite: .lax)
    }
}

/// Finds who is calling: a Bearer token (API) or the session cookie (browser). A session
/// idle for longer than the policy allows is ended here, and the request goes on anonymous.
struct SessionMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        if let bearer = request.headers.bearerAuthorization {
            request.principal = try await principal(forToken: bearer.token, request: request)
            if request.principal == nil {
                throw Abort(.unauthorized, reason: "接口令牌无效、已过期或已吊销")
            }
        } else if let cookie = request.cookies[Cookies.session]?.string, !cookie.isEmpty {
            request.principal = try await principal(forCookie: cookie, request: request)
        }
        let response = try await next.respond(to: request)
        if request.sessionExpired, request.principal == nil, response.cookies[Cookies.session] == nil {
            response.cookies[Cookies.session] = Cookies.make("", request: request, maxAge: 0)
        }
        return response
    }

    private func principal(forCookie token: String, request: Request) async throws -> Principal? {
        // One query for the session, its user and the user's unit: this runs on every page.
        guard let session = try await UserSession.query(on: request.db).filter(\.$id == Secrets.sha256(token))
            .join(User.self, on: \UserSession.$user.$id == \User.$id)
            .join(OrgUnit.self, on: \User.$unit.$id == \OrgUnit.$id).first() else { return nil }
        let now = request.now
        let idle = TimeInterval(request.lvze.settings.passwordPolicy.idleMinutes * 60)
        let user = try session.joined(User.self)
        if now.timeIntervalSince(session.lastSeenAt) > idle {
            try await session.delete(on: request.db)
            request.sessionExpired = true
            try await request.lvze.audit.append(
                .sessionExpired, actor: AuditActor(userID: user.id, username: user.username, unitID: user.$unit.id,
                                                   address: request.clientAddress),
                objectType: "user", objectID: String(user.id!), summary: "会话空闲超时，已自动退出",
                at: now, on: request.db)
            return nil
        }
        let unit = try session.joined(OrgUnit.self)
        guard !user.disabled else {
            try await session.delete(on: request.db)
            return nil
        }
        // Touch at most once a minute: idle time need not be exact to the second, and a
        // write per page view would make reads contend for the SQLite writer.
        if now.timeIntervalSince(session.lastSeenAt) > 60 {
            session.lastSeenAt = now
            try await session.update(on: request.db)
        }
        return Principal(user: user, unit: unit, session: session, roles: user.roles)
    }

    private func principal(forToken token: String, request: Request) async throws -> Principal? {
        guard let stored = try await APIToken.query(on: request.db)
            .filter(\.$tokenHash == Secrets.sha256(token)).first(),
              stored.revokedAt == nil else { return nil }
        let now = request.now
        if let expires = stored.expiresAt, expires <= now { return nil }
        guard let user = try await User.find(stored.$user.id, on: request.db), !user.disabled,
              !user.isLocked(at: now),
              let unit = try await OrgUnit.find(user.$unit.id, on: request.db) else { return nil }
        if stored.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            stored.lastUsedAt = now
            try await stored.update(on: request.db)
        }
        return Principal(user: user, unit: unit, session: nil, roles: user.roles)
    }
}

/// Pages behind a login: anonymous browsers go to the login page, API callers get 401.
/// A user whose password must change (first login, reset, expiry) is held on that page.
struct RequireLoginMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let principal = request.principal else {
            if request.url.path.hasPrefix("/api/") {
                throw Abort(.unauthorized, reason: "请先登录：使用 Authorization: Bearer 接口令牌")
            }
            var target = "/login"
            if request.method == .GET, request.url.path != "/" {
                target += "?next=" + (request.url.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            }
            if request.sessionExpired { target += (target.contains("?") ? "&" : "?") + "expired=1" }
            return request.redirect(to: target)
        }
        if !principal.isAPI, passwordChangeRequired(principal.user, request: request),
           !["/password", "/logout"].contains(request.url.path) {
            return request.redirect(to: "/password")
        }
        return try await next.respond(to: request)
    }
}

func passwordChangeRequired(_ user: User, request: Request) -> Bool {
    if user.mustChangePassword { return true }
    let days = request.lvze.settings.passwordPolicy.expiryDays
    guard days > 0 else { return false }
    return request.now.timeIntervalSince(user.passwordChangedAt) > TimeInterval(days) * 86_400
}
