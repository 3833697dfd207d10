import Fluent
import LvzeCore
import SQLKit

/// Keeps the records' filter columns `f1`…`f3` in step with each kind's `filterSlots`.
/// Writers fill them from the values (`RecordColumns`); this refills a kind's records when its
/// slots change — a new or dropped field of a custom ledger, a catalogue edit — and records
/// which fields the columns hold, so a filter never reads a column filled for another field.
enum RecordSlots {
    /// At start: every kind whose stored slots differ from the catalogue's is refilled.
    static func sync(_ kinds: [LedgerKind], on db: any Database) async throws {
        let rows = try await db.sql.raw("SELECT kind, fields FROM record_slots").all()
        var stored: [String: String] = [:]
        for row in rows { stored[try row.decode(column: "kind", as: String.self)] = try row.decode(column: "fields", as: String.self) }
        for kind in kinds where stored[kind.id] != kind.filterSlots.joined(separator: ",") {
            try await db.transaction { tx in try await refill(kind, on: tx) }
        }
    }

    /// After a kind's definition changed, inside the transaction that saves it.
    static func sync(_ kind: LedgerKind, on db: any Database) async throws {
        let row = try await db.sql.raw("SELECT fields FROM record_slots WHERE kind = \(bind: kind.id)").first()
        let stored = try row?.decode(column: "fields", as: String.self)
        if stored != kind.filterSlots.joined(separator: ",") { try await refill(kind, on: db) }
    }

    /// Rewrites the kind's filter columns from the records' JSON and stores the slots.
    private static func refill(_ kind: LedgerKind, on db: any Database) async throws {
        let slots = kind.filterSlots
        let sets = (0..<LedgerKind.filterSlotCount).map { i in
            "f\(i + 1) = " + (i < slots.count ? jsonText(slots[i], db.dialect) : "NULL")
        }.joined(separator: ", ")
        try await db.sql.raw("UPDATE records SET \(unsafeRaw: sets) WHERE kind = \(bind: kind.id)").run()
        try await db.sql.raw("DELETE FROM record_slots WHERE kind = \(bind: kind.id)").run()
        try await db.sql.raw("INSERT INTO record_slots (kind, fields) VALUES (\(bind: kind.id), \(bind: slots.joined(separator: ",")))").run()
    }
}
