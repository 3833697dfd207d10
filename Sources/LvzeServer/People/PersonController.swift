import Fluent
import LvzeCore
import SQLKit
import Vapor

/// People and the positions they hold. Personal data is business data: the three
/// administrators do not see it.
struct PersonController {
    static let readers: [Role] = [.leader, .clerk, .reviewer, .discipline]

    func boot(routes: any RoutesBuilder) {
        routes.get(.people, use: list)
        routes.get(.personNew, use: newPage)
        routes.post(.people, use: create)
        routes.get(.person, use: show)
        routes.get(.personEdit, use: editPage)
        routes.post(.person, use: update)
        routes.post(.personDelete, use: delete)
        routes.post(.personPositions, use: addPosition)
        routes.post(.personPositionEnd, use: endPosition)
        routes.get(.incumbents, use: incumbents)
    }

    struct Row: Encodable {
        var id: Int
        var name: String
        var gender: String
        var age: String
        var education: String
        var politicalStatus: String
        var origin: String
        var unitName: String
        var positions: String
    }

    struct ListContent: Encodable {
        var rows: [Row]
        var q: String
        var total: Int
        var page: Int
        var pages: Int
        var prev: String?
        var next: String?
        var canWrite: Bool
    }

    func list(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let q = ((try? req.query.get(String.self, at: "q")) ?? "").trimmingCharacters(in: .whitespaces)
        let pageSize = 50
        let page = max(1, (try? req.query.get(Int.self, at: "page")) ?? 1)
        func base() -> QueryBuilder<Person> {
            var b = Person.query(on: req.db).join(OrgUnit.self, on: \Person.$unit.$id == \OrgUnit.$id)
                .filter(OrgUnit.self, \.$path >= p.scope.value).filter(OrgUnit.self, \.$path < p.scope.subtreeUpperBound)
            if !q.isEmpty { b = b.group(.or) { $0.filter(Person.schema, "name", contains: q).filter(OrgUnit.schema, "name", contains: q) } }
            return b
        }
        let total = try await base().count()
        let people = try await base().sort(\.$name).sort(\.$id).range(((page - 1) * pageSize)..<(page * pageSize)).all()
        let today = LocalDate(req.now)
        let ids = people.compactMap(\.id)
        var held: [Int: [String]] = [:]
        if !ids.isEmpty {
            let positions = try await Position.query(on: req.db).filter(\.$person.$id ~~ ids).filter(\.$endOn == nil)
                .with(\.$unit).all()
            for pos in positions { held[pos.$person.id, default: []].append("\(pos.unit.name)\(pos.title)") }
        }
        let rows = try people.map { person in
            Row(id: person.id!, name: person.name, gender: person.gender,
                age: person.birthDate.flatMap(LocalDate.parse).map { String($0.age(on: today)) } ?? "",
                education: person.education ?? "", politicalStatus: person.politicalStatus ?? "",
                origin: person.origin ?? "", unitName: try person.joined(OrgUnit.self).name,
                positions: (held[person.id!] ?? []).joined(separator: "；"))
        }
        let pages = max(1, (total + pageSize - 1) / pageSize)
        let qs = q.isEmpty ? "" : "&q=" + (q.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
        return try await req.render("people/list", title: "人员", ListContent(
            rows: rows, q: q, total: total, page: page, pages: pages,
            prev: page > 1 ? "?page=\(page - 1)\(qs)" : nil, next: page < pages ? "?page=\(page + 1)\(qs)" : nil,
            canWrite: p.has(.clerk)), section: SiteURL.system(.party).path)
    }

    typealias Option = SelectOption

    struct FormContent: Encodable {
        var isNew: Bool
        var id: Int?
        var values: PersonInput
        var genders: [Option]
        var educations: [Option]
        var politicalStatuses: [Option]
        var origins: [Option]
        var form: FormState
    }

    private func options<E: RawRepresentable & CaseIterable>(_: E.Type, _ selected: String?) -> [Option] where E.RawValue == String {
        E.allCases.map { Option(value: $0.rawValue, label: $0.rawValue, selected: $0.rawValue == selected) }
    }

    private func renderForm(_ req: Request, isNew: Bool, id: Int?, input: PersonInput, form: FormState,
                            status: HTTPStatus = .ok) async throws -> Response {
        try await req.render("people/form", title: isNew ? "新增人员" : "编辑人员", FormContent(
            isNew: isNew, id: id, values: input, genders: options(Gender.self, input.gender),
            educations: options(Education.self, input.education),
            politicalStatuses: options(PoliticalStatus.self, input.politicalStatus),
            origins: options(PersonOrigin.self, input.origin), form: form), status: status, section: SiteURL.system(.party).path)
    }

    func newPage(req: Request) async throws -> Response {
        let p = try req.require(.clerk)
        var input = PersonInput()
        input.unitCode = p.unit.code
        if let id = try? req.query.get(Int.self, at: "unit") { input.unitCode = try await scopedUnit(id, p, req).code }
        return try await renderForm(req, isNew: true, id: nil, input: input, form: FormState())
    }

    func create(req: Request) async throws -> Response {
        let p = try req.require(.clerk)
        let input = try req.content.decode(PersonInput.self)
        do {
            let checked = try await input.check(scope: p.scope, today: LocalDate(req.now), on: req.db)
            let person = Person()
            person.apply(checked)
            try await req.db.transaction { tx in
                try await person.create(on: tx)
                try await req.audit(.create, "person", String(person.id!), "新增人员「\(person.name)」", after: person.snapshot, on: tx)
            }
            return req.redirect(to: SiteURL.person(person.id!).path, flash: "已新增人员「\(person.name)」")
        } catch let failure as ValidationFailure {
            return try await renderForm(req, isNew: true, id: nil, input: input, form: FormState(failure), status: .unprocessableEntity)
        }
    }

    struct ShowContent: Encodable {
        struct PositionRow: Encodable {
            var id: Int
            var unitID: Int
            var unitName: String
            var post: String
            var title: String
            var startOn: String
            var endOn: String
            var current: Bool
        }
        var id: Int
        var name: String
        var gender: String
        var birthDate: String
        var age: String
        var education: String
        var politicalStatus: String
        var origin: String
        var unitID: Int
        var unitName: String
        var phone: String
        var note: String
        var positions: [PositionRow]
        var posts: [Option]
        var canWrite: Bool
        var today: String
        var form: FormState
        var positionValues: PositionInput
    }

    func show(req: Request) async throws -> Response {
        try await renderShow(req, form: FormState(), positionValues: PositionInput())
    }

    private func renderShow(_ req: Request, form: FormState, positionValues: PositionInput,
                            status: HTTPStatus = .ok) async throws -> Response {
        let p = try req.require(Self.readers)
        let (person, unit) = try await scopedPerson(req.parameters.get("id", as: Int.self), p, req)
        let positions = try await Position.query(on: req.db).filter(\.$person.$id == person.id!).with(\.$unit)
            .sort(\.$startOn, .descending).all()
        let today = LocalDate(req.now)
        let content = ShowContent(
            id: person.id!, name: person.name, gender: person.gender, birthDate: person.birthDate ?? "",
            age: person.birthDate.flatMap(LocalDate.parse).map { "\($0.age(on: today))岁" } ?? "",
            education: person.education ?? "", politicalStatus: person.politicalStatus ?? "", origin: person.origin ?? "",
            unitID: unit.id!, unitName: unit.name, phone: person.phone, note: person.note,
            positions: positions.map {
                ShowContent.PositionRow(id: $0.id!, unitID: $0.unit.id!, unitName: $0.unit.name, post: $0.postKind.label,
                                        title: $0.title, startOn: $0.startOn, endOn: $0.endOn ?? "", current: $0.endOn == nil)
            },
            posts: Post.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == positionValues.post) },
            canWrite: p.has(.clerk), today: today.iso, form: form, positionValues: positionValues)
        return try await req.render("people/show", title: person.name, content, status: status, section: SiteURL.system(.party).path)
    }

    func editPage(req: Request) async throws -> Response {
        let p = try req.require(.clerk)
        let (person, unit) = try await scopedPerson(req.parameters.get("id", as: Int.self), p, req)
        let input = PersonInput(name: person.name, gender: person.gender, birthDate: person.birthDate,
                                education: person.education, politicalStatus: person.politicalStatus,
                                origin: person.origin, unitCode: unit.code, phone: person.phone, note: person.note)
        return try await renderForm(req, isNew: false, id: person.id, input: input, form: FormState())
    }

    func update(req: Request) async throws -> Response {
        let p = try req.require(.clerk)
        let (person, _) = try await scopedPerson(req.parameters.get("id", as: Int.self), p, req)
        let input = try req.content.decode(PersonInput.self)
        do {
            let checked = try await input.check(scope: p.scope, today: LocalDate(req.now), on: req.db)
            let before = person.snapshot
            person.apply(checked)
            try await req.db.transaction { tx in
                try await person.update(on: tx)
                try await req.audit(.update, "person", String(person.id!), "修改人员「\(person.name)」",
                                    before: before, after: person.snapshot, on: tx)
            }
            return req.redirect(to: SiteURL.person(person.id!).path, flash: "已保存")
        } catch let failure as ValidationFailure {
            return try await renderForm(req, isNew: false, id: person.id, input: input, form: FormState(failure),
                                        status: .unprocessableEntity)
        }
    }

    func delete(req: Request) async throws -> Response {
        let p = try req.require(.clerk)
        let (person, _) = try await scopedPerson(req.parameters.get("id", as: Int.self), p, req)
        let positions = try await Position.query(on: req.db).filter(\.$person.$id == person.id!).all()
        try await req.db.transaction { tx in
            try await Position.query(on: tx).filter(\.$person.$id == person.id!).delete()
            try await person.delete(on: tx)
            try await req.audit(.delete, "person", String(person.id!),
                                "删除人员「\(person.name)」及其\(positions.count)条任职记录", before: person.snapshot, on: tx)
        }
        return req.redirect(to: SiteURL.people.path, flash: "已删除人员「\(person.name)」")
    }

    func addPosition(req: Request) async throws -> Response {
        let p = try req.require(.clerk)
        let (person, _) = try await scopedPerson(req.parameters.get("id", as: Int.self), p, req)
        let input = try req.content.decode(PositionInput.self)
        do {
            let (unit, post, title, start, end) = try await input.check(scope: p.scope, on: req.db)
            let position = Position()
            position.$person.id = person.id!
            position.$unit.id = unit.id!
            position.post = post.rawValue
            position.title = title
            position.startOn = start.iso
            position.endOn = end?.iso
            try await req.db.transaction { tx in
                try await position.create(on: tx)
                try await req.audit(.create, "position", String(position.id!),
                                    "「\(person.name)」任「\(unit.name)」\(title)（\(start.iso)起）", on: tx)
            }
            return req.redirect(to: SiteURL.person(person.id!).path, flash: "已添加任职")
        } catch let failure as ValidationFailure {
            return try await renderShow(req, form: FormState(failure), positionValues: input, status: .unprocessableEntity)
        }
    }

    struct EndForm: Content { var endOn: String? }

    func endPosition(req: Request) async throws -> Response {
        let p = try req.require(.clerk)
        let (person, _) = try await scopedPerson(req.parameters.get("id", as: Int.self), p, req)
        guard let pid = req.parameters.get("positionID", as: Int.self),
              let position = try await Position.find(pid, on: req.db), position.$person.id == person.id else {
            throw Abort(.notFound)
        }
        let form = try req.content.decode(EndForm.self)
        var errors: [FieldError] = []
        let end = try parseDate(form.endOn, "endOn", "离任日期", &errors)
        if end == nil, errors.isEmpty { errors.append(.init("endOn", "离任日期", "不能为空")) }
        if let end, end.iso < position.startOn { errors.append(.init("endOn", "离任日期", "不能早于任职日期\(position.startOn)")) }
        if position.endOn != nil { errors.append(.init("endOn", "离任日期", "该任职已于\(position.endOn!)结束")) }
        if !errors.isEmpty {
            return try await renderShow(req, form: FormState(ValidationFailure(errors)), positionValues: PositionInput(),
                                        status: .unprocessableEntity)
        }
        position.endOn = end!.iso
        try await req.db.transaction { tx in
            try await position.update(on: tx)
            try await req.audit(.update, "position", String(pid), "「\(person.name)」\(position.title)任职结束于\(end!.iso)", on: tx)
        }
        return req.redirect(to: SiteURL.person(person.id!).path, flash: "已记录离任")
    }

    // MARK: - Incumbents on a date

    struct IncumbentsContent: Encodable {
        struct Row: Encodable {
            var personID: Int
            var name: String
            var gender: String
            var age: String
            var education: String
            var origin: String
            var unitName: String
            var title: String
            var startOn: String
        }
        var date: String
        var post: String
        var kind: String
        var posts: [Option]
        var kinds: [Option]
        var rows: [Row]
        var averageAge: String
        var collegeShare: String
        var error: String?
    }

    /// "Who held this post in these units on this day", e.g. the village party secretaries
    /// on 31 December, with the average age and the share with college education.
    func incumbents(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let today = LocalDate(req.now)
        let dateText = (try? req.query.get(String.self, at: "date")) ?? ""
        var error: String?
        var date = LocalDate(year: today.year - 1, month: 12, day: 31)!
        if !dateText.isEmpty {
            if let d = LocalDate.parse(dateText) { date = d } else { error = "«日期»：「\(dateText)」不是有效日期" }
        }
        let post = Post(rawValue: (try? req.query.get(String.self, at: "post")) ?? "") ?? .secretary
        let kindText = (try? req.query.get(String.self, at: "kind")) ?? UnitKind.village.rawValue
        let kind = UnitKind(rawValue: kindText)
        var rows: [IncumbentsContent.Row] = []
        var ages: [Int] = []
        var college = 0
        if error == nil {
            var builder = Position.query(on: req.db)
                .join(OrgUnit.self, on: \Position.$unit.$id == \OrgUnit.$id)
                .join(Person.self, on: \Position.$person.$id == \Person.$id)
                .filter(\.$post == post.rawValue)
                .filter(\.$startOn <= date.iso)
                .group(.or) { $0.filter(\.$endOn == nil).filter(\.$endOn >= date.iso) }
                .filter(OrgUnit.self, \.$path >= p.scope.value).filter(OrgUnit.self, \.$path < p.scope.subtreeUpperBound)
            if let kind { builder = builder.filter(OrgUnit.self, \.$kind == kind.rawValue) }
            let found = try await builder.sort(OrgUnit.self, \.$path).limit(5000).all()
            let names = try await OrgUnit.qualifiedNames(try found.map { try $0.joined(OrgUnit.self) }, on: req.db)
            for pos in found {
                let person = try pos.joined(Person.self)
                let unit = try pos.joined(OrgUnit.self)
                let age = person.birthDate.flatMap(LocalDate.parse)?.age(on: date)
                if let age { ages.append(age) }
                let edu = person.education.flatMap(Education.init(rawValue:))
                if edu?.isCollegeOrAbove == true { college += 1 }
                rows.append(.init(personID: person.id!, name: person.name, gender: person.gender,
                                  age: age.map(String.init) ?? "", education: person.education ?? "",
                                  origin: person.origin ?? "", unitName: names[unit.id!] ?? unit.name, title: pos.title,
                                  startOn: pos.startOn))
            }
        }
        let avg = ages.isEmpty ? "—" : String(format: "%.1f", Double(ages.reduce(0, +)) / Double(ages.count))
        let share = rows.isEmpty ? "—" : String(format: "%.1f%%", Double(college) * 100 / Double(rows.count))
        return try await req.render("people/incumbents", title: "在任查询", IncumbentsContent(
            date: date.iso, post: post.rawValue, kind: kind?.rawValue ?? "",
            posts: Post.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0 == post) },
            kinds: [Option(value: "", label: "全部单位类型", selected: kind == nil)]
                + UnitKind.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0 == kind) },
            rows: rows, averageAge: avg, collegeShare: share, error: error), section: SiteURL.system(.party).path)
    }
}

/// A person whose unit lies inside the principal's scope, or 404.
func scopedPerson(_ id: Int?, _ p: Principal, _ req: Request) async throws -> (Person, OrgUnit) {
    guard let id, let person = try await Person.find(id, on: req.db),
          let unit = try await OrgUnit.find(person.$unit.id, on: req.db), p.covers(unit) else {
        throw Abort(.notFound, reason: "人员不存在或不在您的权限范围内")
    }
    return (person, unit)
}
