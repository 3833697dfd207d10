import Fluent
import Foundation
import LvzeCore
import LvzeOffice
import NIOConcurrencyHelpers
import SQLKit
import Vapor

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
    var options = LedgerImporter.Options()
    let columns: [(Int, FieldSpec)]
    /// Defaults parsed once, for fields a row leaves empty.
    let defaults: [(String, FieldValue)]
    let slotFields: [String]
    let sortedFields: [String]
    let workflowJSON: String

    init(kind: LedgerKind, mapping: LedgerImporter.Mapping, units: UnitNames, references: [String: [String: Result<Int, FieldError>]],
         defaultUnitID: Int, setting: @escaping @Sendable (String) -> Int?, today: LocalDate, createdBy: Int, now: Date,
         options: LedgerImporter.Options = .init()) {
        self.options = options
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
        case record(Accepted)
        case problems([String])
    }

    /// A row that may be written: its values and what the sheet says of its state.
    struct Accepted: Sendable {
        var unitID: Int
        var values: [String: FieldValue]
        /// Workflow kinds: the state the sheet states, nil when it says none (then 待整改 or
        /// 整改中 by progress, as for a new item).
        var state: ImportedState?
        var extensions = 0
        var row: Int
    }

    /// Whether rows carry anything the history line must state beyond "imported".
    var hasStateColumns: Bool { !mapping.state.isEmpty || mapping.extensionsColumn != nil }

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
        var state: ImportedState?
        var extensions = 0
        if kind.workflow { (state, extensions) = readState(row, values: &values, fail: fail) }
        if options.keepExtra, let field = kind.field(kind.remarksField ?? ""), let remarks = remarks(row) {
            // The kept columns pass 备注's own checks (length, control characters).
            switch field.parse([values[field.id]?.display, remarks].compactMap { $0 }.joined(separator: "\n")) {
            case .success(let v): values[field.id] = v
            case .failure(let e): fail(mapping.extra[0].0, "作为备注保存时：" + e.message)
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
        return rowErrors.isEmpty ? .record(Accepted(unitID: unitID, values: values, state: state, extensions: extensions, row: row.number))
            : .problems(rowErrors)
    }

    /// The state columns of a workflow row, read by `ImportedState`: its progress goes into the
    /// values; a problem is named by its column.
    private func readState(_ row: SpreadsheetRow, values: inout [String: FieldValue],
                           fail: (Int, String) -> Void) -> (ImportedState?, Int) {
        var extensions = 0
        if let c = mapping.extensionsColumn, let cell = row[c], !cell.text.trimmedSpaces.isEmpty {
            if let n = Int(cell.text.trimmedSpaces.halfWidth.replacingOccurrences(of: "次", with: "")), (0...99).contains(n) {
                extensions = n
            } else {
                fail(c, "「\(cell.text)」不是次数，应为0到99的整数")
            }
        }
        guard !mapping.state.isEmpty else { return (nil, extensions) }
        var cells: [ImportedState.Column: String] = [:]
        var closedOn: LocalDate?
        for (column, c) in mapping.state {
            guard let cell = row[c] else { continue }
            if column == .closedOn {
                let text = cell.text.trimmedSpaces
                guard !text.isEmpty else { continue }
                guard let d = cell.date ?? (cell.number != nil ? cell.serialDate : nil) else {
                    fail(c, "「\(text)」不是日期，可写作2025-03-05、2025/3/5、2025年3月5日或Excel日期")
                    return (nil, extensions)
                }
                closedOn = d
            } else {
                // Excel keeps 80% as 0.8 in a percentage cell.
                cells[column] = cell.number.map { n in column == .progress && n <= 1 && cell.text.contains(".") ? String(n) : cell.text } ?? cell.text
            }
        }
        // Without a 销号日期 column, an acceptance date stands for it (the hazard ledger's 验收日期).
        if closedOn == nil, mapping.state[.closedOn] == nil, case .date(let d)? = values[Self.acceptedOnField] { closedOn = d }
        let found: LocalDate? = kind.dateField.flatMap { if case .date(let d)? = values[$0] { return d }; return nil }
        switch ImportedState.read(cells, closedOn: closedOn, found: found, today: today) {
        case .success(let state):
            if let p = state?.progress { values[LedgerKind.WorkflowField.progress] = .integer(p) }
            return (state, extensions)
        case .failure(let problem):
            let col = mapping.state[problem.column] ?? mapping.state.values.min() ?? 0
            fail(col, problem.message)
            return (nil, extensions)
        }
    }

    static let acceptedOnField = "accepted_on"

    /// The cells of columns that match no field, as 「列名」：值 lines for 备注.
    func remarks(_ row: SpreadsheetRow) -> String? {
        var lines: [String] = []
        for (col, header) in mapping.extra {
            let t = row.text(col).trimmedSpaces
            if !t.isEmpty { lines.append("\(header)：\(t)") }
        }
        return lines.isEmpty ? nil : lines.joined(separator: "\n")
    }

    /// The record a checked row becomes.
    func record(_ row: Accepted) throws -> RecordBulkInsert.Row {
        let c = try RecordColumns(kind: kind, values: row.values, existingDate: nil, today: today, slotFields: slotFields,
                                  sortedFields: sortedFields)
        var status = ""
        var workflow = workflowJSON
        if kind.workflow {
            status = row.state?.state.rawValue
                ?? ((c.progress ?? 0) > 0 ? RectificationState.inProgress.rawValue : RectificationState.pending.rawValue)
            if row.extensions > 0 || row.state?.state == .closureRequested {
                // A request waiting in the sheet waits in Lvze, for a reviewer here to decide.
                let closure = row.state?.state == .closureRequested
                    ? WorkflowData.Closure(requester: createdBy, at: now, description: "表格导入时为“申请销号”", evidence: 0) : nil
                workflow = WorkflowData(closure: closure, extensions: row.extensions).encoded()
            }
        }
        let opened = c.recordDate < today.iso ? c.recordDate : today.iso
        return RecordBulkInsert.Row(kind: kind.id, unitID: row.unitID, columns: c, status: status, openedOn: opened,
                                    closedOn: row.state?.closedOn?.iso, workflow: workflow, createdBy: createdBy, createdAt: now,
                                    returned: row.state?.returned ?? false)
    }

    /// The history line of an imported record: where it came from and, for a workflow item,
    /// the state as the sheet gave it — so no one takes it for an approval made in Lvze.
    func provenance(_ row: Accepted, fileName: String) -> String {
        var note = "导入自「\(fileName)」第\(row.row)行"
        if kind.workflow, hasStateColumns {
            var said = row.state.map { "表中状态：\($0.description)" } ?? "表中未写状态，按待整改导入"
            if row.extensions > 0 { said += "；延期\(row.extensions)次" }
            note += "。" + said + "（按原表记载，非本系统审批）"
        }
        return note
    }
}
