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
///
/// A session read a moment ago (`sessionRows`) that needs neither ending nor touching is
/// taken without the database and without starting a task: that is nearly every page view.
struct SessionMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        if request.headers.bearerAuthorization == nil {
            guard let cookie = request.cookies[Cookies.session]?.string, !cookie.isEmpty else { return next.respond(to: request) }
            if let kept = Self.keptPrincipal(forCookie: cookie, request: request) {
                request.principal = kept
                return next.respond(to: request)
            }
        }
        return request.eventLoop.makeFutureWithTask { try await respond(to: request, chainingTo: next) }
    }

    private func respond(to request: Request, chainingTo next: any Responder) async throws -> Response {
        if let bearer = request.headers.bearerAuthorization {
            request.principal = try await principal(forToken: bearer.token, request: request)
            if request.principal == nil {
                throw Abort(.unauthorized, reason: "接口令牌无效、已过期或已吊销")
            }
        } else if let cookie = request.cookies[Cookies.session]?.string, !cookie.isEmpty {
            request.principal = try await principal(forCookie: cookie, request: request)
        }
        let response = try await next.respond(to: request).get()
        if request.sessionExpired, request.principal == nil, response.cookies[Cookies.session] == nil {
            response.cookies[Cookies.session] = Cookies.make("", request: request, maxAge: 0)
        }
        return response
    }

    /// The caller from a kept session that is neither idle too long, nor of a disabled user,
    /// nor due to be touched; nil sends the request the long way (`principal(forCookie:)`).
    private static func keptPrincipal(forCookie token: String, request: Request) -> Principal? {
        let now = request.now
        let idle = TimeInterval(request.lvze.settings.passwordPolicy.idleMinutes * 60)
        guard let kept = request.lvze.sessionRows.get(Secrets.sha256(token), version: request.lvze.dataVersion.current, now: now),
              !kept.disabled, now.timeIntervalSince(kept.lastSeenAt) <= min(60, idle) else { return nil }
        let (session, user, unit) = kept.models()
        return Principal(user: user, unit: unit, session: session, roles: user.roles)
    }

    private func principal(forCookie token: String, request: Request) async throws -> Principal? {
        // One query for the session, its user and the user's unit: this runs on every page, so
        // the row is read column by column rather than through Fluent's reflective decoding.
        // It is kept a few seconds (`sessionRows`), until any write through the server; each
        // request makes its own models from it.
        let hash = Secrets.sha256(token)
        let now = request.now
        let version = request.lvze.dataVersion.current
        let kept: SessionRow
        if let found = request.lvze.sessionRows.get(hash, version: version, now: now) {
            kept = found
        } else {
            guard let fetched = try await request.db.sql.raw("""
                SELECT \(unsafeRaw: SessionRow.columns) FROM sessions s JOIN users u ON u.id = s.user_id JOIN units o ON o.id = u.unit_id
                WHERE s.id = \(bind: hash)
                """).first() else { return nil }
            kept = try SessionRow(fetched)
            request.lvze.sessionRows.put(hash, kept, version: version, at: now)
        }
        let (session, user, unit) = kept.models()
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

/// The session, its user and the user's unit, read from one joined row and kept as values:
/// each request makes its own models from them (models are classes a handler may change).
struct SessionRow: Sendable {
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

    var id: String, userID: Int, csrfToken: String, createdAt: Date, lastSeenAt: Date, address: String
    var username: String, displayName: String, unitID: Int, roles: String, passwordHash: String, passwordChangedAt: Date
    var mustChangePassword: Bool, failedCount: Int, lockedUntil: Date?, disabled: Bool, lastLoginAt: Date?, userCreatedAt: Date?
    var code: String, name: String, kind: String, parentID: Int?, path: String, depth: Int, foundedOn: String?, dissolvedOn: String?
    var sortOrder: Int, note: String, unitCreatedAt: Date?, unitUpdatedAt: Date?

    init(_ r: any SQLRow) throws {
        id = try r.decode(column: "s_id", as: String.self)
        userID = try r.decode(column: "s_user_id", as: Int.self)
        csrfToken = try r.decode(column: "s_csrf_token", as: String.self)
        createdAt = try r.decode(column: "s_created_at", as: Date.self)
        lastSeenAt = try r.decode(column: "s_last_seen_at", as: Date.self)
        address = try r.decode(column: "s_address", as: String.self)
        username = try r.decode(column: "u_username", as: String.self)
        displayName = try r.decode(column: "u_display_name", as: String.self)
        unitID = try r.decode(column: "u_unit_id", as: Int.self)
        roles = try r.decode(column: "u_roles", as: String.self)
        passwordHash = try r.decode(column: "u_password_hash", as: String.self)
        passwordChangedAt = try r.decode(column: "u_password_changed_at", as: Date.self)
        mustChangePassword = try r.decode(column: "u_must_change_password", as: Bool.self)
        failedCount = try r.decode(column: "u_failed_count", as: Int.self)
        lockedUntil = try r.decode(column: "u_locked_until", as: Date?.self)
        disabled = try r.decode(column: "u_disabled", as: Bool.self)
        lastLoginAt = try r.decode(column: "u_last_login_at", as: Date?.self)
        userCreatedAt = try r.decode(column: "u_created_at", as: Date?.self)
        code = try r.decode(column: "o_code", as: String.self)
        name = try r.decode(column: "o_name", as: String.self)
        kind = try r.decode(column: "o_kind", as: String.self)
        parentID = try r.decode(column: "o_parent_id", as: Int?.self)
        path = try r.decode(column: "o_path", as: String.self)
        depth = try r.decode(column: "o_depth", as: Int.self)
        foundedOn = try r.decode(column: "o_founded_on", as: String?.self)
        dissolvedOn = try r.decode(column: "o_dissolved_on", as: String?.self)
        sortOrder = try r.decode(column: "o_sort_order", as: Int.self)
        note = try r.decode(column: "o_note", as: String.self)
        unitCreatedAt = try r.decode(column: "o_created_at", as: Date?.self)
        unitUpdatedAt = try r.decode(column: "o_updated_at", as: Date?.self)
    }

    /// Fresh models, as stored.
    func models() -> (UserSession, User, OrgUnit) {
        let session = UserSession()
        session.id = id
        session.$user.id = userID
        session.csrfToken = csrfToken
        session.createdAt = createdAt
        session.lastSeenAt = lastSeenAt
        session.address = address
        session.$id.exists = true

        let user = User()
        user.id = userID
        user.username = username
        user.displayName = displayName
        user.$unit.id = unitID
        user.rolesText = roles
        user.passwordHash = passwordHash
        user.passwordChangedAt = passwordChangedAt
        user.mustChangePassword = mustChangePassword
        user.failedCount = failedCount
        user.lockedUntil = lockedUntil
        user.disabled = disabled
        user.lastLoginAt = lastLoginAt
        user.createdAt = userCreatedAt
        user.$id.exists = true

        let unit = OrgUnit()
        unit.id = unitID
        unit.code = code
        unit.name = name
        unit.kind = kind
        unit.$parent.id = parentID
        unit.path = path
        unit.depth = depth
        unit.foundedOn = foundedOn
        unit.dissolvedOn = dissolvedOn
        unit.sortOrder = sortOrder
        unit.note = note
        unit.createdAt = unitCreatedAt
        unit.updatedAt = unitUpdatedAt
        unit.$id.exists = true
        return (session, user, unit)
    }
}

/// Pages behind a login: anonymous browsers go to the login page, API callers get 401.
/// A user whose password must change (first login, reset, expiry) is held on that page.
struct RequireLoginMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard let principal = request.principal else {
            if request.url.path.hasPrefix("/api/") {
                return request.eventLoop.makeFailedFuture(Abort(.unauthorized, reason: "请先登录：使用 Authorization: Bearer 接口令牌"))
            }
            var target = Endpoint.login.url().path
            if request.method == .GET, request.url.path != "/" {
                target += "?next=" + (request.url.path.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
            }
            if request.sessionExpired { target += (target.contains("?") ? "&" : "?") + "expired=1" }
            return request.eventLoop.makeSucceededFuture(request.redirect(to: target))
        }
        if !principal.isAPI, passwordChangeRequired(principal.user, request: request),
           ![Endpoint.password.rawValue, Endpoint.logout.rawValue].contains(request.url.path) {
            return request.eventLoop.makeSucceededFuture(request.redirect(to: Endpoint.password.url().path))
        }
        return next.respond(to: request)
    }
}

func passwordChangeRequired(_ user: User, request: Request) -> Bool {
    if user.mustChangePassword { return true }
    let days = request.lvze.settings.passwordPolicy.expiryDays
    guard days > 0 else { return false }
    return request.now.timeIntervalSince(user.passwordChangedAt) > TimeInterval(days) * 86_400
}
