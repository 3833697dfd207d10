import Fluent
import Foundation
import FluentSQLiteDriver
import SQLKit

/// Multi-row INSERTs of records and their history lines, shared by the Excel import and the
/// demo data: hundreds of thousands of rows go in batches of `batchSize`, never one by one.
package enum RecordBulkInsert {
    /// 24 binds a record row: 1,000 rows stay under SQLite's and PostgreSQL's bind limits.
    package static let batchSize = 1000

    /// One record, its common columns already derived (`RecordColumns`).
    package struct Row: Sendable {
        package init(kind: String, unitID: Int, columns: RecordColumns, status: String, openedOn: String, closedOn: String? = nil, workflow: String, createdBy: Int, createdAt: Date,
                     returned: Bool = false) {
            self.kind = kind
            self.unitID = unitID
            self.columns = columns
            self.status = status
            self.openedOn = openedOn
            self.closedOn = closedOn
            self.workflow = workflow
            self.createdBy = createdBy
            self.createdAt = createdAt
            watch = RecordWatch(status: status, openedOn: openedOn, dueDate: columns.dueDate, progress: columns.progress,
                                workflow: workflow, source: columns.source, system: columns.system, returned: returned)
        }

        package var kind: String
        package var unitID: Int
        package var columns: RecordColumns
        package var status: String
        package var openedOn: String
        package var closedOn: String?
        package var workflow: String
        package var createdBy: Int
        package var createdAt: Date
        package var watch: RecordWatch
    }

    /// One history line (`record_events`).
    package struct Event {
        package init(recordID: Int, at: Date, userID: Int? = nil, username: String, action: String, changes: String, note: String) {
            self.recordID = recordID
            self.at = at
            self.userID = userID
            self.username = username
            self.action = action
            self.changes = changes
            self.note = note
        }

        package var recordID: Int
        package var at: Date
        package var userID: Int?
        package var username: String
        package var action: String
        package var changes: String
        package var note: String
    }

    package static let columns = ["kind", "unit_id", "title", "record_date", "year", "status", "opened_on", "due_date", "closed_on", "progress",
                          "amount", "data", "workflow", "created_by", "created_at", "updated_at", "version", "f1", "f2", "f3",
                                  "behind_on", "awaiting", "source", "system"]

    /// Rows ready for one statement: on SQLite their values already converted, which an
    /// import does on its reading thread.
    package struct Batch: Sendable {
        package var rows: [Row]
        package var sqlite: [SQLiteData]?
        /// An import's history note for each row (where it came from, the state the sheet gave).
        package var notes: [String]

        package init(_ rows: [Row], dialect: Dialect, notes: [String] = []) {
            self.rows = rows
            self.notes = notes
            sqlite = dialect == .sqlite ? RecordBulkInsert.binds(rows) : nil
        }
    }

    /// Inserts at most `batchSize` rows in one statement.
    package static func insert<C: Collection>(_ rows: C, on db: any Database) async throws where C.Element == Row {
        try await insert(Batch(Array(rows), dialect: db.dialect), on: db)
    }

    package static func insert(_ batch: Batch, on db: any Database) async throws {
        let rows = batch.rows
        guard !rows.isEmpty else { return }
        precondition(rows.count <= batchSize, "at most \(batchSize) records a statement")
        // On SQLite the values go to the driver as its own values: the same statement as
        // below, without encoding 20,000 parameters through `Encodable` a batch.
        if let binds = batch.sqlite, let sqlite = db as? any SQLiteDatabase {
            try await sqlite.query(statement(rows: rows.count), binds, { _ in })
            return
        }
        var insert = db.sql.insert(into: "records").columns(columns)
        for row in rows {
            let c = row.columns
            insert = insert.values([
                SQLBind(row.kind), SQLBind(row.unitID), SQLBind(c.title), SQLBind(c.recordDate), SQLBind(c.year), SQLBind(row.status),
                SQLBind(row.openedOn), SQLBind(c.dueDate), SQLBind(row.closedOn), SQLBind(c.progress), SQLBind(c.amount), SQLBind(c.data),
                SQLBind(row.workflow), SQLBind(row.createdBy), SQLBind(row.createdAt), SQLBind(row.createdAt), SQLBind(1),
                SQLBind(c.slots[0]), SQLBind(c.slots[1]), SQLBind(c.slots[2]),
                SQLBind(row.watch.behindOn), SQLBind(row.watch.awaiting.rawValue), SQLBind(row.watch.source), SQLBind(row.watch.system),
            ] as [any SQLExpression])
        }
        try await insert.run()
    }

    /// `INSERT OR FAIL INTO records (…) VALUES (?, …), …` for `rows` rows (a full batch's is kept).
    /// OR FAIL: a failing row stops the statement without undoing the rows before it, which
    /// spares SQLite a statement journal of every page the batch touches; the caller's
    /// transaction is rolled back on any error, so nothing of a failed batch is kept either way.
    package static func statement(rows: Int) -> String {
        rows == batchSize ? fullStatement : makeStatement(rows: rows)
    }

    private static let fullStatement = makeStatement(rows: batchSize)

    private static func makeStatement(rows: Int) -> String {
        let tuple = "(" + Array(repeating: "?", count: columns.count).joined(separator: ",") + ")"
        var sql = "INSERT OR FAIL INTO records (" + columns.joined(separator: ", ") + ") VALUES "
        sql.reserveCapacity(sql.utf8.count + rows * (tuple.utf8.count + 1))
        for i in 0..<rows {
            if i > 0 { sql += "," }
            sql += tuple
        }
        return sql
    }

    /// The rows' values in column order, as SQLite values (dates as seconds since 1970, as
    /// SQLiteKit writes them).
    package static func binds<C: Collection>(_ rows: C) -> [SQLiteData] where C.Element == Row {
        func text(_ s: String?) -> SQLiteData { s.map(SQLiteData.text) ?? .null }
        var out: [SQLiteData] = []
        out.reserveCapacity(rows.count * columns.count)
        for row in rows {
            let c = row.columns
            let created = SQLiteData.float(row.createdAt.timeIntervalSince1970)
            out += [
                .text(row.kind), .integer(row.unitID), .text(c.title), .text(c.recordDate), .integer(c.year), .text(row.status),
                .text(row.openedOn), text(c.dueDate), text(row.closedOn), c.progress.map(SQLiteData.integer) ?? .null,
                c.amount.map(SQLiteData.float) ?? .null, .text(c.data), .text(row.workflow), .integer(row.createdBy), created, created,
                .integer(1), text(c.slots[0]), text(c.slots[1]), text(c.slots[2]),
                text(row.watch.behindOn), .text(row.watch.awaiting.rawValue), text(row.watch.source), text(row.watch.system),
            ]
        }
        return out
    }

    /// Inserts history lines, 1,000 a statement.
    package static func insertEvents<C: Collection>(_ events: C, on db: any SQLDatabase) async throws where C.Element == Event {
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

    /// Inserts one history line per record, all with the same time, user and action; on SQLite
    /// with the driver's own values (an import writes one for each of 100,000 rows).
    package static func insertEvents(recordIDs: [Int], notes: [String], changes: [String]? = nil, at: Date, userID: Int?,
                                     username: String, action: String, on db: any Database) async throws {
        precondition(recordIDs.count == notes.count)
        for start in stride(from: 0, to: recordIDs.count, by: batchSize) {
            let end = min(start + batchSize, recordIDs.count)
            if let sqlite = db as? any SQLiteDatabase {
                let tuple = "(?,?,?,?,?,?,?)"
                let sql = "INSERT OR FAIL INTO record_events (record_id, at, user_id, username, action, changes, note) VALUES "
                    + Array(repeating: tuple, count: end - start).joined(separator: ",")
                var binds: [SQLiteData] = []
                binds.reserveCapacity((end - start) * 7)
                let when = SQLiteData.float(at.timeIntervalSince1970)
                let user = userID.map(SQLiteData.integer) ?? .null
                for i in start..<end {
                    binds += [.integer(recordIDs[i]), when, user, .text(username), .text(action), .text(changes?[i] ?? "{}"), .text(notes[i])]
                }
                try await sqlite.query(sql, binds, { _ in })
            } else {
                try await insertEvents((start..<end).map {
                    Event(recordID: recordIDs[$0], at: at, userID: userID, username: username, action: action,
                          changes: changes?[$0] ?? "{}", note: notes[$0])
                }, on: db.sql)
            }
        }
    }

    /// The highest record id so far (0 for none).
    package static func maxID(on db: any SQLDatabase) async throws -> Int {
        let row = try await db.raw("SELECT COALESCE(MAX(id), 0) AS m FROM records").first()
        return try row?.decode(column: "m", as: Int.self) ?? 0
    }
}
