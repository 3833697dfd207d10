import Fluent
import SQLKit

/// Ledger records of every kind, their history, evidence files, and custom ledger kinds.
/// Common columns carry what lists and metrics filter and sum on; the kind's own fields
/// live in `data` (JSON text, checked against the catalogue on every write).
struct M002_Records: AsyncMigration {
    var name: String { "002_records" }

    func prepare(on db: any Database) async throws {
        try await db.schema("records")
            .field(.id, .int, .identifier(auto: true))
            .field("kind", .string, .required)
            .field("unit_id", .int, .required, .references("units", .id, onDelete: .restrict))
            .field("title", .string, .required)
            .field("record_date", .string, .required)
            .field("year", .int, .required)
            .field("status", .string, .required, .sql(.default("")))
            .field("opened_on", .string, .required)
            .field("due_date", .string)
            .field("closed_on", .string)
            .field("progress", .int)
            .field("amount", .double)
            .field("data", .string, .required)
            .field("workflow", .string, .required, .sql(.default("{}")))
            .field("created_by", .int, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .field("version", .int, .required, .sql(.default(1)))
            .create()
        // A unit's records of a kind, by year: counts for a town or a village are index-only.
        try await db.sql.create(index: "records_kind_unit_idx").on("records").column("kind").column("unit_id").column("year").column("id").run()
        // Lists and exports walk a kind newest first and stop at the page size: no sort.
        try await db.sql.create(index: "records_kind_id_idx").on("records").column("kind").column("id").run()
        try await db.sql.create(index: "records_kind_date_idx").on("records").column("kind").column("record_date").run()
        try await db.sql.create(index: "records_kind_status_due_idx").on("records").column("kind").column("status").column("due_date").run()
        try await db.sql.create(index: "records_unit_idx").on("records").column("unit_id").run()

        try await db.schema("record_events")
            .field(.id, .int, .identifier(auto: true))
            .field("record_id", .int, .required)
            .field("at", .datetime, .required)
            .field("user_id", .int)
            .field("username", .string, .required)
            .field("action", .string, .required)
            .field("changes", .string, .required)
            .field("note", .string, .required, .sql(.default("")))
            .create()
        try await db.sql.create(index: "record_events_record_idx").on("record_events").column("record_id").column("id").run()

        try await db.schema("attachments")
            .field(.id, .int, .identifier(auto: true))
            .field("record_id", .int, .references("records", .id, onDelete: .restrict))
            .field("field_id", .string, .required)
            .field("sha256", .string, .required)
            .field("name", .string, .required)
            .field("size", .int, .required)
            .field("mime", .string, .required)
            .field("uploaded_by", .int, .required)
            .field("uploaded_at", .datetime, .required)
            .create()
        try await db.sql.create(index: "attachments_record_idx").on("attachments").column("record_id").run()

        try await db.schema("custom_kinds")
            .field("id", .string, .identifier(auto: false))
            .field("definition", .string, .required)
            .field("created_by", .int, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
    }

    func revert(on db: any Database) async throws {
        for table in ["custom_kinds", "attachments", "record_events", "records"] {
            try await db.schema(table).delete()
        }
    }
}
