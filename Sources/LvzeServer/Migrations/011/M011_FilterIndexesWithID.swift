import Fluent
import SQLKit

/// PostgreSQL only: the id in the indexes a record list reads through its filter (a unit's
/// subtree and year, or a filter column — see `RecordRow.page`). SQLite keeps the rowid in
/// every index entry; PostgreSQL keeps only the row's address, so it read the table for each
/// match to learn its id: a town's 重大隐患 at ten million records visited 11,000 pages and
/// took 28 ms a page. With the id in the index the same page is an index-only scan.
///
/// An index-only scan reads the table still for pages changed since the last vacuum, and by
/// default autovacuum comes to a table after a fifth of its rows changed — two million at ten
/// million records, while the reminder pass alone changes a hundred thousand a day — so the
/// records table is vacuumed and analysed after 2 %.
struct M011_FilterIndexesWithID: AsyncMigration {
    var name: String { "011_filter_indexes_with_id" }

    /// (index, its columns, its condition), before and after.
    static let indexes: [(name: String, old: String, new: String, condition: String?)] =
        ["f1", "f2", "f3"].map { ("records_kind_\($0)_idx", "kind, \($0), unit_id", "kind, \($0), unit_id, id", "\($0) IS NOT NULL") }
        + [("records_unit_kind_year_idx", "unit_id, kind, year", "unit_id, kind, year, id", nil)]

    func prepare(on db: any Database) async throws {
        guard db.dialect == .postgres else { return }
        try await Self.rebuild(on: db, columns: \.new)
        try await db.sql.raw("ALTER TABLE records SET (\(unsafeRaw: Self.autovacuum.map { "\($0) = 0.02" }.joined(separator: ", ")))").run()
    }

    static let autovacuum = ["autovacuum_vacuum_scale_factor", "autovacuum_vacuum_insert_scale_factor", "autovacuum_analyze_scale_factor"]

    func revert(on db: any Database) async throws {
        guard db.dialect == .postgres else { return }
        try await Self.rebuild(on: db, columns: \.old)
        try await db.sql.raw("ALTER TABLE records RESET (\(unsafeRaw: Self.autovacuum.joined(separator: ", ")))").run()
    }

    private static func rebuild(on db: any Database,
                                columns: KeyPath<(name: String, old: String, new: String, condition: String?), String>) async throws {
        for index in indexes {
            try await db.sql.raw("DROP INDEX \(unsafeRaw: index.name)").run()
            let condition = index.condition.map { " WHERE \($0)" } ?? ""
            try await db.sql.raw("""
                CREATE INDEX \(unsafeRaw: index.name) ON records (\(unsafeRaw: index[keyPath: columns]))\(unsafeRaw: condition)
                """).run()
        }
    }
}
