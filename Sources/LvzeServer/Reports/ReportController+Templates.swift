import Fluent
import Foundation
import LvzeCore
import Vapor

/// Report templates: edited on a page with a live preview of every placeholder's value,
/// downloaded and uploaded as text. A template with any problem is not saved.
extension ReportController {
    func bootTemplates(routes: any RoutesBuilder) {
        routes.get(.templates, use: templates)
        routes.get(.templateNew, use: newTemplate)
        routes.post(.templates, use: saveTemplate)
        routes.post(.templatePreview, use: previewTemplate)
        routes.post(.templateUpload, upTo: "2mb", use: uploadTemplate)
        routes.get(.template, use: editTemplate)
        routes.post(.template, use: saveTemplate)
        routes.post(.templateDelete, use: deleteTemplate)
        routes.get(.templateDownload, use: downloadTemplate)
    }

    struct TemplateListContent: Encodable {
        struct Item: Encodable {
            var id: String
            var name: String
            var owner: String
            var updatedBy: String
            var updatedAt: String
        }
        var items: [Item]
        var canEdit: Bool
    }

    func templates(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let rows = try await TemplateAccess(req: req, principal: p).usable()
        return try await req.render("reports/templates", title: "报告模板", TemplateListContent(
            items: rows.map { .init(id: String($0.row.id!), name: $0.row.name, owner: $0.owner, updatedBy: $0.row.updatedBy,
                                    updatedAt: ISOTime.local($0.row.updatedAt)) },
            canEdit: p.hasAny(Self.templateEditors)), section: SiteURL.reports.path)
    }

    struct TemplateEditContent: Encodable {
        var id: String?
        var name: String
        var body: String
        var errors: [String]
        var preview: HTML
        var canEdit: Bool
        var saved: Bool
        /// The unit that owns the template (for a new one: the user's own).
        var owner: String
    }

    func newTemplate(req: Request) async throws -> Response {
        let p = try req.require(Self.templateEditors)
        var body = ReportTemplate.defaultText, name = "新模板"
        if let from = try? req.query.get(Int.self, at: "from"), let row = try await TemplateAccess(req: req, principal: p).find(from)?.row {
            body = row.body
            name = row.name + "（副本）"
        }
        return try await renderEditor(req, p, id: nil, name: name, body: body, errors: [], saved: false)
    }

    func editTemplate(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        guard let id = req.parameters.get("id", as: Int.self), let found = try await TemplateAccess(req: req, principal: p).find(id) else {
            throw Abort(.notFound, reason: "模板不存在或不在您的使用范围内")
        }
        return try await renderEditor(req, p, id: id, name: found.row.name, body: found.row.body, errors: [], saved: false,
                                      canEdit: found.editable, owner: found.owner)
    }

    func renderEditor(_ req: Request, _ p: Principal, id: Int?, name: String, body: String, errors: [String], saved: Bool,
                      status: HTTPStatus = .ok, canEdit: Bool? = nil, owner: String? = nil) async throws -> Response {
        try await req.render("reports/template", title: "编辑报告模板", TemplateEditContent(
            id: id.map(String.init), name: name, body: body, errors: errors,
            preview: try await preview(req, p, body: body), canEdit: canEdit ?? p.hasAny(Self.templateEditors), saved: saved,
            owner: owner ?? p.unit.name),
                             status: status, section: SiteURL.reports.path)
    }

    /// The preview: the template's problems by line, every placeholder with its value for the
    /// user's unit and last year, and the rendered text.
    func preview(_ req: Request, _ p: Principal, body: String) async throws -> HTML {
        let year = LocalDate(req.now).year - 1
        let report = try await req.reportBuilder(unit: p.unit, year: year, templateText: body).build()
        let check: HTML = report.problems.isEmpty
            ? "<p class=\"ok-note\">模板检查通过：没有未知编号或格式错误的占位符。</p>\n"
            : "<div class=\"errors\" role=\"alert\"><p>模板有\(report.problems.count)处问题，修改后才能保存：</p><ul>\(HTML.each(report.problems) { "<li>\($0.description)</li>" })</ul></div>\n"
        let metrics = report.metrics
        let rows = HTML.each(report.template.placeholders) { ph -> HTML in
            var label = ""
            var value = HTML.empty
            switch ph.kind {
            case .metric:
                let m = metrics[ph.id]
                label = m?.label ?? ""
                if let m, let v = report.values[ph.id] {
                    if case .missing(let reason) = v { value = "<mark class=\"missing\">【无数据】</mark> <span class=\"small\">\(reason)</span>" }
                    else { value = "\((m.display(v, nameLimit: report.template.nameLimit) ?? "") + m.unit)" }
                }
            case .claim:
                if let c = metrics.claims[ph.id] {
                    label = "表述「\(c.words)」"
                    let result = report.claimResults().first { $0.0.id == ph.id }
                    value = result?.1 == true ? "记录支持" : "<mark class=\"claim-problem\">与记录不符：\(result?.2 ?? "")</mark>"
                }
            case .setting:
                label = "设置"
                value = "\(report.settings[ph.id] ?? "")"
            }
            return "<tr><td>\(ph.line)</td><td><code>\(ph.raw)</code></td><td>\(label)</td><td class=\"num\">\(value)</td></tr>\n"
        }
        return """
            <p class="muted small">预览范围：\(p.unit.name)，\(year)年度。</p>
            \(check)<table class="data compact"><thead><tr><th>行</th><th>占位符</th><th>名称</th><th class="num">当前值</th></tr></thead><tbody>
            \(rows)</tbody></table>
            \(ReportHTML(report: report, base: [("unit", p.unit.code), ("year", String(year))]).body())
            """
    }

    func previewTemplate(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let body = req.formText("body") ?? ""
        let response = Response(status: .ok, body: .init(string: try await preview(req, p, body: body).rendered))
        response.headers.contentType = .html
        return response
    }

    func saveTemplate(req: Request) async throws -> Response {
        let p = try req.require(Self.templateEditors)
        let id = req.parameters.get("id", as: Int.self)
        let name = (req.formText("name") ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        let body = (req.formText("body") ?? "").replacingOccurrences(of: "\r\n", with: "\n")
        if req.formText("action") == "preview" {
            return try await renderEditor(req, p, id: id, name: name, body: body, errors: [], saved: false)
        }
        return try await store(req, p, id: id, name: name, body: body)
    }

    /// Checks and saves; on any problem nothing is saved and the editor shows why.
    func store(_ req: Request, _ p: Principal, id: Int?, name: String, body: String) async throws -> Response {
        var errors: [String] = []
        if name.isEmpty { errors.append("«模板名称»：不能为空") }
        if name.count > 60 { errors.append("«模板名称»：不能超过60个字") }
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { errors.append("«模板内容»：不能为空") }
        let metrics = req.lvze.catalogue.metrics
        let parsed = ReportTemplate.parse(body, metrics: metrics.byID, claims: metrics.claims, builtinSettings: ReportBuilder.builtinSettings)
        errors += parsed.problems.map(\.description)
        let existing = try await ReportTemplateRow.query(on: req.db).filter(\.$name == name).first()
        if let existing, existing.id != id { errors.append("«模板名称»：已有名为「\(name)」的模板") }
        var row = ReportTemplateRow()
        row.unitID = p.unit.id
        if let id {
            row = try await TemplateAccess(req: req, principal: p).editable(id)
        }
        guard errors.isEmpty else {
            return try await renderEditor(req, p, id: id, name: name, body: body, errors: errors, saved: false, status: .unprocessableEntity)
        }
        let before = row.id == nil ? nil : ["name": row.name, "body": row.body]
        row.name = name
        row.body = body
        row.updatedBy = p.user.displayName
        row.updatedAt = req.now
        try await row.save(on: req.db)
        try await req.audit(before == nil ? .create : .update, "report_template", String(row.id!), "保存报告模板「\(name)」",
                            before: before, after: ["name": name, "body": body])
        return req.redirect(to: Endpoint.template.url(row.id!).path, flash: "已保存模板「\(name)」")
    }

    func uploadTemplate(req: Request) async throws -> Response {
        let p = try req.require(Self.templateEditors)
        struct Upload: Content {
            var name: String?
            var file: File?
        }
        let upload = try? req.content.decode(Upload.self)
        guard let file = upload?.file, file.data.readableBytes > 0 else {
            return req.redirect(to: Endpoint.templates.url().path, flash: "!«模板文件»：请选择一个文本文件（.txt）")
        }
        var buffer = file.data
        let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
        var data = Data(bytes)
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { data.removeFirst(3) }
        guard let text = String(data: data, encoding: .utf8) else {
            return req.redirect(to: Endpoint.templates.url().path, flash: "!«模板文件»：「\(file.filename)」不是 UTF-8 编码的文本文件")
        }
        var name = (upload?.name ?? "").trimmingCharacters(in: .whitespaces)
        if name.isEmpty { name = (file.filename as NSString).deletingPathExtension }
        return try await store(req, p, id: nil, name: name, body: text.replacingOccurrences(of: "\r\n", with: "\n"))
    }

    func deleteTemplate(req: Request) async throws -> Response {
        let p = try req.require(Self.templateEditors)
        guard let id = req.parameters.get("id", as: Int.self) else { throw Abort(.notFound) }
        let row = try await TemplateAccess(req: req, principal: p).editable(id)
        try await row.delete(on: req.db)
        try await req.audit(.delete, "report_template", String(id), "删除报告模板「\(row.name)」", before: ["name": row.name, "body": row.body])
        return req.redirect(to: Endpoint.templates.url().path, flash: "已删除模板「\(row.name)」")
    }

    func downloadTemplate(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let idText = req.parameters.get("id") ?? ""
        var name = "内置默认模板", body = ReportTemplate.defaultText
        if idText != "default" {
            guard let id = Int(idText), let row = try await TemplateAccess(req: req, principal: p).find(id)?.row else { throw Abort(.notFound) }
            name = row.name
            body = row.body
        }
        return fileResponse(Data(body.utf8), type: "text/plain; charset=utf-8", name: "\(name).txt")
    }
}

/// Who may see and change a report template: the owning unit's scope edits it (with an editor
/// role), and anyone in a unit at or below the owner uses it. Others are told it does not exist.
struct TemplateAccess {
    let req: Request
    let principal: Principal

    struct Found {
        var row: ReportTemplateRow
        var owner: String
        var editable: Bool
    }

    /// The template if this user may use it.
    func find(_ id: Int) async throws -> Found? {
        guard let row = try await ReportTemplateRow.find(id, on: req.db) else { return nil }
        return try await judge([row]).first
    }

    /// The template if this user may change it: 404 when they may not even use it, 403 when
    /// they use it but it belongs to a unit above them.
    func editable(_ id: Int) async throws -> ReportTemplateRow {
        guard let found = try await find(id) else { throw Abort(.notFound, reason: "模板不存在或不在您的使用范围内") }
        guard found.editable else {
            throw Abort(.forbidden, reason: "模板「\(found.row.name)」属于\(found.owner)，只能由该单位范围内的经办人或领导修改；可复制后修改副本")
        }
        return found.row
    }

    /// Every template this user may use, by name.
    func usable() async throws -> [Found] {
        try await judge(try await ReportTemplateRow.query(on: req.db).sort(\.$name).all())
    }

    private func judge(_ rows: [ReportTemplateRow]) async throws -> [Found] {
        let ids = Array(Set(rows.compactMap(\.unitID)))
        let units = ids.isEmpty ? [] : try await OrgUnit.query(on: req.db).filter(\.$id ~~ ids).all()
        let byID = Dictionary(units.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        let editor = principal.hasAny(ReportController.templateEditors)
        return rows.compactMap { row in
            guard let id = row.unitID, let owner = byID[id] else { return nil }
            let mine = principal.covers(owner)
            guard mine || owner.unitPath.contains(principal.scope) else { return nil }
            return Found(row: row, owner: owner.name, editable: mine && editor)
        }
    }
}
