import Fluent
import FluentSQL
import Foundation
import LvzeCore
import Vapor

/// Custom ledgers: the system administrator adds a ledger for a new campaign from a page,
/// with the same checks as the shipped catalogue, no restart and no code, and adds fields
/// later. A field that holds data cannot be dropped.
struct LedgerAdminController {
    static let fieldRows = 8

    func boot(routes: any RoutesBuilder) {
        routes.get(.ledgerAdmin, use: index)
        routes.post(.ledgerAdmin, use: create)
        routes.get(.ledgerAdminKind, use: show)
        routes.post(.ledgerAdminFields, use: addField)
        routes.post(.ledgerAdminFieldDelete, use: dropField)
    }

    typealias Option = SelectOption

    struct KindRow: Encodable {
        var id: String
        var name: String
        var system: String
        var fields: Int
        var builtIn: Bool
        var workflow: Bool
        var readers: String
    }

    struct FieldInput: Codable {
        var id: String?
        var label: String?
        var type: String?
        var required: String?
        var values: String?
        var aliases: String?
    }

    struct IndexContent: Encodable {
        var kinds: [KindRow]
        var systems: [Option]
        var types: [Option]
        var roles: [Option]
        var values: NewLedgerForm
        var rows: [Int]
        var errors: [String]
        var hasErrors: Bool
    }

    struct NewLedgerForm: Content {
        var id: String?
        var name: String?
        var system: String?
        var workflow: String?
        var description: String?
        var readers: [String]?
        var fields: [FieldInput]?
    }

    private func render(_ req: Request, form: NewLedgerForm, errors: [String], status: HTTPStatus = .ok) async throws -> Response {
        let kinds = req.lvze.catalogue.catalogue.kinds.map {
            KindRow(id: $0.id, name: $0.name, system: $0.system.label, fields: $0.fields.count, builtIn: $0.builtIn,
                    workflow: $0.workflow, readers: $0.readers.sorted().map(\.label).joined(separator: "、"))
        }
        var values = form
        let fields = values.fields ?? []
        values.fields = (0..<Self.fieldRows).map { $0 < fields.count ? fields[$0] : FieldInput() }
        return try await req.render("admin/ledgers", title: "台账目录", IndexContent(
            kinds: kinds,
            systems: LedgerSystem.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == form.system) },
            types: FieldType.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: false) },
            roles: Role.allCases.filter(\.isBusiness).map {
                Option(value: $0.rawValue, label: $0.label, selected: form.readers?.contains($0.rawValue) ?? false)
            },
            values: values, rows: Array(0..<Self.fieldRows), errors: errors, hasErrors: !errors.isEmpty), status: status, section: Endpoint.admin.url().path)
    }

    func index(req: Request) async throws -> Response {
        try req.require(.sysadmin)
        return try await render(req, form: NewLedgerForm(system: "common", readers: LedgerKind.defaultReaders.map(\.rawValue)), errors: [])
    }

    /// A field from one row of the form; nil for a blank row.
    static func field(from input: FieldInput, row: Int, problems: inout [String]) -> FieldSpec? {
        let id = (input.id ?? "").trimmingCharacters(in: .whitespaces)
        let label = (input.label ?? "").trimmingCharacters(in: .whitespaces)
        if id.isEmpty && label.isEmpty { return nil }
        let prefix = row > 0 ? "第\(row)个字段" : "字段"
        guard let type = FieldType(rawValue: input.type ?? "") else { problems.append("\(prefix)：请选择类型"); return nil }
        if id.isEmpty { problems.append("\(prefix)：缺少字段编号") }
        if label.isEmpty { problems.append("\(prefix)：缺少字段名称") }
        func list(_ text: String?) -> [String] {
            (text ?? "").halfWidth.split(whereSeparator: { ",，、;；\n".contains($0) })
                .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return FieldSpec(id: id, label: label, type: type, required: input.required == "on" || input.required == "true",
                         values: type == .enumeration ? list(input.values) : [], aliases: list(input.aliases))
    }

    func create(req: Request) async throws -> Response {
        let p = try req.require(.sysadmin)
        let form = try req.content.decode(NewLedgerForm.self)
        var problems: [String] = []
        let id = (form.id ?? "").trimmingCharacters(in: .whitespaces)
        if req.lvze.catalogue[id] != nil { problems.append("台账编号「\(id)」已被使用") }
        guard let system = LedgerSystem(rawValue: form.system ?? "") else {
            return try await render(req, form: form, errors: ["请选择所属责任制"], status: .unprocessableEntity)
        }
        var fields: [FieldSpec] = []
        for (i, input) in (form.fields ?? []).enumerated() {
            if let f = Self.field(from: input, row: i + 1, problems: &problems) { fields.append(f) }
        }
        if fields.isEmpty { problems.append("至少要有一个字段") }
        var readers: Set<Role> = []
        for r in form.readers ?? [] {
            if let role = Role(rawValue: r) { readers.insert(role) } else { problems.append("「\(r)」不是角色") }
        }
        let workflow = form.workflow == "on" || form.workflow == "true"
        if workflow {
            for standard in LedgerKind.workflowFields where !fields.contains(where: { $0.id == standard.id }) { fields.append(standard) }
        }
        let title = fields.first(where: { $0.type == .text || $0.type == .longText })?.id ?? fields.first?.id ?? ""
        let kind = LedgerKind(id: id, name: (form.name ?? "").trimmingCharacters(in: .whitespaces), system: system, fields: fields,
                              listColumns: Array(fields.prefix(5).map(\.id)), titleField: title,
                              dateField: fields.first(where: { $0.type == .date })?.id, workflow: workflow, readers: readers,
                              writers: [.clerk], sensitive: readers == [.discipline], builtIn: false,
                              description: (form.description ?? "").trimmingCharacters(in: .whitespaces))
        problems += CatalogueLoader.check(kind)
        if !problems.isEmpty { return try await render(req, form: form, errors: problems, status: .unprocessableEntity) }
        try await save(kind, req: req, principal: p, summary: "新增自定义台账「\(kind.name)」（\(kind.id)），\(kind.fields.count)个字段")
        return req.redirect(to: Endpoint.ledgerAdminKind.url(kind.id).path, flash: "已新增台账「\(kind.name)」，经办人现在即可录入")
    }

    private func save(_ kind: LedgerKind, req: Request, principal: Principal, summary: String) async throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let definition = String(decoding: try encoder.encode(kind), as: UTF8.self)
        try await req.db.transaction { tx in
            if let row = try await CustomKind.find(kind.id, on: tx) {
                row.definition = definition
                try await row.update(on: tx)
            } else {
                let row = CustomKind()
                row.id = kind.id
                row.definition = definition
                row.createdBy = principal.userID
                try await row.create(on: tx)
            }
            try await req.audit(.settingsChanged, "ledger_kind", kind.id, summary, after: ["fields": kind.fields.map(\.id)], on: tx)
            try await RecordSlots.sync(kind, on: tx)
        }
        req.lvze.catalogue.upsert(kind)
    }

    struct ShowContent: Encodable {
        struct FieldRow: Encodable {
            var id: String
            var label: String
            var type: String
            var required: Bool
            var values: String
            var aliases: String
            var used: Int
        }
        var id: String
        var name: String
        var system: String
        var builtIn: Bool
        var workflow: Bool
        var fields: [FieldRow]
        var types: [Option]
        var errors: [String]
        var hasErrors: Bool
        var values: FieldInput
    }

    private func showKind(_ req: Request, errors: [String], values: FieldInput, status: HTTPStatus = .ok) async throws -> Response {
        try req.require(.sysadmin)
        guard let kind = req.lvze.catalogue[req.parameters.get("kind") ?? ""] else { throw Abort(.notFound, reason: "台账不存在") }
        let used = try await usage(kind, fields: kind.fields.map(\.id), on: req.db)
        let rows = kind.fields.map { f in
            ShowContent.FieldRow(id: f.id, label: f.label, type: f.type.label, required: f.required, values: f.values.joined(separator: "、"),
                                 aliases: f.aliases.joined(separator: "、"), used: used[f.id] ?? 0)
        }
        return try await req.render("admin/ledger", title: kind.name, ShowContent(
            id: kind.id, name: kind.name, system: kind.system.label, builtIn: kind.builtIn, workflow: kind.workflow, fields: rows,
            types: FieldType.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == values.type) },
            errors: errors, hasErrors: !errors.isEmpty, values: values), status: status, section: Endpoint.admin.url().path)
    }

    func show(req: Request) async throws -> Response {
        try await showKind(req, errors: [], values: FieldInput())
    }

    /// How many records hold a value for each field, in one pass over the kind's records.
    func usage(_ kind: LedgerKind, fields: [String], on db: any Database) async throws -> [String: Int] {
        guard !fields.isEmpty else { return [:] }
        let sums = fields.enumerated().map { i, field in
            "SUM(CASE WHEN \(jsonText(field, db.dialect)) IS NOT NULL THEN 1 ELSE 0 END) AS u\(i)"
        }.joined(separator: ", ")
        guard let row = try await db.sql.raw("SELECT \(unsafeRaw: sums) FROM records WHERE kind = \(bind: kind.id)").first() else { return [:] }
        var out: [String: Int] = [:]
        for (i, field) in fields.enumerated() { out[field] = (try? row.decode(column: "u\(i)", as: Int?.self)) ?? 0 }
        return out
    }

    func addField(req: Request) async throws -> Response {
        let p = try req.require(.sysadmin)
        guard var kind = req.lvze.catalogue[req.parameters.get("kind") ?? ""] else { throw Abort(.notFound, reason: "台账不存在") }
        let input = try req.content.decode(FieldInput.self)
        guard !kind.builtIn else {
            return try await showKind(req, errors: ["内置台账的字段由台账目录文件定义，不能在此修改"], values: input, status: .unprocessableEntity)
        }
        var problems: [String] = []
        guard let field = Self.field(from: input, row: 0, problems: &problems), problems.isEmpty else {
            return try await showKind(req, errors: problems.isEmpty ? ["请填写字段"] : problems, values: input, status: .unprocessableEntity)
        }
        if field.required, try await LedgerRecord.query(on: req.db).filter(\.$kind == kind.id).count() > 0 {
            problems.append("台账已有记录，新增的字段不能设为必填（已有记录没有这个字段的值）")
        }
        kind.fields.append(field)
        problems += CatalogueLoader.check(kind)
        if !problems.isEmpty { return try await showKind(req, errors: problems, values: input, status: .unprocessableEntity) }
        try await save(kind, req: req, principal: p, summary: "台账「\(kind.name)」新增字段「\(field.label)」")
        return req.redirect(to: Endpoint.ledgerAdminKind.url(kind.id).path, flash: "已新增字段「\(field.label)」")
    }

    func dropField(req: Request) async throws -> Response {
        let p = try req.require(.sysadmin)
        guard var kind = req.lvze.catalogue[req.parameters.get("kind") ?? ""], let fieldID = req.parameters.get("field"),
              let field = kind.field(fieldID) else { throw Abort(.notFound, reason: "台账或字段不存在") }
        var problems: [String] = []
        if kind.builtIn { problems.append("内置台账的字段不能删除") }
        let used = try await usage(kind, fields: [fieldID], on: req.db)[fieldID] ?? 0
        if used > 0 { problems.append("字段「\(field.label)」已有\(used)条记录填写了内容，不能删除") }
        if kind.workflow, LedgerKind.workflowFields.contains(where: { $0.id == fieldID }) { problems.append("整改流程字段「\(field.label)」不能删除") }
        kind.fields.removeAll { $0.id == fieldID }
        kind.listColumns.removeAll { $0 == fieldID }
        if kind.titleField == fieldID { problems.append("「\(field.label)」是标题字段，不能删除") }
        if kind.dateField == fieldID { kind.dateField = nil }
        if problems.isEmpty { problems += CatalogueLoader.check(kind) }
        if !problems.isEmpty { return try await showKind(req, errors: problems, values: FieldInput(), status: .unprocessableEntity) }
        try await save(kind, req: req, principal: p, summary: "台账「\(kind.name)」删除字段「\(field.label)」")
        return req.redirect(to: Endpoint.ledgerAdminKind.url(kind.id).path, flash: "已删除字段「\(field.label)」")
    }
}
