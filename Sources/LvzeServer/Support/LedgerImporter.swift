#if canImport(Glibc)
import Glibc
#endif
import Fluent
import Foundation
import LvzeCore
import LvzeOffice
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Imports an Excel (XLSX) or CSV ledger into a kind, all or nothing.
///
/// Finds the header row below merged title rows, matches columns by the catalogue's
/// aliases, reads dates in every form users write (and Excel serial numbers), turns
/// full-width digits into ASCII, skips blank and 合计/小计 rows, and reports every
/// problem as 第N行 «列名»：why. Checks are the catalogue's own (`FieldSpec.parse`).
///
/// One pass: a thread reads and checks the file and hands rows over in batches while the
/// database inserts the previous batch, inside one transaction. The first problem stops the
/// writing (the rest of the file is still checked, to name every problem) and the
/// transaction is rolled back, so a file with any error imports nothing.
#if canImport(Glibc)
private let mallocTrim: (@convention(c) (Int) -> Int32)? = dlsym(nil, "malloc_trim").map {
    unsafeBitCast($0, to: (@convention(c) (Int) -> Int32).self)
}
#endif

struct LedgerImporter {
    /// Hands the memory an import used back to the system: glibc keeps freed pages of a
    /// large workbook otherwise, and several imports left gigabytes held.
    static func releaseMemory() {
        #if canImport(Glibc)
        // Not in Swift's Glibc module: looked up once in the C library.
        if let trim = mallocTrim { _ = trim(0) }
        #endif
    }

    let kind: LedgerKind
    let db: any Database
    let scope: UnitPath
    let defaultUnit: OrgUnit
    var setting: @Sendable (String) -> Int? = { _ in nil }

    struct Report: Encodable {
        var fileName: String
        var headerRow: Int
        var columns: [MappedColumn]
        var ignoredColumns: [String]
        var rows: Int
        var skipped: Int
        var errors: [String]
        var preview: [[String]]
        var previewHeaders: [String]
        var committed: Int
    }

    struct MappedColumn: Encodable {
        var header: String
        var field: String
    }

    /// Rows read (of the sheet, below the header) and records written so far.
    struct Progress: Sendable {
        var read: Int
        var written: Int
    }

    /// A file being read. Not shared: the header is read first, then one thread reads the rows.
    enum Source: @unchecked Sendable {
        case xlsx(XLSXReader)
        case csv(CSVReader)

        func forEachRow(_ body: (SpreadsheetRow) throws -> Void) throws {
            switch self {
            case .xlsx(let r): try r.forEachRow(sheet: 0, body)
            case .csv(let r): try r.forEachRow(body)
            }
        }

        func firstRows(_ n: Int) throws -> [SpreadsheetRow] {
            switch self {
            case .xlsx(let r): return try r.firstRows(n)
            case .csv(let r): return try r.firstRows(n)
            }
        }
    }

    /// Opens a file as XLSX or CSV by its content; errors in Chinese.
    static func open(_ url: URL, name: String) throws -> Source {
        let head = (try? FileHandle(forReadingFrom: url).readData(ofLength: 8)) ?? Data()
        do {
            if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0xD0, 0xCF, 0x11, 0xE0]) {
                return .xlsx(try XLSXReader(url: url))
            }
            if name.lowercased().hasSuffix(".xlsx") || name.lowercased().hasSuffix(".xls") {
                return .xlsx(try XLSXReader(url: url))
            }
            return .csv(try CSVReader(url: url))
        } catch let e as SpreadsheetError {
            throw ValidationFailure([.init("file", "文件", e.message)])
        }
    }

    static let unitHeaders = ["责任单位", "单位", "所属单位", "单位名称", "责任单位代码", "单位代码"].map(FieldSpec.normaliseHeader)
    static let ignoredHeaders = ["序号", "编号", "序"].map(FieldSpec.normaliseHeader)

    struct Mapping {
        var headerRow: Int
        var columns: [Int: FieldSpec] = [:]
        var unitColumn: Int?
        var headers: [Int: String] = [:]
        var ignored: [String] = []
        /// Money columns whose header names the other scale (万元 for a field kept in 元):
        /// their numbers are multiplied by this factor.
        var scale: [Int: Decimal] = [:]
        /// Columns whose header names a unit the field does not use.
        var unitProblems: [String] = []
    }

    /// The header row: the first of the top 20 rows where at least two cells name fields.
    func findHeader(_ rows: [SpreadsheetRow]) -> Mapping? {
        var keys: [String: FieldSpec] = [:]
        for f in kind.fields where f.type != .attachments { for k in f.headerKeys { keys[k] = f } }
        for row in rows {
            var mapping = Mapping(headerRow: row.number)
            for cell in row.cells {
                let text = cell.text.trimmingCharacters(in: .whitespacesAndNewlines)
                let key = FieldSpec.normaliseHeader(text)
                guard !key.isEmpty else { continue }
                let bare = FieldSpec.normaliseHeader(Self.stripUnit(text))
                if let f = keys[key] ?? keys[bare], !mapping.columns.values.contains(where: { $0.id == f.id }) {
                    mapping.columns[cell.column] = f
                    mapping.headers[cell.column] = text
                    if keys[key] == nil, let unit = Self.bracketUnit(text) {
                        if f.type == .money, let headerScale = MoneyScale(rawValue: unit) {
                            if headerScale != f.moneyScale { mapping.scale[cell.column] = headerScale == .tenThousandYuan ? 10_000 : Decimal(string: "0.0001")! }
                        } else if let fieldUnit = Self.bracketUnit(f.label) ?? (f.type == .money ? f.moneyScale.rawValue : nil), fieldUnit != unit {
                            mapping.unitProblems.append("列「\(text)」的单位是\(unit)，而「\(f.label)」以\(fieldUnit)计，请换算后再导入")
                        }
                    }
                } else if Self.unitHeaders.contains(key), mapping.unitColumn == nil {
                    mapping.unitColumn = cell.column
                    mapping.headers[cell.column] = text
                } else if !Self.ignoredHeaders.contains(key) {
                    mapping.ignored.append(text)
                }
            }
            if mapping.columns.count >= 2 || (mapping.columns.count == 1 && kind.fields.filter(\.required).count <= 1) {
                return mapping
            }
        }
        return nil
    }

    /// The unit written in brackets at the end of a header: 整改资金（万元） → 万元.
    static func bracketUnit(_ text: String) -> String? {
        for (open, close) in [("（", "）"), ("(", ")")] {
            if let r = text.range(of: open, options: .backwards), text.hasSuffix(close) {
                let unit = String(text[r.upperBound..<text.index(before: text.endIndex)]).trimmingCharacters(in: .whitespaces)
                return unit.isEmpty ? nil : unit
            }
        }
        return nil
    }

    /// 整改资金（万元） → 整改资金: a unit in brackets does not change the column's meaning.
    static func stripUnit(_ text: String) -> String {
        var t = text
        for (open, close) in [("（", "）"), ("(", ")")] {
            if let r = t.range(of: open), t.hasSuffix(close) { t = String(t[..<r.lowerBound]) }
        }
        return t
    }

    static func isTotalRow(_ row: SpreadsheetRow) -> Bool {
        row.cells.prefix(3).contains { cell in
            guard case .text(let raw) = cell.value else { return false }
            // Cheap first: only short texts containing 计 (E8 AE A1) can be a total label.
            guard raw.utf8.count <= 48, raw.utf8.count >= 3, raw.count <= 12, containsJi(raw) else { return false }
            let t = raw.filter { $0 != " " && $0 != "　" }
            return ["合计", "小计", "总计"].contains(t) || t.hasPrefix("合计：") || t.hasPrefix("合计:")
        }
    }

    private static func containsJi(_ s: String) -> Bool {
        var a: UInt8 = 0, b: UInt8 = 0
        for c in s.utf8 {
            if a == 0xE8, b == 0xAE, c == 0xA1 { return true }
            a = b
            b = c
        }
        return false
    }

    /// Reads the file, checks every row and, when `writer` (the record service of who imports)
    /// is given and the file has no problem, writes every record in one transaction. The report lists every problem; a
    /// report with problems means nothing was written.
    func run(_ source: Source, fileName: String, writer: RecordService?,
             progress: @escaping @Sendable (Progress) -> Void = { _ in }) async throws -> Report {
        guard let mapping = findHeader(try source.firstRows(20)) else {
            let names = kind.fields.filter { $0.type != .attachments }.prefix(6).map(\.label).joined(separator: "、")
            throw ValidationFailure([.init("file", "文件", "在前20行中找不到表头：表头应包含「\(kind.name)」的列名，如\(names)")])
        }
        if !mapping.unitProblems.isEmpty {
            throw ValidationFailure(mapping.unitProblems.map { .init("file", "表头", $0) })
        }
        let checker = RowChecker(kind: kind, mapping: mapping, units: try await UnitNames.load(scope: scope, on: db),
                                 references: try await references(source, mapping: mapping),
                                 defaultUnitID: defaultUnit.id!, setting: setting,
                                 today: LocalDate(writer?.now ?? Date()), createdBy: writer?.actor.userID ?? 0, now: writer?.now ?? Date())
        var first: [String] = []
        if kind.fields.contains(where: { $0.type == .attachments && $0.required }) {
            first.append("「\(kind.name)」须上传附件，不能通过表格导入，请逐条录入")
        }
        let pass = ImportPass(checker: checker, write: writer != nil, dialect: db.dialect, errors: first)
        let reading = Thread.detachedResult { try pass.read(source, progress: { progress(Progress(read: $0, written: 0)) }) }
        guard let writer else {
            for await _ in pass.batches.stream { pass.batches.taken() }
            return try await reading.value().report(fileName: fileName, mapping: mapping, committed: 0)
        }
        do {
            let count = try await db.transaction { tx -> Int in try await SQLiteCache.bulk(on: tx) {
                let maxID = try await RecordBulkInsert.maxID(on: tx.sql)
                var written = 0
                for await batch in pass.batches.stream {
                    try await RecordBulkInsert.insert(batch, on: tx)
                    pass.batches.taken()
                    written += batch.rows.count
                    progress(Progress(read: pass.read, written: written))
                }
                let result = try await reading.value()
                if !result.errors.isEmpty { throw Rejected(result: result) }
                try await writer.recordImport(kind, afterID: maxID, count: written, on: tx)
                return written
            } }
            return try await reading.value().report(fileName: fileName, mapping: mapping, committed: count)
        } catch let rejected as Rejected {
            return rejected.result.report(fileName: fileName, mapping: mapping, committed: 0)
        } catch {
            // The reader stops at its next batch; its own failure (a broken file) comes first.
            pass.batches.cancel()
            _ = try? await reading.value()
            throw error
        }
    }

    /// The file had problems: the transaction is rolled back.
    private struct Rejected: Error {
        var result: ImportPass.Result
    }

    /// Unit and person fields of the kind name units and people the server looks up: the
    /// distinct texts of those columns are read first (a second pass over the file, only for
    /// kinds that have such fields) and resolved once each.
    private func references(_ source: Source, mapping: Mapping) async throws -> [String: [String: Result<Int, FieldError>]] {
        let refFields = mapping.columns.filter { $0.value.type == .unit || $0.value.type == .person }
        guard !refFields.isEmpty else { return [:] }
        var refTexts: [String: Set<String>] = [:]
        try source.forEachRow { row in
            guard row.number > mapping.headerRow else { return }
            for (col, f) in refFields { let t = row.text(col).trimmingCharacters(in: .whitespaces); if !t.isEmpty { refTexts[f.id, default: []].insert(t) } }
        }
        let validator = RecordValidator(kind: kind, db: db, scope: scope, setting: setting)
        var refs: [String: [String: Result<Int, FieldError>]] = [:]
        for (fieldID, texts) in refTexts {
            for t in texts {
                do {
                    let draft = try await validator.check(unitRef: defaultUnit.code, raw: [fieldID: t], existingUnit: defaultUnit)
                    if case .reference(let id)? = draft.values[fieldID] { refs[fieldID, default: [:]][t] = .success(id) }
                } catch let failure as ValidationFailure {
                    if let e = failure.errors.first(where: { $0.field == fieldID }) { refs[fieldID, default: [:]][t] = .failure(e) }
                    else if let id = Int(t) { refs[fieldID, default: [:]][t] = .success(id) }
                }
            }
        }
        return refs
    }
}

/// Every unit, for the 责任单位 column: looked up in memory as `RecordValidator.resolveUnit`
/// does in the database (by id, then code, then a unique name in the scope).
struct UnitNames: Sendable {
    struct Unit: Sendable {
        var id: Int
        var path: UnitPath
    }
    var byID: [Int: Unit] = [:]
    var byCode: [String: Unit] = [:]
    var byName: [String: [Unit]] = [:]
    var scope: UnitPath

    static func load(scope: UnitPath, on db: any Database) async throws -> UnitNames {
        var names = UnitNames(scope: scope)
        for row in try await db.sql.raw("SELECT id, code, name, path FROM units").all() {
            let unit = Unit(id: try row.decode(column: "id", as: Int.self), path: UnitPath(try row.decode(column: "path", as: String.self)))
            names.byID[unit.id] = unit
            names.byCode[try row.decode(column: "code", as: String.self)] = unit
            if scope.contains(unit.path) { names.byName[try row.decode(column: "name", as: String.self), default: []].append(unit) }
        }
        return names
    }

    func resolve(_ text: String) -> Result<Int, FieldError> {
        var found: [Unit] = []
        if let id = Int(text.halfWidth), let u = byID[id] { found = [u] }
        if found.isEmpty, let u = byCode[text] { found = [u] }
        if found.isEmpty { found = Array((byName[text] ?? []).prefix(3)) }
        found = found.filter { scope.contains($0.path) }
        guard !found.isEmpty else { return .failure(FieldError("unit", "责任单位", "「\(text)」不存在或不在您的管理范围内")) }
        guard found.count == 1 else { return .failure(FieldError("unit", "责任单位", "名为「\(text)」的单位不止一个，请填写单位代码")) }
        return .success(found[0].id)
    }
}

/// The checks of one row, from cells to field values or problems; no database access.
struct RowChecker: Sendable {
    let kind: LedgerKind
    let mapping: LedgerImporter.Mapping
    let units: UnitNames
    let references: [String: [String: Result<Int, FieldError>]]
    let defaultUnitID: Int
    let setting: @Sendable (String) -> Int?
    let today: LocalDate
    let createdBy: Int
    let now: Date
    let columns: [(Int, FieldSpec)]
    /// Defaults parsed once, for fields a row leaves empty.
    let defaults: [(String, FieldValue)]
    let slotFields: [String]
    let sortedFields: [String]
    let workflowJSON: String

    init(kind: LedgerKind, mapping: LedgerImporter.Mapping, units: UnitNames, references: [String: [String: Result<Int, FieldError>]],
         defaultUnitID: Int, setting: @escaping @Sendable (String) -> Int?, today: LocalDate, createdBy: Int, now: Date) {
        self.kind = kind
        self.mapping = mapping
        self.units = units
        self.references = references
        self.defaultUnitID = defaultUnitID
        self.setting = setting
        self.today = today
        self.createdBy = createdBy
        self.now = now
        columns = mapping.columns.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        defaults = kind.fields.compactMap { f in
            guard let d = f.defaultValue, case .success(let v?) = f.parse(d) else { return nil }
            return (f.id, v)
        }
        slotFields = kind.filterSlots
        sortedFields = kind.fields.map(\.id).sorted()
        workflowJSON = kind.workflow ? WorkflowData().encoded() : "{}"
    }

    /// The unit and values of a row, or its problems as 第N行 «列名»：why.
    enum Checked {
        case record(unitID: Int, values: [String: FieldValue])
        case problems([String])
    }

    func check(_ row: SpreadsheetRow) -> Checked {
        var values: [String: FieldValue] = [:]
        var rowErrors: [String] = []
        func fail(_ col: Int, _ message: String) {
            rowErrors.append("第\(row.number)行 «\(mapping.headers[col] ?? SpreadsheetCell.columnName(col))»：\(message)")
        }
        var unitID = defaultUnitID
        if let c = mapping.unitColumn {
            let t = row.text(c).trimmedSpaces
            if !t.isEmpty {
                switch units.resolve(t) {
                case .success(let id): unitID = id
                case .failure(let e): fail(c, e.message)
                }
            }
        }
        for (col, field) in columns {
            guard let cell = row[col] else { continue }
            switch field.type {
            case .date:
                if let d = cell.date ?? (cell.number != nil ? cell.serialDate : nil) { values[field.id] = .date(d); continue }
            case .unit, .person:
                let t = cell.text.trimmedSpaces
                if t.isEmpty { continue }
                switch references[field.id]?[t] {
                case .success(let id)?: values[field.id] = .reference(id)
                case .failure(let e)?: fail(col, e.message)
                case nil: fail(col, "「\(t)」无法识别")
                }
                continue
            default: break
            }
            switch field.parse(cell.text) {
            case .success(.decimal(let d)?) where mapping.scale[col] != nil:
                values[field.id] = .decimal((d * mapping.scale[col]!).rounded(field.decimals))
            case .success(let v?): values[field.id] = v
            case .success(nil): break
            case .failure(let e): fail(col, e.message)
            }
        }
        for (id, value) in defaults where values[id] == nil { values[id] = value }
        for field in kind.missingRequired(values) {
            if let col = columns.first(where: { $0.1.id == field.id })?.0 {
                if !rowErrors.contains(where: { $0.contains("«\(mapping.headers[col] ?? "")»") }) { fail(col, "不能为空") }
            } else {
                rowErrors.append("第\(row.number)行 «\(field.label)»：不能为空（文件中没有这一列）")
            }
        }
        // The kind's rules compare the values that did parse, so they run on every row.
        for e in kind.problems(values, setting: setting) {
            let col = columns.first(where: { $0.1.id == e.field })?.0
            rowErrors.append("第\(row.number)行 «\(col.flatMap { mapping.headers[$0] } ?? e.label)»：\(e.message)")
        }
        return rowErrors.isEmpty ? .record(unitID: unitID, values: values) : .problems(rowErrors)
    }

    /// The record a checked row becomes.
    func record(unitID: Int, values: [String: FieldValue]) throws -> RecordBulkInsert.Row {
        let c = try RecordColumns(kind: kind, values: values, existingDate: nil, today: today, slotFields: slotFields,
                                  sortedFields: sortedFields)
        var status = ""
        if kind.workflow { status = (c.progress ?? 0) > 0 ? RectificationState.inProgress.rawValue : RectificationState.pending.rawValue }
        let opened = c.recordDate < today.iso ? c.recordDate : today.iso
        return RecordBulkInsert.Row(kind: kind.id, unitID: unitID, columns: c, status: status, openedOn: opened,
                                    closedOn: nil, workflow: workflowJSON, createdBy: createdBy, createdAt: now)
    }
}

/// One reading of a file: run on its own thread, it checks rows and sends records in batches
/// to whoever writes them; what it found is its result.
final class ImportPass: @unchecked Sendable {
    struct Result: Sendable {
        var errors: [String]
        var rows: Int
        var skipped: Int
        var preview: [[String]]

        func report(fileName: String, mapping: LedgerImporter.Mapping, committed: Int) -> LedgerImporter.Report {
            let columns = mapping.columns.sorted { $0.key < $1.key }
            return LedgerImporter.Report(
                fileName: fileName, headerRow: mapping.headerRow,
                columns: columns.map { .init(header: mapping.headers[$0.key] ?? "", field: $0.value.label) }
                    + (mapping.unitColumn.map { [.init(header: mapping.headers[$0] ?? "", field: "责任单位")] } ?? []),
                ignoredColumns: mapping.ignored, rows: rows, skipped: skipped, errors: errors,
                preview: preview, previewHeaders: columns.map { $0.value.label }, committed: committed)
        }
    }

    let checker: RowChecker
    let write: Bool
    let dialect: Dialect
    let batches = BatchChannel<RecordBulkInsert.Batch>(capacity: 2)
    private var errors: [String]
    private let readCount = NIOLockedValueBox(0)
    var read: Int { readCount.withLockedValue { $0 } }

    init(checker: RowChecker, write: Bool, dialect: Dialect, errors: [String]) {
        self.checker = checker
        self.write = write
        self.dialect = dialect
        self.errors = errors
    }

    /// Reads every row; called once, on the reading thread.
    func read(_ source: LedgerImporter.Source, progress: (Int) -> Void) throws -> Result {
        defer { batches.finish() }
        var result = Result(errors: errors, rows: 0, skipped: 0, preview: [])
        var batch: [RecordBulkInsert.Row] = []
        batch.reserveCapacity(RecordBulkInsert.batchSize)
        let sending = write
        var read = 0
        let headerRow = checker.mapping.headerRow
        try source.forEachRow { row in
            guard row.number > headerRow else { return }
            read += 1
            if read % 5000 == 0 { readCount.withLockedValue { $0 = read }; progress(read) }
            if row.isBlank || LedgerImporter.isTotalRow(row) { result.skipped += 1; return }
            switch checker.check(row) {
            case .record(let unitID, let values):
                result.rows += 1
                if result.preview.count < 10 {
                    result.preview.append(checker.columns.map { values[$0.1.id]?.display ?? "" })
                }
                guard sending, result.errors.isEmpty else { return }
                batch.append(try checker.record(unitID: unitID, values: values))
                if batch.count == RecordBulkInsert.batchSize {
                    // The writer has stopped (the database failed): so does the reading.
                    guard batches.send(RecordBulkInsert.Batch(batch, dialect: dialect)) else { throw CancellationError() }
                    batch.removeAll(keepingCapacity: true)
                }
            case .problems(let rowErrors):
                if result.errors.count < 10_000 { result.errors.append(contentsOf: rowErrors) }
                batch.removeAll()
            }
        }
        readCount.withLockedValue { $0 = read }
        progress(read)
        if sending, result.errors.isEmpty, !batch.isEmpty { _ = batches.send(RecordBulkInsert.Batch(batch, dialect: dialect)) }
        return result
    }
}

/// Batches from a thread to an async consumer, at most `capacity` waiting: the reader
/// blocks (on its own thread) while the database catches up, so memory stays flat.
final class BatchChannel<Element: Sendable>: @unchecked Sendable {
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

extension Thread {
    /// Runs blocking work on a new thread (not the cooperative pool or the event loops); the
    /// result is awaited with `value()`.
    static func detachedResult<T: Sendable>(_ body: @escaping @Sendable () throws -> T) -> ThreadResult<T> {
        let result = ThreadResult<T>()
        let thread = Thread { result.complete(Swift.Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
        return result
    }
}

final class ThreadResult<T: Sendable>: @unchecked Sendable {
    private let state = NIOLockedValueBox<(Swift.Result<T, any Error>?, [CheckedContinuation<T, any Error>])>((nil, []))

    func complete(_ result: Swift.Result<T, any Error>) {
        let waiting = state.withLockedValue { s -> [CheckedContinuation<T, any Error>] in
            s.0 = result
            defer { s.1 = [] }
            return s.1
        }
        for c in waiting { c.resume(with: result) }
    }

    func value() async throws -> T {
        try await withCheckedThrowingContinuation { c in
            let done = state.withLockedValue { s -> Swift.Result<T, any Error>? in
                if s.0 == nil { s.1.append(c) }
                return s.0
            }
            if let done { c.resume(with: done) }
        }
    }
}

extension String {
    /// Spaces and tabs trimmed; text without them at either end is returned as is.
    var trimmedSpaces: String {
        guard let f = utf8.first, let l = utf8.last else { return self }
        if f != 0x20, f != 0x09, f < 0x80, l != 0x20, l != 0x09, l < 0x80 { return self }
        return trimmingCharacters(in: .whitespaces)
    }
}
