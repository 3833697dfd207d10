import Fluent
import SQLKit

/// The two SQL dialects Lvze speaks. Any statement that differs between them is written
/// once per case here or beside its caller, and both are covered by the same tests.
package enum Dialect: Sendable {
    case sqlite
    case postgres

    package init(_ db: any Database) {
        let name = (db as? any SQLDatabase)?.dialect.name ?? "sqlite"
        self = name.contains("postgres") ? .postgres : .sqlite
    }
}

extension Database {
    package var sql: any SQLDatabase { self as! any SQLDatabase }
    package var dialect: Dialect { Dialect(self) }
}
