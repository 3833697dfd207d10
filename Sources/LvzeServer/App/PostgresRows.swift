import Fluent
import FluentPostgresDriver
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Rows read from PostgreSQL by the driver's own cell decoders. SQLKit's rows decode every
/// value through `Decodable` with a coding path per cell, which took a sixth of the server's
/// time on a list page (600 values) at 32 connections; hot pages read their rows here.
enum PostgresRows {
    /// The rows of `query` when `db` is PostgreSQL and every bind has a PostgreSQL encoding
    /// (text, integers, dates, booleans, reals); nil otherwise, for SQLKit's path.
    ///
    /// `prepared`: run it as a named statement kept on the connection (`NamedStatements`), so
    /// PostgreSQL parses it once and, after five calls, may keep one plan for every call rather
    /// than planning each (a list page's walk: two thirds of PostgreSQL's time on the page).
    /// Only for statements whose best plan does not depend on the values bound: check each
    /// shape's generic plan on a large database with `bench/pg_plans.py` first (an unchecked
    /// one read every unit twice); `RecordListTests` checks the pages' answers past five calls.
    static func fetch(_ query: any SQLExpression, prepared: Bool = false, on db: any Database) async throws -> [PostgresRow]? {
        guard let pg = db as? any PostgresDatabase else { return nil }
        let (sql, binds) = db.sql.serialize(query)
        var bindings = PostgresBindings(capacity: binds.count)
        var types: [PostgresDataType] = []
        for bind in binds {
            guard let value = bind as? any PostgresThrowingDynamicTypeEncodable else { return nil }
            try bindings.append(value)
            if prepared { types.append(value.psqlType) }
        }
        if prepared, NamedStatements.enabled, let name = NamedStatements.shared.name(sql: sql, types: types) {
            let statement = NamedStatement(bindings: bindings), current = (name, sql, types)
            let rows = try await pg.withConnection { connection in
                connection.eventLoop.makeFutureWithTask {
                    try await NamedStatement.$current.withValue(current) {
                        var rows: [PostgresRow] = []
                        for try await row in try await connection.execute(statement, logger: connection.logger) {
                            rows.append(row)
                        }
                        return rows
                    }
                }
            }.get()
            return rows
        }
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        let result = try await pg.withConnection { $0.query(query, logger: $0.logger) }.get()
        return result.rows
    }
}

/// The names of the statements kept prepared, by their SQL and bind types. PostgreSQL keeps a
/// prepared statement (and its plan) for the connection's life, so the number of different
/// statements is capped: past `limit` they run unnamed, planned on each call as before.
final class NamedStatements: Sendable {
    static let shared = NamedStatements()
    /// Off with `LVZE_PG_PREPARED=off`, for a connection pooler that cannot keep named
    /// statements (PgBouncer in transaction mode before 1.21).
    static let enabled = Environment.get("LVZE_PG_PREPARED")?.lowercased() != "off"
    static let limit = 256

    private let names = NIOLockedValueBox<[Key: String]>([:])

    private struct Key: Hashable {
        var sql: String
        var types: [PostgresDataType]
    }

    func name(sql: String, types: [PostgresDataType]) -> String? {
        names.withLockedValue { names in
            let key = Key(sql: sql, types: types)
            if let name = names[key] { return name }
            guard names.count < Self.limit else { return nil }
            let name = "lvze_\(names.count + 1)"
            names[key] = name
            return name
        }
    }
}

/// One call of a named statement. PostgresNIO prepares a statement on a connection the first
/// time its name is used there and keeps it; its name and SQL are the type's (static), so they
/// are passed in a task-local value set around the call.
private struct NamedStatement: PostgresPreparedStatement {
    @TaskLocal static var current: (name: String, sql: String, types: [PostgresDataType]) = ("", "", [])
    static var name: String { current.name }
    static var sql: String { current.sql }
    static var bindingDataTypes: [PostgresDataType] { current.types }

    typealias Row = PostgresRow
    var bindings: PostgresBindings
    func makeBindings() throws -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) throws -> PostgresRow { row }
}
