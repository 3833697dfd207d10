import Fluent
import LvzeCore
import SQLKit
import Vapor

/// The organisation tree: browse, create, edit, move a subtree, delete, and dated flags.
/// Units are read by business users and the system administrator; written by clerks and
/// the system administrator; flags (business data) only by clerks.
struct UnitController {
    static let readers: [Role] = [.sysadmin, .leader, .clerk, .reviewer, .discipline]
    static let writers: [Role] = [.sysadmin, .clerk]

    func boot(routes: any RoutesBuilder) {
        routes.get(.units, use: tree)
        routes.get(.unitNew, use: newPage)
        routes.get(.unitSearch, use: search)
        routes.post(.units, use: create)
        routes.get(.unit, use: show)
        routes.get(.unitEdit, use: editPage)
        routes.post(.unit, use: update)
        routes.get(.unitMove, use: movePage)
        routes.post(.unitMove, use: move)
        routes.post(.unitDelete, use: delete)
        routes.post(.unitFlags, use: setFlag)
        routes.post(.unitFlagClear, use: clearFlag)
    }

    // MARK: - Tree

    struct TreeRow: Encodable {
        var id: Int
        var code: String
        var name: String
        var kind: String
        var depth: Int
        var indent: Int
        var dissolved: Bool
        var flags: String
        var hiddenChildren: Int
    }

    struct TreeContent: Encodable {
        var root: UnitSummary
        var breadcrumbs: [UnitSummary]
        var rows: [TreeRow]
        var query: String
        var kind: String
        var kinds: [Option]
        var canWrite: Bool
        var total: Int
        var truncated: Bool
    }

    struct UnitSummary: Encodable {
        var id: Int
        var code: String
        var name: String
        var kind: String
    }

    typealias Option = SelectOption

    /// Shows the focused unit with two levels below it; deeper parts are one click away, so
    /// the page stays short for a district of thousands of units.
    func tree(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let query = ((try? req.query.get(String.self, at: "q")) ?? "").trimmingCharacters(in: .whitespaces)
        let kindFilter = (try? req.query.get(String.self, at: "kind")) ?? ""
        var root = p.unit
        if let rootID = try? req.query.get(Int.self, at: "root") {
            root = try await scopedUnit(rootID, p, req)
        }
        var builder = OrgUnit.query(on: req.db).within(root.unitPath)
        let searching = !query.isEmpty || UnitKind(rawValue: kindFilter) != nil
        if searching {
            if !query.isEmpty {
                builder = builder.group(.or) { $0.filter(OrgUnit.schema, "name", contains: query).filter(OrgUnit.schema, "code", contains: query) }
            }
            if let k = UnitKind(rawValue: kindFilter) { builder = builder.filter(\.$kind == k.rawValue) }
        } else {
            builder = builder.filter(\.$depth <= root.depth + 2)
        }
        let limit = 1000
        let units = try await builder.sort(\.$path).limit(limit + 1).all()
        let truncated = units.count > limit
        let shown = Array(units.prefix(limit))
        let flags = try await activeFlags(for: shown.compactMap(\.id), on: req.db)
        var childCounts: [Int: Int] = [:]
        if !searching {
            // How many children of the deepest shown level are hidden, to offer a link there.
            let edge = shown.filter { $0.depth == root.depth + 2 }.compactMap(\.id)
            if !edge.isEmpty {
                let rows = try await req.db.sql.select().column("parent_id").column(SQLFunction("count", args: SQLLiteral.all), as: "n")
                    .from("units").where("parent_id", .in, edge).groupBy("parent_id").all()
                for row in rows {
                    childCounts[try row.decode(column: "parent_id", as: Int.self)] = try row.decode(column: "n", as: Int.self)
                }
            }
        }
        let ordered = searching ? shown : treeOrder(shown, rootID: root.id!)
        let rows = ordered.map { u in
            TreeRow(id: u.id!, code: u.code, name: u.name, kind: u.unitKind.label, depth: u.depth,
                    indent: searching ? 0 : min(u.depth - root.depth, 6), dissolved: u.isDissolved,
                    flags: (flags[u.id!] ?? []).map(\.label).joined(separator: "、"),
                    hiddenChildren: childCounts[u.id!] ?? 0)
        }
        let crumbs = try await ancestors(of: root, within: p.scope, on: req.db)
        let content = TreeContent(
            root: summary(root), breadcrumbs: crumbs.map(summary), rows: rows, query: query, kind: kindFilter,
            kinds: UnitKind.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == kindFilter) },
            canWrite: p.hasAny(Self.writers), total: rows.count, truncated: truncated)
        return try await req.render("units/tree", title: "组织架构", content, section: SiteURL.system(.party).path)
    }

    /// Children after their parent, siblings by sort order then code.
    private func treeOrder(_ units: [OrgUnit], rootID: Int) -> [OrgUnit] {
        var children: [Int: [OrgUnit]] = [:]
        for u in units { if let parent = u.$parent.id { children[parent, default: []].append(u) } }
        var out: [OrgUnit] = []
        func visit(_ u: OrgUnit) {
            out.append(u)
            for c in (children[u.id!] ?? []).sorted(by: { ($0.sortOrder, $0.code) < ($1.sortOrder, $1.code) }) { visit(c) }
        }
        if let root = units.first(where: { $0.id == rootID }) { visit(root) }
        return out
    }

    func summary(_ u: OrgUnit) -> UnitSummary {
        UnitSummary(id: u.id!, code: u.code, name: u.name, kind: u.unitKind.label)
    }

    /// Ancestors from the top of the user's scope down to `unit`.
    private func ancestors(of unit: OrgUnit, within scope: UnitPath, on db: any Database) async throws -> [OrgUnit] {
        let ids = unit.unitPath.ids.dropLast()
        guard !ids.isEmpty else { return [] }
        let found = try await OrgUnit.query(on: db).filter(\.$id ~~ Array(ids)).all()
        return found.filter { scope.contains($0.unitPath) }.sorted { $0.depth < $1.depth }
    }

    func activeFlags(for ids: [Int], on db: any Database) async throws -> [Int: [UnitFlagKind]] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int: [UnitFlagKind]] = [:]
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            let flags = try await UnitFlag.query(on: db).filter(\.$unit.$id ~~ chunk).filter(\.$clearedOn == nil).all()
            for f in flags { out[f.$unit.id, default: []].append(f.kind) }
        }
        return out
    }

    // MARK: - Detail

    struct ShowContent: Encodable {
        struct FlagRow: Encodable {
            var id: Int
            var label: String
            var setOn: String
            var setReason: String
            var clearedOn: String
            var clearedLabel: String
            var clearedNote: String
            var active: Bool
        }
        struct PositionRow: Encodable {
            var personID: Int
            var personName: String
            var post: String
            var title: String
            var startOn: String
            var endOn: String
        }
        var unit: UnitSummary
        var parent: UnitSummary?
        var path: [UnitSummary]
        var foundedOn: String
        var dissolvedOn: String
        var note: String
        var children: [UnitSummary]
        var flags: [FlagRow]
        var positions: [PositionRow]
        var flagKinds: [Option]
        var canWrite: Bool
        var canFlag: Bool
        var canSeePeople: Bool
        var today: String
        var form: FormState
    }

    func show(req: Request) async throws -> Response {
        try await renderShow(req, form: FormState())
    }

    func renderShow(_ req: Request, form: FormState, status: HTTPStatus = .ok) async throws -> Response {
        let p = try req.require(Self.readers)
        let unit = try await scopedUnit(req.parameters.get("id", as: Int.self), p, req)
        let children = try await OrgUnit.query(on: req.db).filter(\.$parent.$id == unit.id!)
            .sort(\.$sortOrder).sort(\.$code).all()
        let parent = try await unit.$parent.get(on: req.db)
        let flags = try await UnitFlag.query(on: req.db).filter(\.$unit.$id == unit.id!).sort(\.$setOn, .descending).all()
        var positions: [ShowContent.PositionRow] = []
        if p.isBusinessUser {
            let held = try await Position.query(on: req.db).filter(\.$unit.$id == unit.id!).with(\.$person)
                .sort(\.$endOn).sort(\.$startOn, .descending).all()
            positions = held.map {
                ShowContent.PositionRow(personID: $0.person.id!, personName: $0.person.name, post: $0.postKind.label,
                                        title: $0.title, startOn: $0.startOn, endOn: $0.endOn ?? "至今")
            }
        }
        let crumbs = try await ancestors(of: unit, within: p.scope, on: req.db)
        let content = ShowContent(
            unit: summary(unit), parent: parent.flatMap { p.covers($0) ? summary($0) : nil }, path: crumbs.map(summary),
            foundedOn: unit.foundedOn ?? "", dissolvedOn: unit.dissolvedOn ?? "", note: unit.note,
            children: children.map(summary),
            flags: flags.map { f in
                ShowContent.FlagRow(id: f.id!, label: f.kind.label, setOn: f.setOn, setReason: f.setReason,
                                    clearedOn: f.clearedOn ?? "", clearedLabel: f.kind.clearedLabel,
                                    clearedNote: f.clearedNote, active: f.clearedOn == nil)
            },
            positions: positions,
            flagKinds: UnitFlagKind.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: false) },
            canWrite: p.hasAny(Self.writers), canFlag: p.has(.clerk), canSeePeople: p.isBusinessUser,
            today: LocalDate(req.now).iso, form: form)
        return try await req.render("units/show", title: unit.name, content, status: status, section: SiteURL.system(.party).path)
    }

    // MARK: - Create and edit

    struct FormContent: Encodable {
        var isNew: Bool
        var id: Int?
        var values: UnitInput
        var kinds: [Option]
        var parentName: String
        var form: FormState
    }

    func newPage(req: Request) async throws -> Response {
        let p = try req.require(Self.writers)
        var input = UnitInput()
        let parent = try await (try? req.query.get(Int.self, at: "parent")).asyncMap { try await scopedUnit($0, p, req) } ?? p.unit
        input.parentCode = parent.code
        return try await renderForm(req, isNew: true, id: nil, input: input, parentName: parent.name, form: FormState())
    }

    private func renderForm(_ req: Request, isNew: Bool, id: Int?, input: UnitInput, parentName: String,
                            form: FormState, status: HTTPStatus = .ok) async throws -> Response {
        let content = FormContent(
            isNew: isNew, id: id, values: input,
            kinds: UnitKind.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == input.kind) },
            parentName: parentName, form: form)
        return try await req.render("units/form", title: isNew ? "新增单位" : "编辑单位", content, status: status,
                                    section: SiteURL.system(.party).path)
    }

    func create(req: Request) async throws -> Response {
        let p = try req.require(Self.writers)
        let input = try req.content.decode(UnitInput.self)
        do {
            let checked = try await input.check(existing: nil, scope: p.scope, on: req.db)
            let unit = try await req.db.transaction { tx in
                let unit = try await OrgUnit.create(checked, on: tx)
                try await req.audit(.create, "unit", String(unit.id!), "新增单位「\(unit.name)」（\(unit.code)）",
                                    after: unit.snapshot, on: tx)
                return unit
            }
            return req.redirect(to: SiteURL.unit(unit.id!).path, flash: "已新增单位「\(unit.name)」")
        } catch let failure as ValidationFailure {
            return try await renderForm(req, isNew: true, id: nil, input: input, parentName: input.parentCode ?? "",
                                        form: FormState(failure), status: .unprocessableEntity)
        }
    }

    func editPage(req: Request) async throws -> Response {
        let p = try req.require(Self.writers)
        let unit = try await scopedUnit(req.parameters.get("id", as: Int.self), p, req)
        let input = UnitInput(code: unit.code, name: unit.name, kind: unit.kind, parentCode: nil,
                              foundedOn: unit.foundedOn, dissolvedOn: unit.dissolvedOn,
                              sortOrder: String(unit.sortOrder), note: unit.note)
        return try await renderForm(req, isNew: false, id: unit.id, input: input, parentName: "", form: FormState())
    }

    func update(req: Request) async throws -> Response {
        let p = try req.require(Self.writers)
        let unit = try await scopedUnit(req.parameters.get("id", as: Int.self), p, req)
        let input = try req.content.decode(UnitInput.self)
        do {
            let checked = try await input.check(existing: unit, scope: p.scope, on: req.db)
            let before = unit.snapshot
            unit.apply(checked)
            try await req.db.transaction { tx in
                try await unit.update(on: tx)
                try await req.audit(.update, "unit", String(unit.id!), "修改单位「\(unit.name)」", before: before,
                                    after: unit.snapshot, on: tx)
            }
            return req.redirect(to: SiteURL.unit(unit.id!).path, flash: "已保存")
        } catch let failure as ValidationFailure {
            return try await renderForm(req, isNew: false, id: unit.id, input: input, parentName: "",
                                        form: FormState(failure), status: .unprocessableEntity)
        }
    }

    struct Match: Content {
        var code: String
        var name: String
        /// The name with its parent's, as the list shows it (甲一村（甲镇）).
        var label: String
    }

    /// Type-ahead for unit fields: units in scope whose code starts with, or name contains,
    /// `q` — codes first — at most 20, as JSON.
    func search(req: Request) async throws -> [Match] {
        let p = try req.require(Self.readers)
        let q = (req.queryText("q") ?? "").trimmingCharacters(in: .whitespaces)
        guard !q.isEmpty, q.count <= 50 else { return [] }
        var units = try await OrgUnit.query(on: req.db).within(p.scope).filter(\.$code == q).all()
        units += try await OrgUnit.query(on: req.db).within(p.scope).group(.or) {
            $0.filter("units", "code", contains: q).filter("units", "name", contains: q)
        }.sort(\.$depth).sort(\.$sortOrder).sort(\.$code).limit(20).all()
        var seen = Set<Int>()
        units = units.filter { seen.insert($0.id!).inserted }
        let names = try await OrgUnit.qualifiedNames(Array(units.prefix(20)), on: req.db)
        return units.prefix(20).map { Match(code: $0.code, name: $0.name, label: names[$0.id!] ?? $0.name) }
    }
}
