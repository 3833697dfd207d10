import Fluent
import Foundation
import LvzeCore
import LvzeOffice
import SQLKit
import Vapor

/// Imports an Excel (XLSX) or CSV ledger into a kind, all or nothing.
///
/// Finds the header row below merged title rows, matches columns by the catalogue's
/// aliases, reads dates in every form users write (and Excel serial numbers), turns
/// full-width digits into ASCII, skips blank and 合计/小计 rows, and reports every
/// problem as 第N行 «列名»：why. Checks are the catalogue's own (`FieldSpec.parse`).
struct LedgerImporter {
    let kind: LedgerKind
    let db: any Database
    let scope: UnitPath
    let defaultUnit: OrgUnit
    var filingDays = 3

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

    /// A converted row, ready to insert.
    struct Row {
        var line: Int
        var unitID: Int
        var values: [String: FieldValue]
    }

    enum Source {
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
            let raw = cell.text
            // Cheap first: only short texts containing 计 can be a total label.
            guard raw.count <= 12, raw.contains("计") else { return false }
            let t = raw.filter { $0 != " " && $0 != "　" }
            return ["合计", "小计", "总计"].contains(t) || t.hasPrefix("合计：") || t.hasPrefix("合计:")
        }
    }

    /// Reads the whole file, checks every row and returns the report and the rows to insert.
    /// `progress` is called with the number of rows read so far.
    func analyse(_ source: Source, fileName: String, progress: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> (Report, [Row]) {
        guard let mapping = findHeader(try source.firstRows(20)) else {
            let names = kind.fields.filter { $0.type != .attachments }.prefix(6).map(\.label).joined(separator: "、")
            throw ValidationFailure([.init("file", "文件", "在前20行中找不到表头：表头应包含「\(kind.name)」的列名，如\(names)")])
        }
        if !mapping.unitProblems.isEmpty {
            throw ValidationFailure(mapping.unitProblems.map { .init("file", "表头", $0) })
        }
        // Pass 1: distinct unit and reference texts, resolved once each.
        var unitTexts: Set<String> = []
        var refTexts: [String: Set<String>] = [:]
        let refFields = mapping.columns.filter { $0.value.type == .unit || $0.value.type == .person }
        try source.forEachRow { row in
            guard row.number > mapping.headerRow else { return }
            if let c = mapping.unitColumn { let t = row.text(c).trimmingCharacters(in: .whitespaces); if !t.isEmpty { unitTexts.insert(t) } }
            for (col, f) in refFields { let t = row.text(col).trimmingCharacters(in: .whitespaces); if !t.isEmpty { refTexts[f.id, default: []].insert(t) } }
        }
        let validator = RecordValidator(kind: kind, db: db, scope: scope, filingDays: filingDays)
        var units: [String: Result<OrgUnit, FieldError>] = [:]
        for t in unitTexts {
            do { units[t] = .success(try await validator.resolveUnit(t, field: "unit", label: "责任单位", kinds: [])) }
            catch let e as FieldError { units[t] = .failure(e) }
        }
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
        // Pass 2: every row checked; nothing is written here.
        var rows: [Row] = []
        var errors: [String] = []
        var skipped = 0
        var preview: [[String]] = []
        var read = 0
        let defaultUnitID = defaultUnit.id!
        let kind = self.kind
        let filingDays = self.filingDays
        let columns = mapping.columns.sorted { $0.key < $1.key }
        try source.forEachRow { row in
            guard row.number > mapping.headerRow else { return }
            read += 1
            if read % 5000 == 0 { progress(read) }
            if row.isBlank || Self.isTotalRow(row) { skipped += 1; return }
            var values: [String: FieldValue] = [:]
            var rowErrors: [String] = []
            func fail(_ col: Int, _ message: String) {
                rowErrors.append("第\(row.number)行 «\(mapping.headers[col] ?? SpreadsheetCell.columnName(col))»：\(message)")
            }
            var unitID = defaultUnitID
            if let c = mapping.unitColumn {
                let t = row.text(c).trimmingCharacters(in: .whitespaces)
                if !t.isEmpty {
                    switch units[t] {
                    case .success(let u)?: unitID = u.id!
                    case .failure(let e)?: fail(c, e.message)
                    case nil: fail(c, "无法识别")
                    }
                }
            }
            for (col, field) in columns {
                guard let cell = row[col] else { continue }
                switch field.type {
                case .date:
                    if let d = cell.date ?? (cell.number != nil ? cell.serialDate : nil) { values[field.id] = .date(d); continue }
                case .unit, .person:
                    let t = cell.text.trimmingCharacters(in: .whitespaces)
                    if t.isEmpty { continue }
                    switch refs[field.id]?[t] {
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
            for field in kind.fields where values[field.id] == nil {
                if let d = field.defaultValue, case .success(let v?) = field.parse(d) { values[field.id] = v }
            }
            for field in kind.fields where field.required && field.type != .attachments && values[field.id] == nil {
                if let col = columns.first(where: { $0.value.id == field.id })?.key {
                    if !rowErrors.contains(where: { $0.contains("«\(mapping.headers[col] ?? "")»") }) { fail(col, "不能为空") }
                } else {
                    rowErrors.append("第\(row.number)行 «\(field.label)»：不能为空（文件中没有这一列）")
                }
            }
            if kind.workflow, let f = kind.dateField, case .date(let found)? = values[f], case .date(let due)? = values["deadline"], due < found {
                rowErrors.append("第\(row.number)行 «\(kind.field("deadline")?.label ?? "整改时限")»：不能早于\(kind.field(f)?.label ?? "发现日期")")
            }
            if rowErrors.isEmpty {
                for e in KindRules.problems(kind: kind, values: values, filingDays: filingDays) {
                    let col = columns.first(where: { $0.value.id == e.field })?.key
                    rowErrors.append("第\(row.number)行 «\(col.flatMap { mapping.headers[$0] } ?? e.label)»：\(e.message)")
                }
            }
            if rowErrors.isEmpty {
                rows.append(Row(line: row.number, unitID: unitID, values: values))
                if preview.count < 10 {
                    preview.append(columns.map { values[$0.value.id]?.display ?? "" })
                }
            } else if errors.count < 10_000 {
                errors.append(contentsOf: rowErrors)
            }
        }
        progress(read)
        if kind.fields.contains(where: { $0.type == .attachments && $0.required }) {
            errors.insert("「\(kind.name)」须上传附件，不能通过表格导入，请逐条录入", at: 0)
        }
        let report = Report(
            fileName: fileName, headerRow: mapping.headerRow,
            columns: columns.map { MappedColumn(header: mapping.headers[$0.key] ?? "", field: $0.value.label) }
                + (mapping.unitColumn.map { [MappedColumn(header: mapping.headers[$0] ?? "", field: "责任单位")] } ?? []),
            ignoredColumns: mapping.ignored, rows: rows.count + (errors.isEmpty ? 0 : 0), skipped: skipped, errors: errors,
            preview: preview, previewHeaders: columns.map { $0.value.label }, committed: 0)
        return (report, rows)
    }

    /// Inserts every row in one transaction, in multi-row INSERT statements, with one
    /// history line per record and one audit entry for the import.
    func commit(_ rows: [Row], actor: AuditActor, createdBy: Int, at now: Date, audit: AuditLog,
                progress: @escaping @Sendable (Int) -> Void = { _ in }) async throws -> Int {
        let today = LocalDate(now)
        let kind = self.kind
        let batch = RecordBulkInsert.batchSize
        let emptyWorkflow = kind.workflow ? WorkflowData().encoded() : "{}"
        let slotFields = kind.filterSlots
        let startStatus = RectificationState.pending.rawValue, movingStatus = RectificationState.inProgress.rawValue
        try await db.transaction { tx in
            let maxID = try await RecordBulkInsert.maxID(on: tx.sql)
            var done = 0
            for start in stride(from: 0, to: rows.count, by: batch) {
                let slice = rows[start..<min(start + batch, rows.count)]
                let inserts = try slice.map { row -> RecordBulkInsert.Row in
                    let c = try RecordColumns(kind: kind, values: row.values, existingDate: nil, today: today, slotFields: slotFields)
                    var status = ""
                    if kind.workflow { status = (c.progress ?? 0) > 0 ? movingStatus : startStatus }
                    let opened = c.recordDate < today.iso ? c.recordDate : today.iso
                    return RecordBulkInsert.Row(kind: kind.id, unitID: row.unitID, columns: c, status: status, openedOn: opened,
                                                closedOn: nil, workflow: emptyWorkflow, createdBy: createdBy, createdAt: now)
                }
                try await RecordBulkInsert.insert(inserts, on: tx.sql)
                done += slice.count
                progress(done)
            }
            try await tx.sql.raw("""
                INSERT INTO record_events (record_id, at, user_id, username, action, changes, note)
                SELECT id, \(bind: now), \(bind: createdBy), \(bind: actor.username), 'import', '{}', \(bind: "表格导入")
                FROM records WHERE kind = \(bind: kind.id) AND id > \(bind: maxID) AND created_by = \(bind: createdBy)
                """).run()
            try await audit.append(.create, actor: actor, objectType: kind.id, objectID: "",
                                   summary: "导入「\(kind.name)」\(rows.count)条记录", at: now, on: tx)
        }
        return rows.count
    }
}
