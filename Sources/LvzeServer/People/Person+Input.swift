import Fluent
import LvzeCore
import Vapor

/// What a form or the API submits for a person; the same checks on every path.
package struct PersonInput: Content {
    package var name: String?
    package var gender: String?
    package var birthDate: String?
    package var education: String?
    package var politicalStatus: String?
    package var origin: String?
    package var unitCode: String?
    package var phone: String?
    package var note: String?

    package struct Checked {
        package var name: String
        package var gender: Gender
        package var birthDate: LocalDate?
        package var education: Education?
        package var politicalStatus: PoliticalStatus?
        package var origin: PersonOrigin?
        package var unit: OrgUnit
        package var phone: String
        package var note: String
    }

    package func check(scope: UnitPath, today: LocalDate, on db: any Database) async throws -> Checked {
        var errors: [FieldError] = []
        let name = (name ?? "").trimmingCharacters(in: .whitespaces)
        if name.isEmpty { errors.append(.init("name", "姓名", "不能为空")) }
        else if name.count > 50 { errors.append(.init("name", "姓名", "不能超过50个字")) }
        let gender = Gender(rawValue: (gender ?? "").trimmingCharacters(in: .whitespaces))
        if gender == nil { errors.append(.init("gender", "性别", "请选择男或女")) }
        let birth = try parseDate(birthDate, "birthDate", "出生日期", &errors)
        if let birth, birth > today { errors.append(.init("birthDate", "出生日期", "不能晚于今天")) }
        if let birth, birth.age(on: today) > 120 { errors.append(.init("birthDate", "出生日期", "年龄超过120岁，请核对")) }
        func pick<E: RawRepresentable & CaseIterable>(_ raw: String?, _ field: String, _ label: String, _: E.Type) -> E?
        where E.RawValue == String {
            let text = (raw ?? "").trimmingCharacters(in: .whitespaces)
            if text.isEmpty { return nil }
            guard let value = E(rawValue: text) else {
                errors.append(.init(field, label, "「\(text)」不是可选值（可选：\(E.allCases.map(\.rawValue).joined(separator: "、"))）"))
                return nil
            }
            return value
        }
        let education = pick(education, "education", "学历", Education.self)
        let political = pick(politicalStatus, "politicalStatus", "政治面貌", PoliticalStatus.self)
        let origin = pick(origin, "origin", "人员来源", PersonOrigin.self)
        let code = (unitCode ?? "").trimmingCharacters(in: .whitespaces)
        var unit: OrgUnit?
        if code.isEmpty { errors.append(.init("unitCode", "所在单位", "不能为空")) }
        else if let u = try await OrgUnit.query(on: db).filter(\.$code == code).first(), scope.contains(u.unitPath) { unit = u }
        else { errors.append(.init("unitCode", "所在单位", "代码「\(code)」不存在或不在您的管理范围内")) }
        let phone = (phone ?? "").trimmingCharacters(in: .whitespaces).halfWidth
        if !phone.isEmpty, phone.count > 20 || !phone.allSatisfy({ $0.isNumber || $0 == "-" || $0 == " " }) {
            errors.append(.init("phone", "联系电话", "只能包含数字和短横线"))
        }
        let note = (note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        if note.count > 500 { errors.append(.init("note", "备注", "不能超过500个字")) }
        if !errors.isEmpty { throw ValidationFailure(errors) }
        return Checked(name: name, gender: gender!, birthDate: birth, education: education, politicalStatus: political,
                       origin: origin, unit: unit!, phone: phone, note: note)
    }
}

extension Person {
    package struct Snapshot: Encodable {
        package var name, gender: String
        package var birthDate, education, politicalStatus, origin: String?
        package var unitID: Int
        package var phone, note: String
    }

    package var snapshot: Snapshot {
        Snapshot(name: name, gender: gender, birthDate: birthDate, education: education,
                 politicalStatus: politicalStatus, origin: origin, unitID: $unit.id, phone: phone, note: note)
    }

    package func apply(_ c: PersonInput.Checked) {
        name = c.name
        gender = c.gender.rawValue
        birthDate = c.birthDate?.iso
        education = c.education?.rawValue
        politicalStatus = c.politicalStatus?.rawValue
        origin = c.origin?.rawValue
        $unit.id = c.unit.id!
        phone = c.phone
        note = c.note
    }
}

/// A position to add to a person.
package struct PositionInput: Content {
    package var unitCode: String?
    package var post: String?
    package var title: String?
    package var startOn: String?
    package var endOn: String?

    package func check(scope: UnitPath, on db: any Database) async throws -> (OrgUnit, Post, String, LocalDate, LocalDate?) {
        var errors: [FieldError] = []
        let code = (unitCode ?? "").trimmingCharacters(in: .whitespaces)
        var unit: OrgUnit?
        if code.isEmpty { errors.append(.init("unitCode", "任职单位", "不能为空")) }
        else if let u = try await OrgUnit.query(on: db).filter(\.$code == code).first(), scope.contains(u.unitPath) { unit = u }
        else { errors.append(.init("unitCode", "任职单位", "代码「\(code)」不存在或不在您的管理范围内")) }
        let post = Post(rawValue: post ?? "")
        if post == nil { errors.append(.init("post", "职务类别", "请选择")) }
        var title = (title ?? "").trimmingCharacters(in: .whitespaces)
        if title.isEmpty, let post { title = post.label }
        if title.count > 50 { errors.append(.init("title", "职务名称", "不能超过50个字")) }
        let start = try parseDate(startOn, "startOn", "任职日期", &errors)
        if start == nil, !errors.contains(where: { $0.field == "startOn" }) { errors.append(.init("startOn", "任职日期", "不能为空")) }
        let end = try parseDate(endOn, "endOn", "离任日期", &errors)
        if let s = start, let e = end, e < s { errors.append(.init("endOn", "离任日期", "不能早于任职日期")) }
        if !errors.isEmpty { throw ValidationFailure(errors) }
        return (unit!, post!, title, start!, end)
    }
}
