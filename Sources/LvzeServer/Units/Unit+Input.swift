import Fluent
import LvzeCore
import Vapor

/// What a form, the API or the CLI submits to create or edit a unit; checked the same on
/// every path.
package struct UnitInput: Content {
    package var code: String?
    package var name: String?
    package var kind: String?
    package var parentCode: String?
    package var foundedOn: String?
    package var dissolvedOn: String?
    package var sortOrder: String?
    package var note: String?

    package struct Checked {
        package init(code: String, name: String, kind: UnitKind, parent: OrgUnit?, foundedOn: LocalDate?, dissolvedOn: LocalDate?, sortOrder: Int, note: String) {
            self.code = code
            self.name = name
            self.kind = kind
            self.parent = parent
            self.foundedOn = foundedOn
            self.dissolvedOn = dissolvedOn
            self.sortOrder = sortOrder
            self.note = note
        }

        package var code: String
        package var name: String
        package var kind: UnitKind
        package var parent: OrgUnit?
        package var foundedOn: LocalDate?
        package var dissolvedOn: LocalDate?
        package var sortOrder: Int
        package var note: String
    }

    /// Checks every field and reports all problems at once. `existing` is the unit being
    /// edited (its parent is not changed here; moving is its own step).
    package func check(existing: OrgUnit?, scope: UnitPath?, on db: any Database) async throws -> Checked {
        var errors: [FieldError] = []
        let code = (code ?? "").trimmingCharacters(in: .whitespaces).halfWidth
        let name = (name ?? "").trimmingCharacters(in: .whitespaces)
        if code.isEmpty {
            errors.append(.init("code", "单位代码", "不能为空"))
        } else if code.count > 40 || !code.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
            errors.append(.init("code", "单位代码", "只能由字母、数字、短横线和下划线组成，最长40位"))
        } else if let other = try await OrgUnit.query(on: db).filter(\.$code == code).first(), other.id != existing?.id {
            errors.append(.init("code", "单位代码", "「\(code)」已被「\(other.name)」使用"))
        }
        if name.isEmpty { errors.append(.init("name", "单位名称", "不能为空")) }
        else if name.count > 100 { errors.append(.init("name", "单位名称", "不能超过100个字")) }
        let kindValue = UnitKind.fromLabel((kind ?? "").trimmingCharacters(in: .whitespaces))
        if kindValue == nil {
            errors.append(.init("kind", "单位类型", (kind ?? "").isEmpty ? "请选择" : "「\(kind!)」不是可选的单位类型"))
        }
        var parent: OrgUnit?
        if existing == nil {
            let parentCode = (parentCode ?? "").trimmingCharacters(in: .whitespaces)
            if parentCode.isEmpty {
                errors.append(.init("parentCode", "上级单位", "不能为空"))
            } else if let found = try await OrgUnit.query(on: db).filter(\.$code == parentCode).first(),
                      scope.map({ $0.contains(found.unitPath) }) ?? true {
                parent = found
                if found.isDissolved { errors.append(.init("parentCode", "上级单位", "「\(found.name)」已撤销，不能再新增下级")) }
            } else {
                errors.append(.init("parentCode", "上级单位", "代码「\(parentCode)」不存在或不在您的管理范围内"))
            }
        }
        let founded = try parseDate(foundedOn, "foundedOn", "成立日期", &errors)
        let dissolved = try parseDate(dissolvedOn, "dissolvedOn", "撤销日期", &errors)
        if let f = founded, let d = dissolved, d < f {
            errors.append(.init("dissolvedOn", "撤销日期", "不能早于成立日期"))
        }
        var order = 0
        if let s = sortOrder?.trimmingCharacters(in: .whitespaces), !s.isEmpty {
            if let n = Int(s.halfWidth), (0...99_999).contains(n) { order = n }
            else { errors.append(.init("sortOrder", "排序号", "须为0到99999之间的整数")) }
        }
        let note = (note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if note.count > 500 { errors.append(.init("note", "备注", "不能超过500个字")) }
        if !errors.isEmpty { throw ValidationFailure(errors) }
        return Checked(code: code, name: name, kind: kindValue!, parent: parent, foundedOn: founded,
                       dissolvedOn: dissolved, sortOrder: order, note: note)
    }
}

/// An optional date field: empty is nil, anything else must be a real date.
package func parseDate(_ raw: String?, _ field: String, _ label: String, _ errors: inout [FieldError]) throws -> LocalDate? {
    let text = (raw ?? "").trimmingCharacters(in: .whitespaces)
    if text.isEmpty { return nil }
    guard let date = LocalDate.parse(text) else {
        errors.append(.init(field, label, "「\(text)」不是有效日期，请写作2025-03-05"))
        return nil
    }
    return date
}

extension OrgUnit {
    /// The unit as the audit trail records it.
    package struct Snapshot: Encodable {
        package var code, name, kind, path: String
        package var parentID: Int?
        package var foundedOn, dissolvedOn: String?
        package var note: String
    }

    package var snapshot: Snapshot {
        Snapshot(code: code, name: name, kind: kind, path: path, parentID: $parent.id,
                 foundedOn: foundedOn, dissolvedOn: dissolvedOn, note: note)
    }

    package func apply(_ c: UnitInput.Checked) {
        code = c.code
        name = c.name
        kind = c.kind.rawValue
        foundedOn = c.foundedOn?.iso
        dissolvedOn = c.dissolvedOn?.iso
        sortOrder = c.sortOrder
        note = c.note
    }

    /// Creates a unit under `parent` (nil only for the root of an empty tree): the id comes
    /// from the database, so the path is written in a second step of the same transaction.
    package static func create(_ c: UnitInput.Checked, on db: any Database) async throws -> OrgUnit {
        let unit = OrgUnit()
        unit.apply(c)
        unit.$parent.id = c.parent?.id
        unit.path = "/pending-\(UUID().uuidString)/"
        unit.depth = (c.parent?.depth ?? -1) + 1
        try await unit.create(on: db)
        unit.path = (c.parent.map { $0.unitPath.child(id: unit.id!) } ?? UnitPath.root(id: unit.id!)).value
        try await unit.update(on: db)
        return unit
    }

    /// Why this unit may not be deleted, or nil. Units with children or with anything
    /// recorded against them stay; they can be marked dissolved instead.
    /// Records of ledgers the asker may not read (`readable`: the kinds they may) are not
    /// counted aloud: the unit is still kept, but a clerk must not learn that a discipline
    /// record names it.
    package func deletionBlocker(on db: any Database, readable: [String]) async throws -> String? {
        let id = self.id!
        let children = try await OrgUnit.query(on: db).filter(\.$parent.$id == id).count()
        if children > 0 { return "「\(name)」下还有\(children)个下级单位，请先移走或删除下级单位" }
        var held: [String] = []
        let persons = try await Person.query(on: db).filter(\.$unit.$id == id).count()
        if persons > 0 { held.append("\(persons)名人员") }
        let positions = try await Position.query(on: db).filter(\.$unit.$id == id).count()
        if positions > 0 { held.append("\(positions)条任职记录") }
        let users = try await User.query(on: db).filter(\.$unit.$id == id).count()
        if users > 0 { held.append("\(users)个账号") }
        let flags = try await UnitFlag.query(on: db).filter(\.$unit.$id == id).count()
        if flags > 0 { held.append("\(flags)条标记记录") }
        let records = try await LedgerRecord.query(on: db).filter(\.$unit.$id == id).filter(\.$kind ~~ readable).count()
        if records > 0 { held.append("\(records)条台账记录") }
        if held.isEmpty, try await LedgerRecord.query(on: db).filter(\.$unit.$id == id).first() != nil {
            held.append("业务数据")
        }
        if !held.isEmpty {
            return "「\(name)」已有\(held.joined(separator: "、"))，不能删除；如已撤销，请在编辑页填写撤销日期"
        }
        return nil
    }
}

