import Fluent
import SQLKit

/// Record lists over a million records: the values of each kind's first enum and yes/no
/// fields in indexed columns (`f1`…`f3`, kept by `RecordSlots`), and indexes shaped for the
/// two ways a page is read (see `RecordRow.list`):
///
/// - newest first, checking the filters inside one index, for filters that match many
///   records: `(kind, id, unit_id, year, status, f1, f2, f3)`, which replaces `(kind, id)`;
/// - through the filter, for filters that match few: `(unit_id, kind, year)`, which replaces
///   `(kind, unit_id, year, id)` and `(unit_id)` (it still serves the foreign key), and one
///   partial index per filter column.
///
/// Import speed is paid per index, so the count stays where it was plus the filter columns.
struct M003_RecordFilterColumns: AsyncMigration {
    var name: String { "003_record_filter_columns" }

    func prepare(on db: any Database) async throws {
        for column in ["f1", "f2", "f3"] {
            try await db.sql.raw("ALTER TABLE records ADD COLUMN \(unsafeRaw: column) TEXT").run()
        }
        // Which field each kind keeps in f1…f3; `RecordSlots` fills the columns when it changes.
        try await db.schema("record_slots")
            .field("kind", .string, .identifier(auto: false))
            .field("fields", .string, .required)
            .create()

        for index in ["records_kind_id_idx", "records_kind_unit_idx", "records_unit_idx"] {
            try await db.sql.raw("DROP INDEX \(unsafeRaw: index)").run()
        }
        try await db.sql.raw("""
            CREATE INDEX records_kind_id_filter_idx ON records (kind, id, unit_id, year, status, f1, f2, f3)
            """).run()
        try await db.sql.raw("CREATE INDEX records_unit_kind_year_idx ON records (unit_id, kind, year)").run()
        for column in ["f1", "f2", "f3"] {
            try await db.sql.raw("""
                CREATE INDEX records_kind_\(unsafeRaw: column)_idx ON records (kind, \(unsafeRaw: column), unit_id) WHERE \(unsafeRaw: column) IS NOT NULL
                """).run()
        }
    }

    func revert(on db: any Database) async throws {
        for index in ["records_kind_id_filter_idx", "records_unit_kind_year_idx", "records_kind_f1_idx", "records_kind_f2_idx", "records_kind_f3_idx"] {
            try await db.sql.raw("DROP INDEX \(unsafeRaw: index)").run()
        }
        try await db.sql.create(index: "records_kind_unit_idx").on("records").column("kind").column("unit_id").column("year").column("id").run()
        try await db.sql.create(index: "records_kind_id_idx").on("records").column("kind").column("id").run()
        try await db.sql.create(index: "records_unit_idx").on("records").column("unit_id").run()
        try await db.schema("record_slots").delete()
        for column in ["f1", "f2", "f3"] {
            try await db.sql.raw("ALTER TABLE records DROP COLUMN \(unsafeRaw: column)").run()
        }
    }
}
