import Fluent
import FluentPostgresDriver
import SQLKit

/// Rows read from PostgreSQL by the driver's own cell decoders. SQLKit's rows decode every
/// value through `Decodable` with a coding path per cell, which took a sixth of the server's
/// time on a list page (600 values) at 32 connections; hot pages read their rows here.
enum PostgresRows {
    /// The rows of `query` when `db` is PostgreSQL and every bind has a PostgreSQL encoding
    /// (text, integers, dates, booleans, reals); nil otherwise, for SQLKit's path.
    static func fetch(_ query: any SQLExpression, on db: any Database) async throws -> [PostgresRandomAccessRow]? {
        guard let pg = db as? any PostgresDatabase else { return nil }
        let (sql, binds) = db.sql.serialize(query)
        var bindings = PostgresBindings(capacity: binds.count)
        for bind in binds {
            guard let value = bind as? any PostgresThrowingDynamicTypeEncodable else { return nil }
            try bindings.append(value)
        }
        let query = PostgresQuery(unsafeSQL: sql, binds: bindings)
        let result = try await pg.withConnection { $0.query(query, logger: $0.logger) }.get()
        return result.rows.map { $0.makeRandomAccess() }
    }
}

extension PostgresRandomAccessRow {
    /// The column's value.
    func value<T: PostgresDecodable>(_ column: String, as _: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }
}
