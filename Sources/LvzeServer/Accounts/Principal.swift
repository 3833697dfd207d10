import Fluent
import LvzeCore
import Vapor

/// The signed-in user of a request, with the unit subtree they may see.
struct Principal: Sendable {
    let user: User
    let unit: OrgUnit
    /// The browser session, or nil when the request came with an API token.
    let session: UserSession?
    let roles: Set<Role>

    var userID: Int { user.id! }
    var scope: UnitPath { unit.unitPath }
    var isAPI: Bool { session == nil }

    func has(_ role: Role) -> Bool { roles.contains(role) }
    func hasAny(_ wanted: [Role]) -> Bool { !roles.isDisjoint(with: wanted) }
    /// Any business role: the people who see business data (never the three administrators).
    var isBusinessUser: Bool { roles.contains(where: \.isBusiness) }

    func covers(_ unit: OrgUnit) -> Bool { scope.contains(unit.unitPath) }
}

extension Request {
    private struct PrincipalKey: StorageKey { typealias Value = Principal }
    private struct ExpiredKey: StorageKey { typealias Value = Bool }

    var principal: Principal? {
        get { storage[PrincipalKey.self] }
        set { storage[PrincipalKey.self] = newValue }
    }

    /// Set when the cookie named a session that timed out, so the login page can say so.
    var sessionExpired: Bool {
        get { storage[ExpiredKey.self] ?? false }
        set { storage[ExpiredKey.self] = newValue }
    }

    func requirePrincipal() throws -> Principal {
        guard let principal else { throw Abort(.unauthorized, reason: "请先登录") }
        return principal
    }

    /// The principal if they hold any of `roles`; 403 with a message otherwise.
    @discardableResult
    func require(_ roles: Role...) throws -> Principal { try require(roles) }

    @discardableResult
    func require(_ roles: [Role]) throws -> Principal {
        let p = try requirePrincipal()
        guard p.hasAny(roles) else {
            throw Abort(.forbidden, reason: "此功能仅限\(roles.map(\.label).joined(separator: "、"))使用")
        }
        return p
    }

    var clientAddress: String {
        remoteAddress?.ipAddress ?? "unknown"
    }

    var auditActor: AuditActor {
        if let p = principal {
            return AuditActor(userID: p.userID, username: p.user.username, unitID: p.unit.id, address: clientAddress)
        }
        return AuditActor(userID: nil, username: "", unitID: nil, address: clientAddress)
    }

    /// Appends to the audit trail as the current user, on `db` (a transaction, to make the
    /// change and its record one unit of work).
    func audit(_ action: AuditAction, _ objectType: String, _ objectID: String, _ summary: String,
               before: (any Encodable)? = nil, after: (any Encodable)? = nil,
               on db: (any Database)? = nil) async throws {
        try await lvze.audit.append(action, actor: auditActor, objectType: objectType, objectID: objectID,
                                    summary: summary, before: before, after: after, at: now, on: db ?? self.db)
    }
}
