import Fluent
import Foundation
import LvzeCore
import LvzeOffice
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// One reading of a file: run on a pool thread, it checks rows and sends records in batches
/// to whoever writes them; what it found is its result. What the writing task reads while
/// it runs (the count read, the outcome) is behind locks; everything else is its own.
final class ImportPass: Sendable {
    struct Result: Sendable {
        var errors: [String]
        var rows: Int
        var skipped: Int
        var preview: [[String]]
        /// Rows by the state they are imported in (workflow kinds whose sheet states one).
        var stateCounts: [RectificationState: Int] = [:]
        /// Of those, close-out requests the sheet says were sent back (退回).
        var returned = 0
        /// Rows matched to no record (new), and to a record (settled as changed or unchanged
        /// by whoever consumes the reading: `ImportSettled`).
        var new = 0
        var matched = 0

        var states: [LedgerImporter.StateCount] {
            RectificationState.allCases.compactMap { s in stateCounts[s].map { .init(state: s.label, count: $0) } }
                + (returned > 0 ? [.init(state: "其中销号申请被退回", count: returned)] : [])
        }

        func report(fileName: String, mapping: LedgerImporter.Mapping, committed: Int, options: LedgerImporter.Options,
                    settled: ImportSettled) -> LedgerImporter.Report {
            let keepExtra = options.keepExtra
            let columns = mapping.columns.sorted { $0.key < $1.key }
            let targets = mapping.targets(keepExtra: keepExtra)
            let sheet = mapping.order.map { LedgerImporter.SheetColumn(letter: SpreadsheetCell.columnName($0), header: mapping.headers[$0] ?? "", target: targets[$0]) }
            return LedgerImporter.Report(
                fileName: fileName, headerRow: mapping.headerRow,
                columns: columns.map { .init(header: mapping.headers[$0.key] ?? "", field: $0.value.label) }
                    + (mapping.unitColumn.map { [.init(header: mapping.headers[$0] ?? "", field: "责任单位")] } ?? []),
                ignoredColumns: mapping.ignored,
                sheetColumns: sheet, unimported: sheet.filter { !$0.imported }.count,
                extraColumns: mapping.extra.count,
                keepExtra: keepExtra, states: states, new: new, changed: settled.changed, unchanged: settled.unchanged,
                matched: settled.changed + settled.unchanged, changes: settled.changes,
                update: options.update, rows: rows, skipped: skipped, errors: errors,
                preview: preview, previewHeaders: columns.map { $0.value.label }, committed: committed)
        }
    }

    let checker: RowChecker
    let match: ImportMatch
    /// The fields a sheet's row sets on a record it matches: its columns (and 备注 when kept).
    let sheetFields: Set<String>
    let write: Bool
    let dialect: Dialect
    let batches = BatchChannel<ImportBatch>(capacity: 2)
    /// Decodes the natural key's fields of a record read again.
    private let keyReader: FieldJSON.Reader
    private let errors: [String]
    let fileName: String
    private let readCount = NIOLockedValueBox(0)
    private let outcome = NIOLockedValueBox<Swift.Result<Result, any Error>?>(nil)

    /// What the reading found, once the batch stream has ended (the writer reads it there,
    /// inside its transaction, to decide whether to keep what it wrote).
    func finished() throws -> Result {
        guard let outcome = outcome.withLockedValue({ $0 }) else { throw CancellationError() }
        return try outcome.get()
    }
    var read: Int { readCount.withLockedValue { $0 } }

    init(checker: RowChecker, match: ImportMatch, write: Bool, dialect: Dialect, errors: [String], fileName: String) {
        self.fileName = fileName
        self.match = match
        var fields = Set(checker.mapping.columns.values.map(\.id))
        // Any state column sets the progress (a closed item is 100%).
        if !checker.mapping.state.isEmpty { fields.insert(LedgerKind.WorkflowField.progress) }
        if checker.options.keepExtra, !checker.mapping.extra.isEmpty, let f = checker.kind.remarksField { fields.insert(f) }
        sheetFields = fields
        keyReader = FieldJSON.Reader(fields: checker.kind.naturalKey.compactMap(checker.kind.field))
        self.checker = checker
        self.write = write
        self.dialect = dialect
        self.errors = errors
    }

    /// Reads every row; called once, on the reading thread.
    /// Reads the file on a thread of `pool`. If the pool cannot run it (the server is
    /// stopping), the stream ends all the same, so the writer never waits for batches that
    /// will not come.
    func read(_ source: LedgerImporter.Source, on pool: NIOThreadPool, progress: @escaping @Sendable (Int) -> Void) async throws -> Result {
        do {
            return try await pool.runIfActive { try self.read(source, progress: progress) }
        } catch {
            let unset = outcome.withLockedValue { o -> Bool in
                guard o == nil else { return false }
                o = .failure(error)
                return true
            }
            if unset { batches.finish() }
            throw error
        }
    }

    func read(_ source: LedgerImporter.Source, progress: (Int) -> Void) throws -> Result {
        let result = Swift.Result { try readRows(source, progress: progress) }
        outcome.withLockedValue { $0 = result }
        batches.finish()
        return try result.get()
    }

    private func readRows(_ source: LedgerImporter.Source, progress: (Int) -> Void) throws -> Result {
        var result = Result(errors: errors, rows: 0, skipped: 0, preview: [])
        var batch: [RecordBulkInsert.Row] = []
        var notes: [String] = []
        var candidates: [ImportCandidate] = []
        // Rows seen so far of each key the index holds, by the key's hash.
        var occurrences: [Int: Int] = [:]
        batch.reserveCapacity(RecordBulkInsert.batchSize)
        notes.reserveCapacity(RecordBulkInsert.batchSize)
        let counting = checker.kind.workflow && checker.hasStateColumns
        let sending = write
        var read = 0
        let headerRow = checker.mapping.headerRow
        func flush(_ force: Bool) throws {
            guard force || batch.count + candidates.count >= RecordBulkInsert.batchSize else { return }
            guard !batch.isEmpty || !candidates.isEmpty else { return }
            // The consumer has stopped (the database failed): so does the reading.
            guard batches.send(ImportBatch(records: RecordBulkInsert.Batch(batch, dialect: dialect, notes: notes), candidates: candidates))
            else { throw CancellationError() }
            batch.removeAll(keepingCapacity: true)
            notes.removeAll(keepingCapacity: true)
            candidates.removeAll(keepingCapacity: true)
        }
        try source.forEachRow { row in
            guard row.number > headerRow else { return }
            read += 1
            if read % 5000 == 0 { readCount.withLockedValue { $0 = read }; progress(read) }
            if row.isBlank || LedgerImporter.isTotalRow(row) { result.skipped += 1; return }
            switch checker.check(row) {
            case .record(let accepted):
                result.rows += 1
                var entry: ImportMatch.Entry?
                if !match.isEmpty {
                    let key = checker.kind.naturalKeyText(unitID: accepted.unitID, values: accepted.values)
                    let hash = ImportMatch.hash(key)
                    if let all = match.entries(hash: hash) {
                        let n = occurrences[hash, default: 0]
                        occurrences[hash] = n + 1
                        entry = n < all.count ? all[n] : nil
                    } else {
                        entry = nil
                    }
                    if let entry {
                        if checker.kind.workflow, entry.closed, let said = accepted.state, said.state != .closed {
                            let column = checker.mapping.state[.closedFlag] != nil ? ImportedState.Column.closedFlag
                                : checker.mapping.state.keys.sorted { $0.rawValue < $1.rawValue }.first ?? .closedFlag
                            let header = checker.mapping.state[column].flatMap { checker.mapping.headers[$0] } ?? column.label
                            let message = RowChecker.reopenRefusal(closedOn: entry.closedOn, said: said)
                            if result.errors.count < 10_000 { result.errors.append("第\(row.number)行 «\(header)»：\(message)") }
                            batch.removeAll()
                            notes.removeAll()
                            candidates.removeAll()
                            return
                        }
                        result.matched += 1
                        guard result.errors.isEmpty else { return }
                        candidates.append(ImportCandidate(recordID: entry.id, key: key, row: accepted))
                        try flush(false)
                        return
                    }
                }
                result.new += 1
                if counting {
                    let state = accepted.state?.state ?? ((accepted.values[LedgerKind.WorkflowField.progress]?.decimalValue ?? 0) > 0 ? .inProgress : .pending)
                    result.stateCounts[state, default: 0] += 1
                    if accepted.state?.returned == true { result.returned += 1 }
                }
                if result.preview.count < 10 {
                    result.preview.append(checker.columns.map { accepted.values[$0.1.id]?.display ?? "" })
                }
                guard sending, result.errors.isEmpty else { return }
                batch.append(try checker.record(accepted))
                notes.append(checker.provenance(accepted, fileName: fileName))
                try flush(false)
            case .problems(let rowErrors):
                if result.errors.count < 10_000 { result.errors.append(contentsOf: rowErrors) }
                batch.removeAll()
                notes.removeAll()
                candidates.removeAll()
            }
        }
        readCount.withLockedValue { $0 = read }
        progress(read)
        if result.errors.isEmpty { try? flush(true) }
        return result
    }

    /// Settles the rows that matched records against those records read again (in a writer's
    /// transaction, as it will change them): unchanged, or the update to make. A record changed
    /// or deleted since the reading began refuses the import whole, to be run again.
    func settle(_ candidates: [ImportCandidate], on db: any Database) async throws -> ImportSettled {
        var settled = ImportSettled()
        guard !candidates.isEmpty else { return settled }
        let olds = try await ImportMatch.fetch(candidates.map(\.recordID), on: db)
        for c in candidates {
            guard let old = olds[c.recordID],
                  checker.kind.naturalKeyText(unitID: old.unitID, values: keyReader.decode(old.data)) == c.key else {
                throw ValidationFailure([.init("file", "文件", "导入期间，与第\(c.row.row)行对应的记录已被他人修改或删除；本次没有导入任何记录，请重新导入")])
            }
            switch try checker.compare(c.row, with: old, sheetFields: sheetFields, fileName: fileName) {
            case .unchanged:
                settled.unchanged += 1
            case .changed(let update):
                settled.changed += 1
                if settled.changes.count < 200 { settled.changes.append(describe(update)) }
                settled.updates.append(update)
            case .refused(_, let message):
                throw ValidationFailure([.init("file", "文件", "第\(c.row.row)行：\(message)")])
            }
        }
        return settled
    }

    /// 第12行：整改进展（%） 60→80；状态 整改中→申请销号.
    private func describe(_ u: ImportUpdate) -> String {
        let kind = checker.kind
        let parts = u.changes.sorted { $0.key < $1.key }.map { id, pair in
            let label = kind.field(id)?.label ?? (id == "status" ? "状态" : id)
            func short(_ s: String) -> String { s.isEmpty ? "（空）" : s.count > 30 ? String(s.prefix(30)) + "…" : s }
            return "\(label) \(short(pair.first ?? ""))→\(short(pair.last ?? ""))"
        }
        return "第\(u.row)行：" + parts.joined(separator: "；")
    }
}

/// What the reading hands over: new records, and rows that matched records (`ImportMatch`).
struct ImportBatch: Sendable {
    var records: RecordBulkInsert.Batch
    var candidates: [ImportCandidate]
}

/// Batches from the reading thread to the writing task, at most `capacity` waiting: the reader
/// blocks (on its pool thread, which is for blocking work) while the database catches up, so
/// memory stays flat however large the file. The readers push rows from inside the zip
/// inflater's callback, which cannot suspend, so the hand-over waits there; the writer side
/// is an ordinary async sequence.
final class BatchChannel<Element: Sendable>: Sendable {
    let stream: AsyncStream<Element>
    private let continuation: AsyncStream<Element>.Continuation
    private let space: DispatchSemaphore
    private let cancelled = NIOLockedValueBox(false)

    init(capacity: Int) {
        (stream, continuation) = AsyncStream.makeStream(of: Element.self)
        space = DispatchSemaphore(value: capacity)
    }

    /// Reader: hands a batch over; false when the consumer has stopped (send no more).
    func send(_ element: Element) -> Bool {
        space.wait()
        if cancelled.withLockedValue({ $0 }) { return false }
        continuation.yield(element)
        return true
    }

    /// Consumer: a batch is done with; the reader may send another.
    func taken() { space.signal() }

    func finish() { continuation.finish() }

    /// Consumer: stops taking batches; a reader waiting to send is released.
    func cancel() {
        cancelled.withLockedValue { $0 = true }
        space.signal()
    }
}
