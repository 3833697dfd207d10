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

/// Imports an Excel (XLSX, or XLS of Excel 97–2003) or CSV ledger into a kind, all or nothing.
///
/// Finds the header row below merged title rows, matches columns by the catalogue's
/// aliases, reads dates in every form users write (and Excel serial numbers), turns
/// full-width digits into ASCII, skips blank and 合计/小计 rows, and reports every
/// problem as 第N行 «列名»：why. Checks are the catalogue's own (`FieldSpec.parse`).
///
/// One pass: a child task on a thread pool reads and checks the file (the readers push rows,
/// so this work holds a thread: never the cooperative pool's or an event loop's) and hands
/// rows over in batches while the database inserts the previous batch, inside one
/// transaction. The first problem stops the writing (the rest of the file is still checked, to name every problem) and the
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
    /// Where the file is read: `LvzeServices.importPool` on the server (its own threads, so a
    /// long import never holds the ones bcrypt and exports use), the app's pool on the command line.
    let readers: NIOThreadPool
    var options = Options()

    /// What an import is asked to do beyond adding the rows.
    struct Options: Sendable, Codable, Equatable {
        /// Columns that match no field are kept in the record's 备注 as 「列名：值」 lines.
        var keepExtra = false
        /// Rows that match a record (`ImportMatch`) and differ from it change it; otherwise
        /// they are only counted, and the report says how to apply them.
        var update = false
    }

    struct Report: Encodable {
        var fileName: String
        var headerRow: Int
        var columns: [MappedColumn]
        var ignoredColumns: [String]
        /// Every column of the header row, in sheet order: what it goes into, or 「未导入」.
        var sheetColumns: [SheetColumn]
        /// How many of them are not imported.
        var unimported: Int
        /// Columns that match nothing (序号 aside): what 备注 could keep.
        var extraColumns: Int
        var keepExtra: Bool
        /// Rows that state a state, by state label (已销号 12, 整改中 3 …), for the dry run.
        var states: [StateCount]
        /// Rows matched to no record (added), to records they change, to records as they are.
        var new: Int
        var changed: Int
        var unchanged: Int
        /// Rows matched to a record: changed and unchanged.
        var matched: Int
        /// The first changed rows with their fields (第N行：字段 前→后).
        var changes: [String]
        var update: Bool
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

    struct SheetColumn: Encodable {
        /// The column's letter (A, B, … AA).
        var letter: String
        var header: String
        /// The field (or 责任单位, or the workflow's state) it goes into; nil when not imported.
        var target: String?
        var imported: Bool { target != nil }

        enum CodingKeys: String, CodingKey { case letter, header, target, imported }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(letter, forKey: .letter)
            try c.encode(header, forKey: .header)
            try c.encodeIfPresent(target, forKey: .target)
            try c.encode(imported, forKey: .imported)
        }
    }

    struct StateCount: Encodable, Sendable {
        var state: String
        var count: Int
    }

    /// Rows read (of the sheet, below the header) and records written so far.
    struct Progress: Sendable {
        var read: Int
        var written: Int
    }

    /// A file being read. Its readers keep a file position, so it is used by one task at a
    /// time, in turn: the header, then the unit and person names, then the rows on the reading
    /// pool; never by two at once (the writer never touches it). The compiler cannot see that
    /// hand-over, hence unchecked.
    enum Source: @unchecked Sendable {
        case xlsx(XLSXReader)
        case xls(XLSReader)
        case csv(CSVReader)

        func forEachRow(_ body: (SpreadsheetRow) throws -> Void) throws {
            switch self {
            case .xlsx(let r): try r.forEachRow(sheet: 0, body)
            case .xls(let r): try r.forEachRow(sheet: 0, body)
            case .csv(let r): try r.forEachRow(body)
            }
        }

        func firstRows(_ n: Int) throws -> [SpreadsheetRow] {
            switch self {
            case .xlsx(let r): return try r.firstRows(n)
            case .xls(let r): return try r.firstRows(n)
            case .csv(let r): return try r.firstRows(n)
            }
        }
    }

    /// Opens a file as XLSX, XLS (Excel 97–2003) or CSV by its content; errors in Chinese.
    static func open(_ url: URL, name: String) throws -> Source {
        let head = (try? FileHandle(forReadingFrom: url).readData(ofLength: 8)) ?? Data()
        do {
            // An OLE compound file: XLSReader reads an .xls and itself refuses encrypted
            // workbooks, Excel 95 and older, and other Office files, each with its message.
            if head.starts(with: [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
                return .xls(try XLSReader(url: url))
            }
            if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
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
        /// Workflow kinds: the columns stating the item's state (是否销号, 状态, 整改进展 …).
        var state: [ImportedState.Column: Int] = [:]
        /// Workflow kinds: 延期次数.
        var extensionsColumn: Int?
        /// Columns that match nothing, with their headers: 「未导入」 in the dry run, or kept
        /// in 备注 when the import is asked to.
        var extra: [(Int, String)] = []
        /// Every non-empty header cell, in sheet order.
        var order: [Int] = []
    }

    /// The workflow's own state columns, by normalised header.
    static let stateTarget = "整改状态"

    static let stateHeaders: [String: ImportedState.Column] = {
        var keys: [String: ImportedState.Column] = [:]
        for column in ImportedState.Column.allCases { for h in column.headers { keys[FieldSpec.normaliseHeader(h)] = column } }
        return keys
    }()
    static let extensionHeaders = ["延期次数", "延期"].map(FieldSpec.normaliseHeader)

    /// The header row: the first of the top 20 rows where at least two cells name fields.
    func findHeader(_ rows: [SpreadsheetRow]) -> Mapping? {
        var keys: [String: FieldSpec] = [:]
        for f in kind.fields where f.type != .attachments { for k in f.headerKeys { keys[k] = f } }
        for row in rows {
            var mapping = Mapping(headerRow: row.number)
            for cell in row.cells {
                let text = cell.text.trimmedWhitespaceAndNewlines
                let key = FieldSpec.normaliseHeader(text)
                guard !key.isEmpty else { continue }
                let bare = FieldSpec.normaliseHeader(Self.stripUnit(text))
                mapping.order.append(cell.column)
                // 整改进展 may be words (已完成, 正在整改) or a per cent: the state's reading takes it.
                if kind.workflow, let column = Self.stateHeaders[key] ?? Self.stateHeaders[bare]
                    ?? (keys[key]?.id == LedgerKind.WorkflowField.progress ? .progress : nil), mapping.state[column] == nil,
                    keys[key] == nil || keys[key]?.id == LedgerKind.WorkflowField.progress {
                    mapping.state[column] = cell.column
                    mapping.headers[cell.column] = text
                } else if kind.workflow, Self.extensionHeaders.contains(key), mapping.extensionsColumn == nil, keys[key] == nil {
                    mapping.extensionsColumn = cell.column
                    mapping.headers[cell.column] = text
                } else if let f = keys[key] ?? keys[bare], !mapping.columns.values.contains(where: { $0.id == f.id }) {
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
                    mapping.extra.append((cell.column, text))
                    mapping.headers[cell.column] = text
                } else {
                    mapping.headers[cell.column] = text
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
                let unit = String(text[r.upperBound..<text.index(before: text.endIndex)]).trimmedWhitespace
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
                                 today: LocalDate(writer?.now ?? Date()), createdBy: writer?.actor.userID ?? 0, now: writer?.now ?? Date(),
                                 options: options)
        var first: [String] = []
        if kind.fields.contains(where: { $0.type == .attachments && $0.required }) {
            first.append("「\(kind.name)」须上传附件，不能通过表格导入，请逐条录入")
        }
        let match = try await ImportMatch.load(kind: kind, scope: scope, on: db)
        let pass = ImportPass(checker: checker, match: match, write: writer != nil, dialect: db.dialect, errors: first, fileName: fileName)
        // The reading is a child task of this one: it ends before `run` returns, whatever happens.
        async let reading = pass.read(source, on: readers, progress: { progress(Progress(read: $0, written: 0)) })
        guard let writer else {
            // A dry run writes nothing, but still settles the rows that matched records.
            var settled = ImportSettled()
            do {
                for await batch in pass.batches.stream {
                    settled.add(try await pass.settle(batch.candidates, on: db))
                    pass.batches.taken()
                }
            } catch {
                pass.batches.cancel()
                _ = try? await reading
                throw error
            }
            return try await reading.report(fileName: fileName, mapping: mapping, committed: 0, options: options, settled: settled)
        }
        do {
            let (count, settled) = try await db.transaction { tx -> (Int, ImportSettled) in try await SQLiteCache.bulk(on: tx) {
                var lastID = try await RecordBulkInsert.maxID(on: tx.sql)
                var written = 0, updated = 0
                var settled = ImportSettled()
                for await batch in pass.batches.stream {
                    try await RecordBulkInsert.insert(batch.records, on: tx)
                    lastID = try await writer.importHistory(kind, batch.records.notes, after: lastID, on: tx)
                    let s = try await pass.settle(batch.candidates, on: tx)
                    if options.update {
                        try await writer.applyImportUpdates(s.updates, on: tx)
                        updated += s.updates.count
                    }
                    settled.add(s)
                    pass.batches.taken()
                    written += batch.records.rows.count
                    progress(Progress(read: pass.read, written: written))
                }
                let result = try pass.finished()
                if !result.errors.isEmpty { throw Rejected(result: result, settled: settled) }
                // A sheet with nothing new writes nothing, not even an audit entry.
                if written > 0 || updated > 0 {
                    try await writer.recordImport(kind, count: written, updated: updated, fileName: fileName, states: result.states, on: tx)
                }
                return (written, settled)
            } }
            return try await reading.report(fileName: fileName, mapping: mapping, committed: count, options: options, settled: settled)
        } catch let rejected as Rejected {
            _ = try? await reading
            return rejected.result.report(fileName: fileName, mapping: mapping, committed: 0, options: options, settled: rejected.settled)
        } catch {
            // The reader stops at its next batch; its own failure (a broken file) comes first.
            pass.batches.cancel()
            _ = try? await reading
            throw error
        }
    }

    /// The file had problems: the transaction is rolled back.
    private struct Rejected: Error {
        var result: ImportPass.Result
        var settled: ImportSettled
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
            for (col, f) in refFields { let t = row.text(col).trimmedWhitespace; if !t.isEmpty { refTexts[f.id, default: []].insert(t) } }
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

extension LedgerImporter.Mapping {
    /// What each column of the header row goes into: a field's label, 责任单位, the workflow's
    /// state, 备注 (columns kept as remarks); absent for a column not imported.
    func targets(keepExtra: Bool) -> [Int: String] {
        var out: [Int: String] = [:]
        for (col, f) in columns { out[col] = f.label }
        if let c = unitColumn { out[c] = "责任单位" }
        for (column, c) in state {
            out[c] = column == .closedOn ? "销号日期" : column == .progress ? "整改进展（%）和整改状态" : "整改状态"
        }
        if let c = extensionsColumn { out[c] = "延期次数" }
        if keepExtra { for (c, _) in extra { out[c] = "备注（原列名：值）" } }
        return out
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
