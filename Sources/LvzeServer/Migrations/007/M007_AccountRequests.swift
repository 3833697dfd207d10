import Fluent
import SQLKit

/// Changes to administrator and 纪检 accounts that need two people: the system administrator
/// asks, the security administrator decides.
struct M007_AccountRequests: AsyncMigration {
    var name: String { "007_account_requests" }

    func prepare(on db: any Database) async throws {
        try await db.schema("account_requests")
            .field(.id, .int, .identifier(auto: true))
            .field("user_id", .int, .required, .references("users", .id, onDelete: .cascade))
            .field("action", .string, .required)
            .field("unit_id", .int)
            .field("part", .string)
            .field("requested_by", .int, .required)
            .field("requested_at", .datetime, .required)
            .field("status", .string, .required)
            .field("decided_by", .int)
            .field("decided_at", .datetime)
            .create()
        try await db.sql.create(index: "account_requests_user_idx").on("account_requests").column("user_id").run()
    }

    func revert(on db: any Database) async throws {
        try await db.schema("account_requests").delete()
    }
}
