import Fluent
import SQLKit

/// A list filtered by year walks that year's records newest first: `(kind, year, id, …)` with
/// the same filter columns as `(kind, id, …)` (see `M003_RecordFilterColumns` and
/// `RecordRow.page`). Records are entered roughly in date order, so an earlier year's
/// records lie far below the newest ids: walking the whole kind from the top found none of
/// them, and the page fell back to sorting every match of the year.
struct M003_RecordYearWalk: AsyncMigration {
    var name: String { "003_record_year_walk" }

    func prepare(on db: any Database) async throws {
        try await db.sql.raw("""
            CREATE INDEX records_kind_year_id_filter_idx ON records (kind, year, id, unit_id, status, f1, f2, f3)
            """).run()
    }

    func revert(on db: any Database) async throws {
        try await db.sql.raw("DROP INDEX records_kind_year_id_filter_idx").run()
    }
}
