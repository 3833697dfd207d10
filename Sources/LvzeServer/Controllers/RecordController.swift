import Fluent
import FluentSQL
import LvzeCore
import SQLKit
import Vapor

/// Records of any ledger kind: list, create, show with history, edit, delete, and the
/// rectification workflow steps. The catalogue decides fields, checks and permissions.
struct RecordController {
    func boot(routes: any RoutesBuilder) {
        routes.get("ledgers", use: index)
        routes.get("ledgers", ":kind", use: list)
        routes.get("ledgers", ":kind", "new", use: newPage)
        routes.post("ledgers", ":kind", upTo: "60mb", use: create)
        routes.get("ledgers", ":kind", ":id", use: show)
        routes.get("ledgers", ":kind", ":id", "edit", use: editPage)
        routes.post("ledgers", ":kind", ":id", upTo: "60mb", use: update)
        routes.post("ledgers", ":kind", ":id", "delete", use: delete)
        routes.post("ledgers", ":kind", ":id", "workflow", use: workflow)
        routes.post("ledgers", ":kind", ":id", "attachments", upTo: "60mb", use: upload)
        routes.get("attachments", ":id", use: download)
    }

    // MARK: - Access

    /// The kind named in the path if this user may read it; 404 otherwise (a discipline
    /// ledger does not exist for anyone but 纪检).
    static func readableKind(_ req: Request, _ p: Principal) throws -> LedgerKind {
        guard let id = req.parameters.get("kind"), let kind = req.lvze.catalogue[id], p.hasAny(Array(kind.readers)) else {
            throw Abort(.notFound, reason: "台账不存在或您无权查阅")
        }
        return kind
    }

    static func writableKind(_ req: Request, _ p: Principal) throws -> LedgerKind {
        let kind = try readableKind(req, p)
        guard p.hasAny(Array(kind.writers)) else {
            throw Abort(.forbidden, reason: "您可以查阅「\(kind.name)」，但录入和修改限\(kind.writers.sorted().map(\.label).joined(separator: "、"))")
        }
        return kind
    }

    /// A record of `kind` inside the user's scope, or 404. Reads of sensitive ledgers are audited.
    static func scopedRecord(_ req: Request, _ p: Principal, _ kind: LedgerKind, audit: Bool = true) async throws -> (LedgerRecord, OrgUnit) {
        guard let id = req.parameters.get("id", as: Int.self), let record = try await LedgerRecord.find(id, on: req.db),
              record.kind == kind.id, let unit = try await OrgUnit.find(record.$unit.id, on: req.db), p.covers(unit) else {
            throw Abort(.notFound, reason: "记录不存在或不在您的权限范围内")
        }
        if kind.sensitive, audit {
            try await req.audit(.sensitiveRead, kind.id, String(id), "查阅「\(kind.name)」记录「\(record.title)」")
        }
        return (record, unit)
    }

    // MARK: - Index

    struct IndexContent: Encodable {
        struct Group: Encodable {
            var label: String
            var kinds: [Item]
        }
        struct Item: Encodable {
            var id: String
            var name: String
            var description: String
            var workflow: Bool
            var count: Int
        }
        var groups: [Group]
    }

    func index(req: Request) async throws -> Response {
        let p = try req.require(SystemController.readers)
        let visible = req.lvze.catalogue.catalogue.kinds.filter { p.hasAny(Array($0.readers)) }
        let counts = try await Self.counts(visible.map(\.id), scope: p.scope, on: req.db)
        let groups = LedgerSystem.allCases.compactMap { system -> IndexContent.Group? in
            let kinds = visible.filter { $0.system == system }
            guard !kinds.isEmpty else { return nil }
            return .init(label: system.label, kinds: kinds.map {
                .init(id: $0.id, name: $0.name, description: $0.description, workflow: $0.workflow, count: counts[$0.id] ?? 0)
            })
        }
        return try await req.render("records/index", title: "台账", IndexContent(groups: groups), section: "/ledgers")
    }

    /// Record counts per kind in a scope, in one grouped query.
    static func counts(_ kinds: [String], scope: UnitPath, on db: any Database) async throws -> [String: Int] {
        guard !kinds.isEmpty else { return [:] }
        let rows = try await db.sql.select().column(SQLColumn("kind", table: "records"))
            .column(SQLFunction("count", args: SQLLiteral.all), as: "n")
            .from("records").join("units", on: SQLColumn("unit_id", table: "records"), .equal, SQLColumn("id", table: "units"))
            .where(SQLColumn("kind", table: "records"), .in, SQLBind.group(kinds))
            .where(SQLColumn("path", table: "units"), .greaterThanOrEqual, SQLBind(scope.value))
            .where(SQLColumn("path", table: "units"), .lessThan, SQLBind(scope.subtreeUpperBound))
            .groupBy(SQLColumn("kind", table: "records")).all()
        var out: [String: Int] = [:]
        for row in rows { out[try row.decode(column: "kind", as: String.self)] = try row.decode(column: "n", as: Int.self) }
        return out
    }

    // MARK: - List

    struct Column: Encodable {
        var id: String
        var label: String
    }

    struct Row: Encodable {
        var id: Int
        var cells: [String]
        var tier: String
    }

    typealias Option = SelectOption

    struct FilterField: Encodable {
        var id: String
        var label: String
        var isDate: Bool
        var options: [Option]
        var from: String
        var to: String
    }

    /// The table body, built here rather than in the template: on a busy list the template
    /// engine's per-cell expressions cost more than the database.
    static func tableBody(_ rows: [Row], kindID: String, linkColumn: Int, columns: Int) -> String {
        guard !rows.isEmpty else { return "<tr><td colspan=\"\(columns)\" class=\"empty\">没有符合条件的记录。</td></tr>" }
        var html = ""
        html.reserveCapacity(rows.count * 400)
        for r in rows {
            if r.tier.isEmpty { html += "<tr>" } else { html += "<tr class=\"tier-"; html += r.tier; html += "\">" }
            for (i, cell) in r.cells.enumerated() {
                if i == linkColumn {
                    html += "<td><a href=\"/ledgers/"
                    html += kindID
                    html += "/"
                    html += String(r.id)
                    html += "\">"
                    if cell.isEmpty { html += "（未填）" } else { appendEscapedHTML(cell, to: &html) }
                    html += "</a></td>"
                } else {
                    html += "<td>"
                    appendEscapedHTML(cell, to: &html)
                    html += "</td>"
                }
            }
            html += "</tr>\n"
        }
        return html
    }

    /// The list page's body, built here like its table: on a busy list the template engine's
    /// per-expression work cost more than the database.
    struct ListContent: Encodable {
        var body: String
    }

    /// The list page: title bar, filters, count, table and pager.
    static func listBody(kind: KindSummary, canWrite: Bool, exportQuery: String, problems: [String], filterForm: String,
                         total: Int, totalCapped: Bool, columns: [Column], tableBody: String, first: String?, next: String?) -> String {
        var html = ""
        html.reserveCapacity(tableBody.utf8.count + filterForm.utf8.count + 2048)
        func text(_ s: String) { appendEscapedHTML(s, to: &html) }
        html += "<p class=\"crumbs\"><a href=\""; text(kind.systemPath); html += "\">"; text(kind.system); html += "</a> ›</p>\n"
        html += "<div class=\"titlebar\">\n  <h1>"; text(kind.name); html += "</h1>\n  <div class=\"actions\">\n"
        for (format, label) in [("xlsx", "导出Excel"), ("csv", "导出CSV")] {
            html += "    <a class=\"button\" href=\"/ledgers/"; text(kind.id); html += "/export?"; text(exportQuery)
            html += "&amp;format=" + format + "\">" + label + "</a>\n"
        }
        if canWrite {
            html += "    <a class=\"button\" href=\"/ledgers/"; text(kind.id); html += "/import\">导入</a>"
            html += "<a class=\"button primary\" href=\"/ledgers/"; text(kind.id); html += "/new\">新增记录</a>\n"
        }
        html += "  </div>\n</div>\n"
        if !kind.description.isEmpty { html += "<p class=\"muted\">"; text(kind.description); html += "</p>\n" }
        if !problems.isEmpty {
            html += "<div class=\"errors\" role=\"alert\"><ul>"
            for e in problems { html += "<li>"; text(e); html += "</li>" }
            html += "</ul></div>\n"
        }
        html += filterForm
        html += "\n<p class=\"muted small\">符合条件" + String(total) + "条" + (totalCapped ? "以上" : "") + "。</p>\n"
        html += "<table class=\"data records\">\n<thead><tr>"
        for c in columns { html += "<th>"; text(c.label); html += "</th>" }
        html += "</tr></thead>\n<tbody>\n"
        html += tableBody
        html += "\n</tbody></table>\n<p class=\"pager\">"
        if let first { html += "<a href=\""; text(first); html += "\">‹ 回到第一页</a>" }
        html += " "
        if let next { html += "<a href=\""; text(next); html += "\">下一页 ›</a>" }
        html += "</p>\n"
        return html
    }

    /// The list's filter form: unit, year, status, each enum, yes/no and date field, text, sort.
    static func filterForm(kindID: String, workflow: Bool, unit: String, year: String, q: String, statuses: [Option],
                           filters: [FilterField], sorts: [Option]) -> String {
        var html = ""
        html.reserveCapacity(4096)
        func text(_ s: String) { appendEscapedHTML(s, to: &html) }
        func options(_ options: [Option]) {
            for o in options {
                html += "<option value=\""; text(o.value); html += o.selected ? "\" selected>" : "\">"; text(o.label); html += "</option>"
            }
        }
        html += "<form method=\"get\" action=\"/ledgers/"; text(kindID); html += "\" class=\"filters\">\n"
        html += "  <label>单位代码<input name=\"unit\" value=\""; text(unit); html += "\" placeholder=\"本单位及下级\" size=\"10\"></label>\n"
        html += "  <label>年度<input name=\"year\" value=\""; text(year); html += "\" inputmode=\"numeric\" size=\"5\"></label>\n"
        if workflow {
            html += "  <label>状态<select name=\"status\"><option value=\"\">全部</option>"; options(statuses); html += "</select></label>\n"
        }
        for f in filters {
            if f.isDate {
                html += "  <label>"; text(f.label); html += "起<input type=\"date\" name=\"f_"; text(f.id); html += "_from\" value=\""; text(f.from); html += "\"></label>\n"
                html += "  <label>"; text(f.label); html += "止<input type=\"date\" name=\"f_"; text(f.id); html += "_to\" value=\""; text(f.to); html += "\"></label>\n"
            } else {
                html += "  <label>"; text(f.label); html += "<select name=\"f_"; text(f.id); html += "\"><option value=\"\">全部</option>"
                options(f.options)
                html += "</select></label>\n"
            }
        }
        html += "  <label>关键词<input name=\"q\" value=\""; text(q); html += "\"></label>\n"
        html += "  <label>排序<select name=\"sort\">"; options(sorts); html += "</select></label>\n"
        html += "  <button type=\"submit\">查询</button>\n"
        html += "  <a href=\"/ledgers/"; text(kindID); html += "\">清除条件</a>\n</form>"
        return html
    }

    struct KindSummary: Encodable {
        var id: String
        var name: String
        var system: String
        var systemPath: String
        var workflow: Bool
        var description: String
    }

    static func summary(_ kind: LedgerKind) -> KindSummary {
        KindSummary(id: kind.id, name: kind.name, system: kind.system.label,
                    systemPath: kind.system == .common ? "/ledgers" : "/systems/\(kind.system.rawValue)",
                    workflow: kind.workflow, description: kind.description)
    }

    static let sortOptions: [(String, String)] = [
        ("-id", "最近录入在前"), ("id", "最早录入在前"), ("-record_date", "日期从近到远"), ("record_date", "日期从远到近"),
        ("due_date", "整改时限从近到远"), ("title", "标题"),
    ]

    /// Keyset pagination: the cursor is the last row's sort value and id, so every page
    /// costs the same however deep it is.
    func list(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.readableKind(req, p)
        let (filter, problems) = try await RecordFilter.from(req, kind: kind, scope: p.scope)
        let sort = (req.queryText("sort") ?? "-id")
        let sortKey = Self.sortOptions.map(\.0).contains(sort) && (sort != "due_date" || kind.workflow) ? sort : "-id"
        let after = req.queryText("after") ?? ""
        let pageSize = 50
        var rows: [Row] = []
        var total = 0
        var totalCapped = false
        var next: String?
        var records: [RecordRow] = []
        if problems.isEmpty {
            let counted: (count: Int, capped: Bool)
            (records, counted) = try await RecordRow.list(filter, sort: sortKey, after: after, limit: pageSize + 1, countingTo: 1_000, on: req.db)
            total = counted.count
            totalCapped = counted.capped
            if records.count > pageSize {
                records = Array(records.prefix(pageSize))
                let last = records.last!
                let cursor = Self.cursor(last, sortKey)
                next = Self.link(filter, sort: sortKey, extra: [("after", cursor)])
            }
            rows = try await Self.rows(records, kind: kind, req: req)
        }
        var columns = kind.listColumns.map { Column(id: $0, label: Self.columnLabel($0, kind)) }
        let filters = kind.fields.compactMap { f -> FilterField? in
            switch f.type {
            case .enumeration:
                return FilterField(id: f.id, label: f.label, isDate: false,
                                   options: f.values.map { Option(value: $0, label: $0, selected: filter.equals[f.id] == $0) }, from: "", to: "")
            case .boolean:
                return FilterField(id: f.id, label: f.label, isDate: false,
                                   options: [Option(value: "是", label: "是", selected: filter.equals[f.id] == "true"),
                                             Option(value: "否", label: "否", selected: filter.equals[f.id] == "false")], from: "", to: "")
            case .date:
                let r = filter.dateRanges[f.id]
                return FilterField(id: f.id, label: f.label, isDate: true, options: [], from: r?.from?.iso ?? "", to: r?.to?.iso ?? "")
            default: return nil
            }
        }
        let unitCode = req.queryText("unit") ?? ""
        var exportItems = filter.queryItems
        if !unitCode.isEmpty { exportItems.append(("unit", unitCode)) }
        let linkColumn = kind.listColumns.firstIndex(of: kind.titleField) ?? 0
        let form = Self.filterForm(
            kindID: kind.id, workflow: kind.workflow, unit: unitCode, year: filter.year.map(String.init) ?? "", q: filter.text,
            statuses: RectificationState.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: filter.status == $0) },
            filters: filters,
            sorts: Self.sortOptions.filter { $0.0 != "due_date" || kind.workflow }.map { Option(value: $0.0, label: $0.1, selected: $0.0 == sortKey) })
        let content = ListContent(body: Self.listBody(
            kind: Self.summary(kind), canWrite: p.hasAny(Array(kind.writers)), exportQuery: Self.encode(exportItems), problems: problems,
            filterForm: form, total: total, totalCapped: totalCapped, columns: columns,
            tableBody: Self.tableBody(rows, kindID: kind.id, linkColumn: linkColumn, columns: columns.count),
            first: after.isEmpty ? nil : Self.link(filter, sort: sortKey, extra: unitCode.isEmpty ? [] : [("unit", unitCode)]),
            next: next.map { $0 + (unitCode.isEmpty ? "" : "&unit=\(unitCode)") }))
        return try await req.render("records/list", title: kind.name, content, section: Self.summary(kind).systemPath)
    }

    static func cursor(_ r: RecordRow, _ sort: String) -> String {
        let column = sort.hasPrefix("-") ? String(sort.dropFirst()) : sort
        switch column {
        case "record_date": return "\(r.recordDate)|\(r.id)"
        case "due_date": return "\(r.dueDate ?? "")|\(r.id)"
        case "title": return "\(r.title)|\(r.id)"
        default: return String(r.id)
        }
    }

    static func encode(_ items: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return items.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed) ?? "")" }.joined(separator: "&")
    }

    static func link(_ filter: RecordFilter, sort: String, extra: [(String, String)]) -> String {
        "?" + encode(filter.queryItems + [("sort", sort)] + extra)
    }

    static func columnLabel(_ id: String, _ kind: LedgerKind) -> String {
        switch id {
        case "unit": return "责任单位"
        case "status": return "状态"
        case "updated_at": return "更新时间"
        default: return kind.field(id)?.header ?? kind.computedField(id)?.label ?? id
        }
    }

    /// Display rows with references resolved to names in two queries, not one per cell.
    static func rows(_ records: [RecordRow], kind: LedgerKind, req: Request) async throws -> [Row] {
        var known: [Int: String] = [:]
        for r in records { if let name = r.unitName { known[r.unitID] = name } }
        let names = try await ReferenceNames.load(records.map { ($0.unitID, $0.data) }, kind: kind, known: known, on: req.db)
        let today = LocalDate(req.now)
        let warning = req.lvze.settings.warningSettings
        // Only the listed fields are read, and what listed computed fields read.
        let computed = kind.listColumns.compactMap(kind.computedField)
        let inputs = Set(computed.flatMap(\.inputs.values))
        let listed = FieldJSON.Reader(fields: kind.fields.filter { kind.listColumns.contains($0.id) || inputs.contains($0.id) })
        return records.map { r in
            let values = listed.decode(r.data)
            let cells = kind.listColumns.map { column -> String in
                switch column {
                case "unit": return names.unit(r.unitID)
                case "status": return r.state?.label ?? ""
                case "updated_at": return ISOTime.local(r.updatedAt)
                default:
                    if let c = kind.computedField(column) { return c.evaluate(values, kind: kind, today: today)?.text ?? "" }
                    return names.display(values[column], field: kind.field(column))
                }
            }
            var tier = ""
            if kind.workflow, let state = r.state, let due = r.dueDate.flatMap(LocalDate.parse), let opened = LocalDate.parse(r.openedOn) {
                let schedule = RectificationSchedule(created: opened, deadline: due)
                tier = schedule.warningTier(on: today, isClosed: state.isClosed, settings: warning)?.rawValue ?? ""
            }
            return Row(id: r.id, cells: cells, tier: tier)
        }
    }

    // MARK: - Create and edit

    struct FormField: Encodable {
        var id: String
        var label: String
        var type: String
        var required: Bool
        var value: String
        var options: [Option]
        var error: String?
        var help: String
        var isLong: Bool
        var isEnum: Bool
        var isDate: Bool
        var isBool: Bool
        var isFile: Bool
        var isNumber: Bool
    }

    struct FormContent: Encodable {
        var kind: KindSummary
        var isNew: Bool
        var id: Int?
        var unit: String
        var unitError: String?
        var fields: [FormField]
        var errors: [String]
        var hasErrors: Bool
    }

    private func formFields(_ kind: LedgerKind, values: [String: String], errors: [FieldError], includeFiles: Bool) -> [FormField] {
        kind.fields.filter { includeFiles || $0.type != .attachments }.map { f in
            let value = values[f.id] ?? ""
            let options: [Option]
            switch f.type {
            case .enumeration: options = f.values.map { Option(value: $0, label: $0, selected: $0 == value) }
            case .boolean: options = ["是", "否"].map { Option(value: $0, label: $0, selected: $0 == value) }
            default: options = []
            }
            return FormField(id: f.id, label: f.header, type: f.type.rawValue, required: f.required, value: value, options: options,
                             error: errors.first { $0.field == f.id }?.message, help: f.help,
                             isLong: f.type == .longText, isEnum: f.type == .enumeration, isDate: f.type == .date,
                             isBool: f.type == .boolean, isFile: f.type == .attachments,
                             isNumber: [.integer, .decimal, .money].contains(f.type))
        }
    }

    private func renderForm(_ req: Request, kind: LedgerKind, isNew: Bool, id: Int?, unit: String, values: [String: String],
                            failure: ValidationFailure?, status: HTTPStatus = .ok) async throws -> Response {
        let errors = failure?.errors ?? []
        return try await req.render("records/form", title: (isNew ? "新增" : "编辑") + kind.name, FormContent(
            kind: Self.summary(kind), isNew: isNew, id: id, unit: unit, unitError: errors.first { $0.field == "unit" }?.message,
            fields: formFields(kind, values: values, errors: errors, includeFiles: isNew),
            errors: errors.map(\.description), hasErrors: !errors.isEmpty),
                                    status: status, section: Self.summary(kind).systemPath)
    }

    func newPage(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.writableKind(req, p)
        var values: [String: String] = [:]
        if let d = kind.dateField { values[d] = LocalDate(req.now).iso }
        if kind.workflow { values["progress"] = "0" }
        return try await renderForm(req, kind: kind, isNew: true, id: nil, unit: p.unit.code, values: values, failure: nil)
    }

    /// Form fields arrive as `f_<id>`; files for attachment fields in the same multipart body.
    static func formValues(_ req: Request, kind: LedgerKind) -> [String: String] {
        var raw: [String: String] = [:]
        for f in kind.fields where f.type != .attachments {
            if let v = try? req.content.get(String.self, at: "f_\(f.id)") { raw[f.id] = v }
        }
        return raw
    }

    func create(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.writableKind(req, p)
        let raw = Self.formValues(req, kind: kind)
        let unitRef = (try? req.content.get(String.self, at: "unit")) ?? ""
        var uploads: [RecordService.Upload] = []
        for f in kind.fields where f.type == .attachments {
            for file in ((try? req.content.get([File].self, at: "f_\(f.id)")) ?? []) where file.data.readableBytes > 0 {
                uploads.append(.init(field: f, name: file.filename, data: Data(buffer: file.data)))
            }
        }
        do {
            let (record, _) = try await req.records().create(kind, unitRef: unitRef, raw: raw, uploads: uploads)
            return req.redirect(to: "/ledgers/\(kind.id)/\(record.id!)", flash: "已保存「\(record.title)」")
        } catch let failure as ValidationFailure {
            return try await renderForm(req, kind: kind, isNew: true, id: nil, unit: unitRef, values: raw, failure: failure,
                                        status: .unprocessableEntity)
        }
    }

    func editPage(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.writableKind(req, p)
        let (record, unit) = try await Self.scopedRecord(req, p, kind, audit: false)
        var raw: [String: String] = [:]
        let names = try await ReferenceNames.load([record], kind: kind, on: req.db)
        for (k, v) in record.values(for: kind) {
            let field = kind.field(k)
            raw[k] = field?.type == .unit || field?.type == .person ? names.display(v, field: field) : v.display
        }
        for (k, v) in record.values(for: kind) where kind.field(k)?.type == .boolean { raw[k] = v.display }
        return try await renderForm(req, kind: kind, isNew: false, id: record.id, unit: unit.code, values: raw, failure: nil)
    }

    func update(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.writableKind(req, p)
        let (record, unit) = try await Self.scopedRecord(req, p, kind, audit: false)
        let raw = Self.formValues(req, kind: kind)
        let unitRef = (try? req.content.get(String.self, at: "unit")) ?? unit.code
        do {
            try await req.records().update(kind, record, unit: unit, unitRef: unitRef, raw: raw)
            return req.redirect(to: "/ledgers/\(kind.id)/\(record.id!)", flash: "已保存")
        } catch let failure as ValidationFailure {
            return try await renderForm(req, kind: kind, isNew: false, id: record.id, unit: unitRef, values: raw, failure: failure,
                                        status: .unprocessableEntity)
        }
    }

    func delete(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.writableKind(req, p)
        let (record, _) = try await Self.scopedRecord(req, p, kind, audit: false)
        do {
            try await req.records().delete(kind, record)
        } catch let refused as Abort where refused.status == .conflict {
            return req.redirect(to: "/ledgers/\(kind.id)/\(record.id!)", flash: "!" + refused.reason)
        }
        return req.redirect(to: "/ledgers/\(kind.id)", flash: "已删除「\(record.title)」")
    }

    // MARK: - Show

    struct FieldRow: Encodable {
        var label: String
        var value: String
        var isLong: Bool
    }

    struct AttachmentRow: Encodable {
        var id: Int
        var name: String
        var size: String
        var field: String
        var uploadedAt: String
    }

    struct HistoryRow: Encodable {
        var at: String
        var username: String
        var action: String
        var changes: [String]
        var note: String
    }

    struct WorkflowView: Encodable {
        var state: String
        var stateClass: String
        var deadline: String
        var daysLeft: String
        var expected: Int
        var actual: Int
        var behind: Bool
        var tier: String
        var tierLabel: String
        var extensionCount: Int
        var closure: String?
        var closureBy: String?
        var extensionRequest: String?
        var canStart: Bool
        var canProgress: Bool
        var canRequestClosure: Bool
        var canReviewClosure: Bool
        var canRequestExtension: Bool
        var canReviewExtension: Bool
        var evidenceCount: Int
        var today: String
        var blockers: [String]
    }

    /// A value the catalogue computes from the record's fields (the accident grade).
    struct ComputedRow: Encodable {
        var label: String
        var value: String
        var warn: Bool
    }

    struct ShowContent: Encodable {
        var kind: KindSummary
        var id: Int
        var title: String
        var unitName: String
        var unitID: Int
        var fields: [FieldRow]
        var attachments: [AttachmentRow]
        var attachmentFields: [Option]
        var history: [HistoryRow]
        var derived: [ComputedRow]
        var workflow: WorkflowView?
        var canWrite: Bool
        var workflowError: [String]
    }

    func show(req: Request) async throws -> Response {
        try await renderShow(req, workflowErrors: [])
    }

    func renderShow(_ req: Request, workflowErrors: [String], status: HTTPStatus = .ok) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.readableKind(req, p)
        let (record, unit) = try await Self.scopedRecord(req, p, kind, audit: workflowErrors.isEmpty)
        let values = record.values(for: kind)
        let names = try await ReferenceNames.load([record], kind: kind, on: req.db)
        let fields = kind.fields.filter { $0.type != .attachments }.map {
            FieldRow(label: $0.header, value: names.display(values[$0.id], field: $0), isLong: $0.type == .longText)
        }
        let files = try await Attachment.query(on: req.db).filter(\.$recordID == record.id!).sort(\.$id).all()
        let events = try await RecordEvent.query(on: req.db).filter(\.$recordID == record.id!).sort(\.$id, .descending).all()
        let history = events.map { e -> HistoryRow in
            let changes = (try? JSONSerialization.jsonObject(with: Data(e.changes.utf8))) as? [String: [String]] ?? [:]
            return HistoryRow(at: ISOTime.local(e.at), username: e.username, action: RecordService.actionLabel(e.action),
                              changes: changes.sorted { $0.key < $1.key }.map { k, v in
                                  "\(kind.field(k)?.label ?? Self.columnLabel(k, kind))：\(v.first ?? "")→\(v.last ?? "")"
                              }, note: e.note)
        }
        var workflowView: WorkflowView?
        if kind.workflow, let state = record.state {
            workflowView = try await workflowViewFor(record, kind: kind, state: state, unit: unit, p: p, req: req, evidence: files.count)
        }
        let content = ShowContent(
            kind: Self.summary(kind), id: record.id!, title: record.title, unitName: unit.name, unitID: unit.id!, fields: fields,
            attachments: files.map {
                AttachmentRow(id: $0.id!, name: $0.name, size: ByteCountFormatter.string(fromByteCount: Int64($0.size), countStyle: .file),
                              field: kind.field($0.fieldID)?.label ?? $0.fieldID, uploadedAt: ISOTime.local($0.uploadedAt))
            },
            attachmentFields: kind.fields.filter { $0.type == .attachments }.map { Option(value: $0.id, label: $0.label, selected: false) },
            history: history, derived: kind.computedValues(values, today: LocalDate(req.now)).map { ComputedRow(label: $0.field.label, value: $0.value.text, warn: $0.value.warn) }, workflow: workflowView, canWrite: p.hasAny(Array(kind.writers)), workflowError: workflowErrors)
        return try await req.render("records/show", title: record.title, content, status: status, section: Self.summary(kind).systemPath)
    }

    private func workflowViewFor(_ record: LedgerRecord, kind: LedgerKind, state: RectificationState, unit: OrgUnit,
                                 p: Principal, req: Request, evidence: Int) async throws -> WorkflowView {
        let today = LocalDate(req.now)
        let wf = WorkflowData.decode(record.workflow)
        let due = record.dueDate.flatMap(LocalDate.parse) ?? today
        let schedule = RectificationSchedule(created: LocalDate.parse(record.openedOn) ?? today, deadline: due)
        let tier = schedule.warningTier(on: today, isClosed: state.isClosed, settings: req.lvze.settings.warningSettings)
        let days = schedule.daysLeft(on: today)
        let writer = p.hasAny(Array(kind.writers))
        let reviewer = p.has(.reviewer)
        var closureBy: String?
        if let c = wf.closure, let u = try await User.find(c.requester, on: req.db) { closureBy = u.displayName }
        return WorkflowView(
            state: state.label, stateClass: state.rawValue, deadline: due.iso,
            daysLeft: state.isClosed ? "" : (days >= 0 ? "剩余\(days)天" : "已逾期\(-days)天"),
            expected: schedule.expectedProgress(on: today), actual: record.progress ?? 0,
            behind: schedule.isBehind(actualProgress: record.progress ?? 0, on: today, isClosed: state.isClosed),
            tier: tier?.rawValue ?? "", tierLabel: tier?.label ?? "", extensionCount: wf.extensions,
            closure: wf.closure?.description, closureBy: closureBy,
            extensionRequest: wf.extensionRequest.map { "申请延期至\($0.deadline)：\($0.reason)" },
            canStart: writer && state == .pending,
            canProgress: writer && (state == .pending || state == .inProgress),
            canRequestClosure: writer && (state == .pending || state == .inProgress),
            canReviewClosure: reviewer && state == .closureRequested,
            canRequestExtension: writer && !state.isClosed && wf.extensionRequest == nil,
            canReviewExtension: reviewer && wf.extensionRequest != nil,
            evidenceCount: evidence, today: today.iso,
            blockers: kind.closureBlockers(record.values(for: kind)))
    }

    // MARK: - Workflow

    func workflow(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.readableKind(req, p)
        guard kind.workflow else { throw Abort(.notFound) }
        let (record, unit) = try await Self.scopedRecord(req, p, kind, audit: false)
        let command = try req.content.decode(WorkflowCommand.self)
        do {
            try await req.records().step(kind, record, unit: unit, command: command)
            let label = (try? command.action(kind: kind, values: [:]).label) ?? "流程操作"
            return req.redirect(to: "/ledgers/\(kind.id)/\(record.id!)", flash: "\(label)：已办理")
        } catch let failure as ValidationFailure {
            return try await renderShow(req, workflowErrors: failure.errors.map(\.message), status: .unprocessableEntity)
        }
    }

    // MARK: - Attachments

    func upload(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.writableKind(req, p)
        let (record, _) = try await Self.scopedRecord(req, p, kind, audit: false)
        let fieldID = (try? req.content.get(String.self, at: "field")) ?? ""
        guard let field = kind.field(fieldID), field.type == .attachments else {
            return try await renderShow(req, workflowErrors: ["请选择附件类别"], status: .unprocessableEntity)
        }
        let files = ((try? req.content.get([File].self, at: "files")) ?? []).filter { $0.data.readableBytes > 0 }
        guard !files.isEmpty else { return try await renderShow(req, workflowErrors: ["请选择要上传的文件"], status: .unprocessableEntity) }
        do {
            try await req.records().attach(kind, record, uploads: files.map { .init(field: field, name: $0.filename, data: Data(buffer: $0.data)) })
        } catch let abort as Abort where abort.status != .conflict {
            return try await renderShow(req, workflowErrors: [abort.reason], status: abort.status)
        }
        return req.redirect(to: "/ledgers/\(kind.id)/\(record.id!)", flash: "已上传\(files.count)个文件")
    }

    /// Always a download (never shown inline), and always audited.
    func download(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        guard let id = req.parameters.get("id", as: Int.self), let file = try await Attachment.find(id, on: req.db),
              let recordID = file.recordID, let record = try await LedgerRecord.find(recordID, on: req.db),
              let kind = req.lvze.catalogue[record.kind], p.hasAny(Array(kind.readers)),
              let unit = try await OrgUnit.find(record.$unit.id, on: req.db), p.covers(unit) else {
            throw Abort(.notFound, reason: "文件不存在或您无权下载")
        }
        let data = try req.lvze.attachments.read(file.sha256)
        try await req.audit(.export, "attachment", String(id), "下载「\(kind.name)」记录「\(record.title)」的附件「\(file.name)」")
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "octet-stream")
        response.headers.replaceOrAdd(name: .contentDisposition, value: contentDisposition(file.name))
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        return response
    }
}

/// `attachment; filename*=UTF-8''…` with an ASCII fallback, for Chinese file names.
func contentDisposition(_ name: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._")
    let ascii = name.unicodeScalars.allSatisfy { $0.isASCII && $0 != "\"" && $0 != "\\" } ? name : "download"
    return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(name.addingPercentEncoding(withAllowedCharacters: allowed) ?? "download")"
}

/// Text made safe for HTML element content and attribute values.
func escapeHTML(_ text: String) -> String {
    var out = ""
    appendEscapedHTML(text, to: &out)
    return out
}

/// Appends `text` with `& < > " '` escaped; text without them (nearly all) is copied whole.
func appendEscapedHTML(_ text: String, to out: inout String) {
    guard text.utf8.contains(where: { $0 == 0x26 || $0 == 0x3C || $0 == 0x3E || $0 == 0x22 || $0 == 0x27 }) else {
        out += text
        return
    }
    for ch in text.unicodeScalars {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.unicodeScalars.append(ch)
        }
    }
}
