import Fluent
import FluentSQL
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// The ledgers page: every kind the user may read, by system, with its record count.
struct LedgerIndex: Encodable {
        struct Group: Encodable {
            var label: String
            var kinds: [Item]
        }
        struct Item: Encodable {
            var id: String
            var name: String
            var description: String
            var workflow: Bool
            var count: Int
        }
        var groups: [Group]

    static func load(_ catalogue: Catalogue, principal p: Principal, on db: any Database) async throws -> LedgerIndex {
        let visible = catalogue.kinds.filter { p.hasAny(Array($0.readers)) }
        let counts = try await Self.counts(visible.map(\.id), scope: p.scope, on: db)
        return LedgerIndex(groups: LedgerSystem.allCases.compactMap { system -> Group? in
            let kinds = visible.filter { $0.system == system }
            guard !kinds.isEmpty else { return nil }
            return .init(label: system.label, kinds: kinds.map {
                .init(id: $0.id, name: $0.name, description: $0.description, workflow: $0.workflow, count: counts[$0.id] ?? 0)
            })
        })
    }

    /// Record counts per kind in a scope, in one grouped query.
    static func counts(_ kinds: [String], scope: UnitPath, on db: any Database) async throws -> [String: Int] {
        guard !kinds.isEmpty else { return [:] }
        let rows = try await db.sql.select().column(SQLColumn("kind", table: "records"))
            .column(SQLFunction("count", args: SQLLiteral.all), as: "n")
            .from("records").join("units", on: SQLColumn("unit_id", table: "records"), .equal, SQLColumn("id", table: "units"))
            .where(SQLColumn("kind", table: "records"), .in, SQLBind.group(kinds))
            .where(SQLColumn("path", table: "units"), .greaterThanOrEqual, SQLBind(scope.value))
            .where(SQLColumn("path", table: "units"), .lessThan, SQLBind(scope.subtreeUpperBound))
            .groupBy(SQLColumn("kind", table: "records")).all()
        var out: [String: Int] = [:]
        for row in rows { out[try row.decode(column: "kind", as: String.self)] = try row.decode(column: "n", as: Int.self) }
        return out
    }
}
