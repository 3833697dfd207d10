import Fluent
import FluentSQLiteDriver
import Foundation
import LvzeCore
import NIOConcurrencyHelpers
import SQLKit

/// A sheet sent again: its rows matched to the records already in the scope by the kind's
/// natural key (`LedgerKind.naturalKey`), so a re-import adds only new rows, says which
/// records changed and which fields, and — asked to update — changes them through the
/// import's transaction with history. Rows with the same key match records with that key in
/// the order both were written (two identical rows of one sheet are two records, and stay two).
/// Nothing is deleted because a row is missing.
///
/// The index keeps little per record (a hash of its key, its id and whether it is closed), so a
/// kind of a million records fits in memory; the records a row matches are read again, a batch
/// at a time, by whoever consumes the reading (`ImportPass.settle`).
struct ImportMatch: Sendable {
    /// What the reading needs of a record: which it is, and whether a sheet may still change its state.
    struct Entry: Sendable {
        var id: Int
        /// Closed on this day (the sheet cannot reopen it); nil when open.
        var closedOn: String?
        var closed: Bool
    }

    /// A record as it stands: what a row is compared with and what an update checks.
    struct Existing: Sendable {
        var id: Int
        var unitID: Int
        var version: Int
        var data: String
        var status: String
        var closedOn: String?
        var progress: Int?
        var dueDate: String?
        var openedOn: String
        var workflow: String
    }

    let kind: LedgerKind
    private let byKey: [Int: [Entry]]
    var isEmpty: Bool { byKey.isEmpty }

    init(kind: LedgerKind, byKey: [Int: [Entry]] = [:]) {
        self.kind = kind
        self.byKey = byKey
    }

    /// A key's hash, as the index keeps it (the record read again confirms the key itself).
    /// Over the UTF-8 bytes: `String`'s own hashing normalises Unicode first, which for a
    /// Chinese key cost more than the rest of the row's matching.
    static func hash(_ key: String) -> Int {
        var h = Hasher()
        var text = key
        text.withUTF8 { h.combine(bytes: UnsafeRawBufferPointer($0)) }
        return h.finalize()
    }

    static let columns = "r.id, r.unit_id, r.version, r.data, r.status, r.closed_on, r.progress, r.due_date, r.opened_on, r.workflow"

    /// The kind's records in `scope`, keyed; only the key's fields are decoded. On SQLite the
    /// rows are read by the driver's own accessors as they come (a sheet sent again meets
    /// 100,000 records; SQLKit's `Decodable` path cost more than the query).
    static func load(kind: LedgerKind, scope: UnitPath, on db: any Database) async throws -> ImportMatch {
        let reader = FieldJSON.Reader(fields: kind.naturalKey.compactMap(kind.field))
        let query: SQLQueryString = """
            SELECT r.id, r.unit_id, r.data, r.status, r.closed_on
            FROM records r JOIN units u ON u.id = r.unit_id
            WHERE r.kind = \(bind: kind.id) AND u.path >= \(bind: scope.value) AND u.path < \(bind: scope.subtreeUpperBound)
            ORDER BY r.id
            """
        let found = NIOLockedValueBox<[Int: [Entry]]>([:])
        @Sendable func add(id: Int, unitID: Int, data: String, status: String, closedOn: String?) {
            let key = hash(kind.naturalKeyText(unitID: unitID, values: reader.decode(data)))
            let closed = status == RectificationState.closed.rawValue
            found.withLockedValue { $0[key, default: []].append(Entry(id: id, closedOn: closedOn, closed: closed)) }
        }
        if let sqlite = db as? any SQLiteDatabase {
            let (sql, binds) = db.sql.serialize(query)
            let encoder = SQLiteDataEncoder()
            try await sqlite.query(sql, try binds.map { try encoder.encode($0) }) { r in
                guard let id = r.column("id")?.integer, let unitID = r.column("unit_id")?.integer else { return }
                add(id: id, unitID: unitID, data: r.column("data")?.string ?? "{}", status: r.column("status")?.string ?? "",
                    closedOn: r.column("closed_on")?.string)
            }
        } else {
            for row in try await db.sql.raw(query).all() {
                add(id: try row.decode(column: "id", as: Int.self), unitID: try row.decode(column: "unit_id", as: Int.self),
                    data: try row.decode(column: "data", as: String.self), status: try row.decode(column: "status", as: String.self),
                    closedOn: try row.decode(column: "closed_on", as: String?.self))
            }
        }
        return ImportMatch(kind: kind, byKey: found.withLockedValue { $0 })
    }

    /// The records with this key's hash, in the order they were written; nil for none.
    func entries(hash: Int) -> [Entry]? { byKey[hash] }

    /// The records of `ids` as they stand now (in a writer's transaction: as it will change them).
    static func fetch(_ ids: [Int], on db: any Database) async throws -> [Int: Existing] {
        guard !ids.isEmpty else { return [:] }
        let list = ids.map(String.init).joined(separator: ",")
        let sql = "SELECT \(columns) FROM records r WHERE r.id IN (\(list))"
        var out: [Int: Existing] = [:]
        if let sqlite = db as? any SQLiteDatabase {
            for r in try await sqlite.query(sql, []) {
                func text(_ name: String) -> String? { r.column(name)?.string }
                func int(_ name: String) -> Int? { r.column(name)?.integer }
                guard let id = int("id"), let unitID = int("unit_id") else { continue }
                out[id] = Existing(id: id, unitID: unitID, version: int("version") ?? 0, data: text("data") ?? "{}",
                                   status: text("status") ?? "", closedOn: text("closed_on"), progress: int("progress"),
                                   dueDate: text("due_date"), openedOn: text("opened_on") ?? "", workflow: text("workflow") ?? "{}")
            }
            return out
        }
        for row in try await db.sql.raw(SQLQueryString(sql)).all() {
            let e = Existing(
                id: try row.decode(column: "id", as: Int.self), unitID: try row.decode(column: "unit_id", as: Int.self),
                version: try row.decode(column: "version", as: Int.self), data: try row.decode(column: "data", as: String.self),
                status: try row.decode(column: "status", as: String.self), closedOn: try row.decode(column: "closed_on", as: String?.self),
                progress: try row.decode(column: "progress", as: Int?.self), dueDate: try row.decode(column: "due_date", as: String?.self),
                openedOn: try row.decode(column: "opened_on", as: String.self), workflow: try row.decode(column: "workflow", as: String.self))
            out[e.id] = e
        }
        return out
    }
}

/// A row that matched a record: settled against the record read again (`ImportPass.settle`).
struct ImportCandidate: Sendable {
    var recordID: Int
    var key: String
    var row: RowChecker.Accepted
}

/// What settling a batch of candidates found.
struct ImportSettled: Sendable {
    var updates: [ImportUpdate] = []
    var changed = 0
    var unchanged = 0
    /// The first changed rows, as 第N行：字段 前→后.
    var changes: [String] = []

    mutating func add(_ other: ImportSettled) {
        changed += other.changed
        unchanged += other.unchanged
        changes += other.changes.prefix(max(0, 200 - changes.count))
    }
}

/// What a matched row does to its record.
enum ImportOutcome {
    case unchanged
    case changed(ImportUpdate)
    /// The sheet asks for what only a reviewer may do in Lvze (reopen a closed item).
    case refused(column: ImportedState.Column, message: String)
}

/// One record's change from a sheet sent again, applied in the import's transaction.
package struct ImportUpdate: Sendable {
    var id: Int
    var version: Int
    var columns: RecordColumns
    var status: String
    var closedOn: String?
    var workflow: String
    var watch: RecordWatch
    var resetReminders: Bool
    /// Field id (or `status`, 延期次数) → [before, after], as the history keeps changes.
    var changes: [String: [String]]
    var note: String
    /// The sheet's row, for the dry run's list.
    var row: Int
}

extension RowChecker {
    /// Why a sheet may not reopen a closed item.
    static func reopenRefusal(closedOn: String?, said: ImportedState) -> String {
        "系统中该事项已于\(closedOn ?? "")销号，表中为\(said.state.label)；重新打开须由审核人在系统中办理，请改正表格或在系统中处理"
    }

    /// Compares a checked row with the record it matched. Only the sheet's own columns count:
    /// a field the sheet does not have keeps what was entered in Lvze. A state moves only as
    /// the workflow allows: a closed item stays closed (reopening is for a reviewer, so the row
    /// is refused); an open item the sheet says is closed becomes a close-out request for a
    /// reviewer here; a request waiting stays waiting.
    func compare(_ row: Accepted, with old: ImportMatch.Existing, sheetFields: Set<String>, fileName: String) throws -> ImportOutcome {
        // The state first, from the stored status alone: most rows of a sheet sent again are as
        // they were, and they are decided without decoding or encoding any workflow JSON.
        var status = old.status
        var closure: ImportedState?
        let oldState = RectificationState(rawValue: old.status)
        if kind.workflow, let said = row.state, let oldState {
            switch (oldState, said.state) {
            case (.closed, .closed), (.closureRequested, _): break
            case (.closed, _):
                return .refused(column: .closedFlag, message: Self.reopenRefusal(closedOn: old.closedOn, said: said))
            case (_, .closed), (_, .closureRequested):
                // Closing is a reviewer's decision in Lvze: the sheet's word becomes a request.
                status = RectificationState.closureRequested.rawValue
                closure = said
            case (.pending, .inProgress): status = RectificationState.inProgress.rawValue
            default: break
            }
        }
        var values = row.values
        var columns = try RecordColumns(kind: kind, values: values, existingDate: nil, today: today, slotFields: slotFields,
                                        sortedFields: sortedFields)
        var before: [String: FieldValue]?
        if columns.data != old.data {
            // Only the sheet's columns count: a field it has no column for keeps what was entered in Lvze.
            let stored = FieldJSON.decode(old.data, kind: kind)
            var merged = stored
            for f in kind.fields where sheetFields.contains(f.id) { merged[f.id] = values[f.id] }
            values = merged
            before = stored
            columns = try RecordColumns(kind: kind, values: values, existingDate: nil, today: today, slotFields: slotFields,
                                        sortedFields: sortedFields)
        }
        if kind.workflow, status == RectificationState.pending.rawValue, (columns.progress ?? 0) > 0 { status = RectificationState.inProgress.rawValue }
        let moreExtensions = kind.workflow && row.extensions > 0 && row.extensions > WorkflowData.decode(old.workflow).extensions
        guard columns.data != old.data || status != old.status || moreExtensions else { return .unchanged }

        var workflow = WorkflowData.decode(old.workflow)
        var stateNote = ""
        if let said = closure {
            workflow.closure = WorkflowData.Closure(requester: createdBy, at: now, description: "表格更新：表中为\(said.description)", evidence: 0)
            stateNote = "表中为\(said.description)，已作为销号申请提交审核"
        }
        var changes: [String: [String]] = [:]
        if let before { changes = fieldChanges(kind: kind, before: before, after: values) }
        if status != old.status {
            changes["status"] = [RectificationState(rawValue: old.status)?.label ?? old.status, RectificationState(rawValue: status)?.label ?? status]
        }
        if moreExtensions {
            changes["延期次数"] = [String(workflow.extensions), String(row.extensions)]
            workflow.extensions = row.extensions
        }
        let workflowText = workflow.encoded()
        let watch = RecordWatch(status: status, openedOn: old.openedOn, dueDate: columns.dueDate ?? old.dueDate,
                                progress: columns.progress ?? old.progress, workflow: workflowText, source: columns.source,
                                system: columns.system)
        var note = "按「\(fileName)」第\(row.row)行更新"
        if !stateNote.isEmpty { note += "；" + stateNote }
        return .changed(ImportUpdate(id: old.id, version: old.version, columns: columns, status: status, closedOn: old.closedOn,
                                     workflow: workflowText, watch: watch, resetReminders: columns.dueDate != nil && columns.dueDate != old.dueDate,
                                     changes: changes, note: note, row: row.row))
    }
}
