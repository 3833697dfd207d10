import Fluent
import Foundation
import SQLKit

/// Multi-row INSERTs of records and their history lines, shared by the Excel import and the
/// demo data: hundreds of thousands of rows go in batches of `batchSize`, never one by one.
enum RecordBulkInsert {
    /// 20 binds a record row: 1,000 rows stay under SQLite's and PostgreSQL's bind limits.
    static let batchSize = 1000

    /// One record, its common columns already derived (`RecordColumns`).
    struct Row {
        var kind: String
        var unitID: Int
        var columns: RecordColumns
        var status: String
        var openedOn: String
        var closedOn: String?
        var workflow: String
        var createdBy: Int
        var createdAt: Date
    }

    /// One history line (`record_events`).
    struct Event {
        var recordID: Int
        var at: Date
        var userID: Int?
        var username: String
        var action: String
        var changes: String
        var note: String
    }

    /// Inserts at most `batchSize` rows in one statement.
    static func insert<C: Collection>(_ rows: C, on db: any SQLDatabase) async throws where C.Element == Row {
        guard !rows.isEmpty else { return }
        precondition(rows.count <= batchSize, "at most \(batchSize) records a statement")
        var insert = db.insert(into: "records").columns(
            "kind", "unit_id", "title", "record_date", "year", "status", "opened_on", "due_date", "closed_on", "progress",
            "amount", "data", "workflow", "created_by", "created_at", "updated_at", "version", "f1", "f2", "f3")
        for row in rows {
            let c = row.columns
            insert = insert.values([
                SQLBind(row.kind), SQLBind(row.unitID), SQLBind(c.title), SQLBind(c.recordDate), SQLBind(c.year), SQLBind(row.status),
                SQLBind(row.openedOn), SQLBind(c.dueDate), SQLBind(row.closedOn), SQLBind(c.progress), SQLBind(c.amount), SQLBind(c.data),
                SQLBind(row.workflow), SQLBind(row.createdBy), SQLBind(row.createdAt), SQLBind(row.createdAt), SQLBind(1),
                SQLBind(c.slots[0]), SQLBind(c.slots[1]), SQLBind(c.slots[2]),
            ] as [any SQLExpression])
        }
        try await insert.run()
    }

    /// Inserts history lines, 1,000 a statement.
    static func insertEvents<C: Collection>(_ events: C, on db: any SQLDatabase) async throws where C.Element == Event {
        let all = Array(events)
        for start in stride(from: 0, to: all.count, by: batchSize) {
            var insert = db.insert(into: "record_events").columns("record_id", "at", "user_id", "username", "action", "changes", "note")
            for e in all[start..<min(start + batchSize, all.count)] {
                insert = insert.values([
                    SQLBind(e.recordID), SQLBind(e.at), SQLBind(e.userID), SQLBind(e.username), SQLBind(e.action),
                    SQLBind(e.changes), SQLBind(e.note),
                ] as [any SQLExpression])
            }
            try await insert.run()
        }
    }

    /// The highest record id so far (0 for none).
    static func maxID(on db: any SQLDatabase) async throws -> Int {
        let row = try await db.raw("SELECT COALESCE(MAX(id), 0) AS m FROM records").first()
        return try row?.decode(column: "m", as: Int.self) ?? 0
    }
}
