import Fluent
import SQLKit

/// PostgreSQL only: each filter column's records in id order, with what a list checks besides
/// (`RecordRow.page`'s column walk). A page of a filter value in one town — its 重大隐患 — found
/// few of them among the newest records and so read every one of the town's matches through
/// (kind, fN, unit_id, id) to sort the newest 51: 1,053 at a million records, 10,275 at ten
/// million, 5.9 and 7.6 ms of PostgreSQL's time a page. Walked in id order, the newest 51 are
/// about 51 over the town's share of the value's records — 744 index entries at either scale.
///
/// The unit, year, status and the other filter columns are carried in the index (`INCLUDE`) so
/// the walk checks them without reading the table. SQLite keeps its plan (each index already
/// ends in the rowid, and it has no `INCLUDE`).
struct M013_FilterColumnsInIDOrder: AsyncMigration {
    var name: String { "013_filter_columns_in_id_order" }

    /// The filter columns (migration 003).
    static let slots = ["f1", "f2", "f3"]

    static func index(_ slot: String) -> (name: String, sql: String) {
        let others = Self.slots.filter { $0 != slot }.joined(separator: ", ")
        return ("records_kind_\(slot)_id_idx",
                "ON records (kind, \(slot), id) INCLUDE (unit_id, year, status, \(others)) WHERE \(slot) IS NOT NULL")
    }

    func prepare(on db: any Database) async throws {
        guard db.dialect == .postgres else { return }
        for slot in Self.slots {
            let index = Self.index(slot)
            try await db.sql.raw("CREATE INDEX IF NOT EXISTS \(unsafeRaw: index.name) \(unsafeRaw: index.sql)").run()
        }
    }

    func revert(on db: any Database) async throws {
        guard db.dialect == .postgres else { return }
        for slot in Self.slots {
            try await db.sql.raw("DROP INDEX IF EXISTS \(unsafeRaw: Self.index(slot).name)").run()
        }
    }
}
