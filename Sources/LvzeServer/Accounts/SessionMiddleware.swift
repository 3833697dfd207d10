import Fluent
import NIOConcurrencyHelpers
import SQLKit
import LvzeCore
import Vapor

enum Cookies {
    static let session = "lvze_session"
    static let csrf = "lvze_csrf"
    static let flash = "lvze_flash"

    /// HttpOnly, SameSite=Lax, path /; Secure when the site is served over HTTPS.
    static func make(_ value: String, request: Request, maxAge: Int? = nil) -> HTTPCookies.Value {
        HTTPCookies.Value(string: value, expires: nil, maxAge: maxAge, domain: nil, path: "/",
                          isSecure: request.isSecure,
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
        // One query for the session, its user and the user's unit: this runs on every page, so
        // the row is read column by column rather than through Fluent's reflective decoding.
        // The row is kept a few seconds (SessionRows), until any write through the server; each
        // request still decodes its own models from it.
        let hash = Secrets.sha256(token)
        let now = request.now
        let version = request.lvze.dataVersion.current
        let row: any SQLRow
        if let kept = request.lvze.sessionRows.get(hash, version: version, now: now) {
            row = kept
        } else {
            guard let fetched = try await request.db.sql.raw("""
                SELECT \(unsafeRaw: SessionRow.columns) FROM sessions s JOIN users u ON u.id = s.user_id JOIN units o ON o.id = u.unit_id
                WHERE s.id = \(bind: hash)
                """).first() else { return nil }
            row = fetched
            request.lvze.sessionRows.put(hash, row, version: version, at: now)
        }
        let (session, user, unit) = try SessionRow.decode(row)
        let idle = TimeInterval(request.lvze.settings.passwordPolicy.idleMinutes * 60)
        if now.timeIntervalSince(session.lastSeenAt) > idle {
            request.lvze.sessionRows.remove(hash)
            try await session.delete(on: request.db)
            request.sessionExpired = true
            try await request.lvze.audit.append(
                .sessionExpired, actor: AuditActor(userID: user.id, username: user.username, unitID: user.$unit.id,
                                                   address: request.clientAddress),
                objectType: "user", objectID: String(user.id!), summary: "会话空闲超时，已自动退出",
                at: now, on: request.db)
            return nil
        }
        guard !user.disabled else {
            request.lvze.sessionRows.remove(hash)
            try await session.delete(on: request.db)
            return nil
        }
        // Touch at most once a minute: idle time need not be exact to the second, and a
        // write per page view would make reads contend for the SQLite writer.
        if now.timeIntervalSince(session.lastSeenAt) > 60 {
            request.lvze.sessionRows.remove(hash)
            session.lastSeenAt = now
            try await request.db.sql.update(UserSession.schema).set("last_seen_at", to: SQLBind(now))
                .where("id", .equal, SQLBind(session.id!)).run()
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
              let unit = try await OrgUnit.find(user.$unit.id, on: request.db) else { return nil }
        if stored.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            stored.lastUsedAt = now
            try await stored.update(on: request.db)
        }
        return Principal(user: user, unit: unit, session: nil, roles: user.roles)
    }
}

/// The session, its user and the user's unit from one joined row, as stored models.
enum SessionRow {
    static let columns = """
        s.id AS s_id, s.user_id AS s_user_id, s.csrf_token AS s_csrf_token, s.created_at AS s_created_at, \
        s.last_seen_at AS s_last_seen_at, s.address AS s_address, \
        u.username AS u_username, u.display_name AS u_display_name, u.unit_id AS u_unit_id, u.roles AS u_roles, \
        u.password_hash AS u_password_hash, u.password_changed_at AS u_password_changed_at, \
        u.must_change_password AS u_must_change_password, u.failed_count AS u_failed_count, u.locked_until AS u_locked_until, \
        u.disabled AS u_disabled, u.last_login_at AS u_last_login_at, u.created_at AS u_created_at, \
        o.code AS o_code, o.name AS o_name, o.kind AS o_kind, o.parent_id AS o_parent_id, o.path AS o_path, o.depth AS o_depth, \
        o.founded_on AS o_founded_on, o.dissolved_on AS o_dissolved_on, o.sort_order AS o_sort_order, o.note AS o_note, \
        o.created_at AS o_created_at, o.updated_at AS o_updated_at
        """

    static func decode(_ r: any SQLRow) throws -> (UserSession, User, OrgUnit) {
        let session = UserSession()
        session.id = try r.decode(column: "s_id", as: String.self)
        session.$user.id = try r.decode(column: "s_user_id", as: Int.self)
        session.csrfToken = try r.decode(column: "s_csrf_token", as: String.self)
        session.createdAt = try r.decode(column: "s_created_at", as: Date.self)
        session.lastSeenAt = try r.decode(column: "s_last_seen_at", as: Date.self)
        session.address = try r.decode(column: "s_address", as: String.self)
        session.$id.exists = true

        let user = User()
        user.id = session.$user.id
        user.username = try r.decode(column: "u_username", as: String.self)
        user.displayName = try r.decode(column: "u_display_name", as: String.self)
        user.$unit.id = try r.decode(column: "u_unit_id", as: Int.self)
        user.rolesText = try r.decode(column: "u_roles", as: String.self)
        user.passwordHash = try r.decode(column: "u_password_hash", as: String.self)
        user.passwordChangedAt = try r.decode(column: "u_password_changed_at", as: Date.self)
        user.mustChangePassword = try r.decode(column: "u_must_change_password", as: Bool.self)
        user.failedCount = try r.decode(column: "u_failed_count", as: Int.self)
        user.lockedUntil = try r.decode(column: "u_locked_until", as: Date?.self)
        user.disabled = try r.decode(column: "u_disabled", as: Bool.self)
        user.lastLoginAt = try r.decode(column: "u_last_login_at", as: Date?.self)
        user.createdAt = try r.decode(column: "u_created_at", as: Date?.self)
        user.$id.exists = true

        let unit = OrgUnit()
        unit.id = user.$unit.id
        unit.code = try r.decode(column: "o_code", as: String.self)
        unit.name = try r.decode(column: "o_name", as: String.self)
        unit.kind = try r.decode(column: "o_kind", as: String.self)
        unit.$parent.id = try r.decode(column: "o_parent_id", as: Int?.self)
        unit.path = try r.decode(column: "o_path", as: String.self)
        unit.depth = try r.decode(column: "o_depth", as: Int.self)
        unit.foundedOn = try r.decode(column: "o_founded_on", as: String?.self)
        unit.dissolvedOn = try r.decode(column: "o_dissolved_on", as: String?.self)
        unit.sortOrder = try r.decode(column: "o_sort_order", as: Int.self)
        unit.note = try r.decode(column: "o_note", as: String.self)
        unit.createdAt = try r.decode(column: "o_created_at", as: Date?.self)
        unit.updatedAt = try r.decode(column: "o_updated_at", as: Date?.self)
        unit.$id.exists = true
        return (session, user, unit)
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
            var target = Endpoint.login.url().path
            if request.method == .GET, request.url.path != "/" {
                target += "?next=" + (request.url.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            }
            if request.sessionExpired { target += (target.contains("?") ? "&" : "?") + "expired=1" }
            return request.redirect(to: target)
        }
        if !principal.isAPI, passwordChangeRequired(principal.user, request: request),
           ![Endpoint.password.rawValue, Endpoint.logout.rawValue].contains(request.url.path) {
            return request.redirect(to: Endpoint.password.url().path)
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
