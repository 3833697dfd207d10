import Fluent
import Foundation
import LvzeCore
import SQLKit

/// Names for the unit and person references of a page of records, loaded in two queries.
struct ReferenceNames {
    var units: [Int: String] = [:]
    var people: [Int: String] = [:]

    static func load(_ records: [LedgerRecord], kind: LedgerKind, on db: any Database) async throws -> ReferenceNames {
        try await load(records.map { ($0.$unit.id, $0.data) }, kind: kind, on: db)
    }

    /// Names for (unit id, field JSON) pairs; `known` unit names (read with the records) are not asked for again.
    static func load(_ records: [(Int, String)], kind: LedgerKind, known: [Int: String] = [:], on db: any Database) async throws -> ReferenceNames {
        var unitIDs = Set(records.map { $0.0 })
        var personIDs: Set<Int> = []
        let hasReferences = kind.fields.contains { $0.type == .unit || $0.type == .person }
        for (_, data) in records where hasReferences {
            for (k, v) in FieldJSON.decode(data, kind: kind) {
                guard case .reference(let id) = v, let f = kind.field(k) else { continue }
                if f.type == .unit { unitIDs.insert(id) } else if f.type == .person { personIDs.insert(id) }
            }
        }
        var names = ReferenceNames()
        names.units = known.merging(try await Self.names(in: OrgUnit.schema, ids: unitIDs.subtracting(known.keys), on: db)) { a, _ in a }
        names.people = try await Self.names(in: Person.schema, ids: personIDs, on: db)
        return names
    }

    /// `id → name` for the given ids of a table, read as plain rows (a page shows a few dozen).
    private static func names(in table: String, ids: Set<Int>, on db: any Database) async throws -> [Int: String] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int: String] = [:]
        let rows = try await db.sql.select().column("id").column("name").from(table)
            .where(SQLColumn("id"), .in, SQLBind.group(Array(ids))).all()
        for row in rows { out[try row.decode(column: "id", as: Int.self)] = try row.decode(column: "name", as: String.self) }
        return out
    }

    func unit(_ id: Int) -> String { units[id] ?? "#\(id)" }

    func display(_ value: FieldValue?, field: FieldSpec?) -> String {
        guard let value else { return "" }
        if case .reference(let id) = value {
            return field?.type == .person ? (people[id] ?? "#\(id)") : unit(id)
        }
        if case .decimal(let d) = value, let field, field.type == .money {
            return NSDecimalNumber(decimal: d.rounded(field.decimals)).stringValue
        }
        return value.display
    }
}
