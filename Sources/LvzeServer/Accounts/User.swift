import Fluent
import LvzeCore
import Vapor

/// An account. It belongs to one unit and sees that unit's subtree only.
package final class User: Model, @unchecked Sendable {
    package static let schema = "users"

    @ID(custom: .id, generatedBy: .database) package var id: Int?
    @Field(key: "username") package var username: String
    @Field(key: "display_name") package var displayName: String
    @Parent(key: "unit_id") package var unit: OrgUnit
    /// Comma-separated role raw values; small and fixed, so no join table.
    @Field(key: "roles") package var rolesText: String
    @Field(key: "password_hash") package var passwordHash: String
    @Field(key: "password_changed_at") package var passwordChangedAt: Date
    @Field(key: "must_change_password") package var mustChangePassword: Bool
    @Field(key: "failed_count") package var failedCount: Int
    @OptionalField(key: "locked_until") package var lockedUntil: Date?
    @Field(key: "disabled") package var disabled: Bool
    @OptionalField(key: "last_login_at") package var lastLoginAt: Date?
    @Timestamp(key: "created_at", on: .create) package var createdAt: Date?

    package init() {}

    package var roles: Set<Role> {
        get { Set(rolesText.split(separator: ",").compactMap { Role(rawValue: String($0)) }) }
        set { rolesText = newValue.sorted().map(\.rawValue).joined(separator: ",") }
    }

    package func isLocked(at now: Date) -> Bool { lockedUntil.map { $0 > now } ?? false }
}

/// A signed-in browser session. The cookie carries a random token; only its SHA-256 is stored.
package final class UserSession: Model, @unchecked Sendable {
    package static let schema = "sessions"

    @ID(custom: .id, generatedBy: .user) package var id: String?
    @Parent(key: "user_id") package var user: User
    @Field(key: "csrf_token") package var csrfToken: String
    @Field(key: "created_at") package var createdAt: Date
    @Field(key: "last_seen_at") package var lastSeenAt: Date
    @Field(key: "address") package var address: String

    package init() {}
}

/// A REST API token (Bearer). Only its SHA-256 is stored; the plain token is shown once.
package final class APIToken: Model, @unchecked Sendable {
    package static let schema = "api_tokens"

    @ID(custom: .id, generatedBy: .database) package var id: Int?
    @Parent(key: "user_id") package var user: User
    @Field(key: "name") package var name: String
    @Field(key: "token_hash") package var tokenHash: String
    @Field(key: "prefix") package var prefix: String
    @Field(key: "created_at") package var createdAt: Date
    @OptionalField(key: "last_used_at") package var lastUsedAt: Date?
    @OptionalField(key: "expires_at") package var expiresAt: Date?
    @OptionalField(key: "revoked_at") package var revokedAt: Date?

    package init() {}
}

/// A setting kept in the database so administrators change it from a page without restart.
package final class Setting: Model, @unchecked Sendable {
    package static let schema = "settings"

    @ID(custom: "key", generatedBy: .user) package var id: String?
    @Field(key: "value") package var value: String
    @Timestamp(key: "updated_at", on: .update) package var updatedAt: Date?

    package init() {}
    package init(key: String, value: String) {
        self.id = key
        self.value = value
    }
}
