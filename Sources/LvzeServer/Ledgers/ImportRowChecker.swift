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
