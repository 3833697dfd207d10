import Fluent
import SQLKit

/// Report templates users edit, and issued reports (snapshots): the values and the record
/// ids behind each figure, frozen with a hash. Snapshots are never changed or removed.
struct M004_Reports: AsyncMigration {
    var name: String { "004_reports" }

    func prepare(on db: any Database) async throws {
        try await db.schema("report_templates")
            .field(.id, .int, .identifier(auto: true))
            .field("name", .string, .required)
            .field("body", .string, .required)
            .field("updated_by", .string, .required)
            .field("updated_at", .datetime, .required)
            .unique(on: "name")
            .create()

        try await db.schema("report_snapshots")
            .field(.id, .int, .identifier(auto: true))
            .field("unit_id", .int, .required, .references("units", .id, onDelete: .restrict))
            .field("year", .int, .required)
            .field("title", .string, .required)
            .field("template_name", .string, .required)
            .field("template_body", .string, .required)
            .field("settings", .string, .required)
            .field("metric_values", .string, .required)
            .field("record_ids", .string, .required)
            .field("sha256", .string, .required)
            .field("issued_by", .int, .required)
            .field("issued_by_name", .string, .required)
            .field("issued_at", .datetime, .required)
            .create()
        try await db.sql.create(index: "report_snapshots_unit_year_idx").on("report_snapshots").column("unit_id").column("year").run()

        switch db.dialect {
        case .sqlite:
            try await db.sql.raw("""
                CREATE TRIGGER report_snapshots_no_update BEFORE UPDATE ON report_snapshots
                BEGIN SELECT RAISE(ABORT, 'issued reports are frozen'); END
                """).run()
            try await db.sql.raw("""
                CREATE TRIGGER report_snapshots_no_delete BEFORE DELETE ON report_snapshots
                BEGIN SELECT RAISE(ABORT, 'issued reports are frozen'); END
                """).run()
        case .postgres:
            try await db.sql.raw("""
                CREATE FUNCTION report_snapshots_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN RAISE EXCEPTION 'issued reports are frozen'; END $$
                """).run()
            try await db.sql.raw("""
                CREATE TRIGGER report_snapshots_no_change BEFORE UPDATE OR DELETE ON report_snapshots
                FOR EACH ROW EXECUTE FUNCTION report_snapshots_frozen()
                """).run()
        }
    }

    func revert(on db: any Database) async throws {
        if db.dialect == .postgres {
            try await db.sql.raw("DROP FUNCTION IF EXISTS report_snapshots_frozen() CASCADE").run()
        }
        try await db.schema("report_snapshots").delete()
        try await db.schema("report_templates").delete()
    }
}
