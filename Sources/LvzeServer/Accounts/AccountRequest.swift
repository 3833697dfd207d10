import Fluent
import Foundation
import LvzeCore

/// A change to a protected account (an administrator's or a 纪检 user's) that the system
/// administrator asked for and the security administrator must approve: no one alone can
/// reset, disable or move such an account and so take it over (三员分立, GB/T 22239 level 3).
final class AccountRequest: Model, @unchecked Sendable {
    static let schema = "account_requests"

    enum Action: String, Sendable {
        case reset, disable, enable, move

        var label: String {
            switch self {
            case .reset: return "重置密码"
            case .disable: return "停用账号"
            case .enable: return "启用账号"
            case .move: return "调整所属单位"
            }
        }
    }

    enum Status: String, Sendable {
        case pending, approved, refused
    }

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "user_id") var userID: Int
    @Field(key: "action") var action: String
    /// For a move: the new unit.
    @OptionalField(key: "unit_id") var unitID: Int?
    /// For a reset: the first half of the new password, shown once to the requester and
    /// erased when the request is decided; the approver sees only the second half.
    @OptionalField(key: "part") var part: String?
    @Field(key: "requested_by") var requestedBy: Int
    @Field(key: "requested_at") var requestedAt: Date
    @Field(key: "status") var status: String
    @OptionalField(key: "decided_by") var decidedBy: Int?
    @OptionalField(key: "decided_at") var decidedAt: Date?

    init() {}

    var kind: Action? { Action(rawValue: action) }
}

extension User {
    /// Accounts no single administrator may reset, disable or move: the administrators'
    /// own and those that read discipline ledgers.
    var isProtected: Bool { roles.contains(where: \.isAdministrator) || roles.contains(.discipline) }
}
