import Fluent
import Foundation
import LvzeCore
import Vapor

/// Turns submitted text (a form, a spreadsheet row, API JSON read as text) into checked
/// field values for one kind. Every check of the catalogue runs here, so every path —
/// form, API, import — applies the same rules and names the field in each message.
package struct RecordValidator {
    package let kind: LedgerKind
    package let db: any Database
    package let scope: UnitPath
    /// Whole-number settings the catalogue's rules read (the days a filing must come ahead).
    package var setting: @Sendable (String) -> Int? = { _ in nil }

    package struct Draft {
        package var unit: OrgUnit
        package var values: [String: FieldValue]
    }

    /// `raw` maps field ids to text; a field absent from `raw` keeps `existing`'s value
    /// (partial updates from the API), a field present but empty clears it.
    package func check(unitRef: String?, raw: [String: String], existing: [String: FieldValue] = [:],
               existingUnit: OrgUnit? = nil, rowLabel: String? = nil) async throws -> Draft {
        var errors: [FieldError] = []
        var unit = existingUnit
        if let unitRef = unitRef?.trimmingCharacters(in: .whitespaces), !unitRef.isEmpty {
            do { unit = try await resolveUnit(unitRef, field: "unit", label: "责任单位", kinds: []) } catch let e as FieldError { errors.append(e) }
        } else if unit == nil {
            errors.append(.init("unit", "责任单位", "不能为空"))
        }
        var values = existing
        var raw = raw
        if existing.isEmpty {
            for field in kind.fields where field.defaultValue != nil && (raw[field.id] ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                raw[field.id] = field.defaultValue
            }
        }
        for field in kind.fields where field.type != .attachments {
            guard let text = raw[field.id] else { continue }
            switch field.parse(text) {
            case .failure(let e): errors.append(e)
            case .success(nil): values[field.id] = nil
            case .success(let value?):
                if field.type == .unit || field.type == .person {
                    do {
                        let id = try await resolveReference(text, field: field)
                        values[field.id] = .reference(id)
                    } catch let e as FieldError { errors.append(e) }
                } else {
                    values[field.id] = value
                }
            }
        }
        for field in kind.missingRequired(values) where !errors.contains(where: { $0.field == field.id }) {
            errors.append(.init(field.id, field.label, "不能为空"))
        }
        // The kind's rules compare the values that did parse, so they run whatever else is wrong.
        errors += kind.problems(values, setting: setting)
        if !errors.isEmpty {
            if let rowLabel { errors = errors.map { FieldError($0.field, "\(rowLabel) «\($0.label)", $0.message) } }
            throw ValidationFailure(errors)
        }
        return Draft(unit: unit!, values: values)
    }

    /// A unit by id, code or exact name, inside the user's scope.
    package func resolveUnit(_ text: String, field: String, label: String, kinds: [UnitKind]) async throws -> OrgUnit {
        var found: [OrgUnit] = []
        if let id = Int(text.halfWidth), let u = try await OrgUnit.find(id, on: db) { found = [u] }
        if found.isEmpty { found = try await OrgUnit.query(on: db).filter(\.$code == text).all() }
        if found.isEmpty { found = try await OrgUnit.query(on: db).within(scope).filter(\.$name == text).limit(3).all() }
        found = found.filter { scope.contains($0.unitPath) }
        guard !found.isEmpty else { throw FieldError(field, label, "「\(text)」不存在或不在您的管理范围内") }
        guard found.count == 1 else { throw FieldError(field, label, "名为「\(text)」的单位不止一个，请填写单位代码") }
        if !kinds.isEmpty, !kinds.contains(found[0].unitKind) {
            throw FieldError(field, label, "「\(found[0].name)」是\(found[0].unitKind.label)，此处应为\(kinds.map(\.label).joined(separator: "或"))")
        }
        return found[0]
    }

    private func resolveReference(_ text: String, field: FieldSpec) async throws -> Int {
        if field.type == .unit {
            return try await resolveUnit(text, field: field.id, label: field.label, kinds: field.unitKinds).id!
        }
        var people: [Person] = []
        if let id = Int(text.halfWidth), let p = try await Person.find(id, on: db) { people = [p] }
        if people.isEmpty {
            people = try await Person.query(on: db).join(OrgUnit.self, on: \Person.$unit.$id == \OrgUnit.$id)
                .filter(OrgUnit.self, \.$path >= scope.value).filter(OrgUnit.self, \.$path < scope.subtreeUpperBound)
                .filter(\.$name == text).limit(3).all()
        }
        guard let person = people.first else { throw FieldError(field.id, field.label, "人员「\(text)」不存在或不在您的管理范围内") }
        guard people.count == 1 else { throw FieldError(field.id, field.label, "名为「\(text)」的人员不止一个，请填写人员编号") }
        if let unit = try await OrgUnit.find(person.$unit.id, on: db), !scope.contains(unit.unitPath) {
            throw FieldError(field.id, field.label, "人员「\(text)」不在您的管理范围内")
        }
        return person.id!
    }
}

extension LedgerRecord {
    /// The kind's fields decoded from the stored JSON (values that no longer parse are dropped).
    package func values(for kind: LedgerKind) -> [String: FieldValue] {
        FieldJSON.decode(data, kind: kind)
    }

    /// Writes values and the indexed common columns derived from them.
    package func apply(_ draft: RecordValidator.Draft, kind: LedgerKind, today: LocalDate) throws {
        let c = try RecordColumns(kind: kind, values: draft.values, existingDate: $recordDate.value.flatMap(LocalDate.parse), today: today)
        self.kind = kind.id
        $unit.id = draft.unit.id!
        data = c.data
        title = c.title
        recordDate = c.recordDate
        year = c.year
        amount = c.amount
        if kind.workflow {
            if let d = c.dueDate { dueDate = d }
            if let p = c.progress { progress = p }
        }
        f1 = c.slots[0]
        f2 = c.slots[1]
        f3 = c.slots[2]
    }
}

/// The common columns of a record, derived from its field values: shared by single writes
/// and bulk imports so both store the same thing.
package struct RecordColumns {
    package var data: String
    package var title: String
    package var recordDate: String
    package var year: Int
    package var amount: Double?
    package var dueDate: String?
    package var progress: Int?
    /// The 问题来源 of a workflow kind's record (`RecordWatch.source`).
    package var source: String?
    /// Its responsibility system's raw value (`LedgerKind.responsibilitySystem`).
    package var system: String?
    /// The filter columns f1…f3 (`LedgerKind.filterSlots`), nil where the kind has fewer.
    package var slots: [String?]

    /// `slotFields` is `kind.filterSlots` and `sortedFields` the kind's field ids sorted,
    /// passed in by callers that write many records.
    package init(kind: LedgerKind, values: [String: FieldValue], existingDate: LocalDate?, today: LocalDate,
         slotFields: [String]? = nil, sortedFields: [String]? = nil) throws {
        if let sortedFields, values.count <= sortedFields.count {
            data = FieldJSON.encode(values, sortedKeys: sortedFields)
        } else {
            data = FieldJSON.encode(values)
        }
        let fields = slotFields ?? kind.filterSlots
        slots = (0..<LedgerKind.filterSlotCount).map { $0 < fields.count ? LedgerKind.slotText(values[fields[$0]]) : nil }
        let name = values[kind.titleField]?.display ?? ""
        title = name.utf8.count <= 200 ? name : String(name.prefix(200))
        // The kind's date field places the record in a year; without one, the day it was entered.
        var date = existingDate ?? today
        if let f = kind.dateField, case .date(let d)? = values[f] { date = d }
        recordDate = date.iso
        year = date.year
        amount = kind.amountField.flatMap { values[$0]?.decimalValue }.map { NSDecimalNumber(decimal: $0).doubleValue }
        if kind.workflow {
            if case .date(let d)? = values["deadline"] { dueDate = d.iso }
            if case .integer(let p)? = values["progress"] { progress = p }
            source = values[LedgerKind.WorkflowField.source]?.display
            system = kind.responsibilitySystem(values)?.rawValue
        }
    }
}

/// The changes between two sets of values, as the history shows them.
package func fieldChanges(kind: LedgerKind, before: [String: FieldValue], after: [String: FieldValue]) -> [String: [String]] {
    var out: [String: [String]] = [:]
    for field in kind.fields where before[field.id] != after[field.id] {
        out[field.id] = [before[field.id]?.display ?? "", after[field.id]?.display ?? ""]
    }
    return out
}
