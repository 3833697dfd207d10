import Fluent
import SQLKit

/// The audit trail sealed with a key kept outside the database: a MAC on every entry and on
/// the head, and signed checkpoints of the head (append-only like the entries).
struct M006_AuditSeal: AsyncMigration {
    var name: String { "006_audit_seal" }

    func prepare(on db: any Database) async throws {
        try await db.sql.raw("ALTER TABLE audit_entries ADD COLUMN mac TEXT").run()
        try await db.sql.raw("ALTER TABLE audit_head ADD COLUMN mac TEXT").run()
        try await db.schema("audit_checkpoints")
            .field(.id, .int, .identifier(auto: true))
            .field("seq", .int, .required)
            .field("hash", .string, .required)
            .field("at", .string, .required)
            .field("public_key", .string, .required)
            .field("signature", .string, .required)
            .create()
        try await AuditGuard.create(.checkpoints, on: db)
    }

    func revert(on db: any Database) async throws {
        try await db.schema("audit_checkpoints").delete()
    }
}
