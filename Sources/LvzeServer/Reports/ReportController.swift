import Fluent
import Foundation
import LvzeCore
import LvzeOffice
import SQLKit
import Vapor

/// The annual report (述职报告): generated from the records for a unit and a year, with
/// every figure linked to its records, downloads as Word, JSON and HTML, and issuing.
struct ReportController {
    static let readers: [Role] = [.leader, .clerk, .reviewer, .discipline]
    /// Issuing freezes what the committee signs: the leader's act.
    static let issuers: [Role] = [.leader]
    static let templateEditors: [Role] = [.leader, .clerk]

    /// The year a report page opens on: from October the year's own report is being drafted,
    /// before that last year's.
    static func defaultYear(today: LocalDate) -> Int {
        today.month >= 10 ? today.year : today.year - 1
    }

    func boot(routes: any RoutesBuilder) {
        routes.get(.reports, use: show)
        routes.get(.reportDownload, use: download)
        routes.get(.apiReport, use: apiReport)
        routes.post(.reportIssue, use: issue)
        routes.get(.reportDrill, use: drill)
        routes.get(.reportDrillExport, use: drillExport)
        bootTemplates(routes: routes)
        bootSnapshots(routes: routes)
    }

    /// What the report page and downloads were asked for, checked against the user's scope.
    struct Selection {
        var unit: OrgUnit
        var year: Int
        var templateID: String
        var templateName: String
        var templateText: String
        var problems: [String]

        /// The query a link to this report (or a drill-down from it) carries.
        var queryItems: [(String, String)] { [("unit", unit.code), ("year", String(year)), ("template", templateID)] }
    }

    func selection(_ req: Request, _ p: Principal) async throws -> Selection {
        var problems: [String] = []
        func q(_ key: String) -> String { ((try? req.query.get(String.self, at: key)) ?? "").trimmingCharacters(in: .whitespaces) }
        var unit = p.unit
        let code = q("unit")
        if !code.isEmpty {
            if let u = try await OrgUnit.query(on: req.db).filter(\.$code == code).first(), p.scope.contains(u.unitPath) {
                unit = u
            } else {
                problems.append("«单位»：「\(code)」不存在或不在您的管理范围内，已改为\(p.unit.name)")
            }
        }
        let today = LocalDate(req.now), thisYear = today.year
        var year = Self.defaultYear(today: today)
        let yearText = q("year")
        if !yearText.isEmpty {
            if let y = Int(yearText), (2000...thisYear).contains(y) { year = y } else { problems.append("«年度»：「\(yearText)」不是可选年度") }
        }
        var templateID = q("template")
        var name = "内置默认模板", text = ReportTemplate.defaultText
        if !templateID.isEmpty, templateID != "default" {
            if let id = Int(templateID), let row = try await TemplateAccess(req: req, principal: p).find(id)?.row {
                name = row.name
                text = row.body
            } else {
                problems.append("«模板»：所选模板不存在，已改用内置默认模板")
                templateID = "default"
            }
        }
        return Selection(unit: unit, year: year, templateID: templateID.isEmpty ? "default" : templateID, templateName: name,
                         templateText: text, problems: problems)
    }

    struct ShowContent: Encodable {
        var unitOptions: [SelectOption]
        var yearOptions: [SelectOption]
        var templateOptions: [SelectOption]
        var problems: [String]
        var templateProblems: [String]
        var attention: [String]
        var reportHTML: HTML
        var metricsHTML: HTML
        var query: String
        var canIssue: Bool
        var unitName: String
        var year: Int
        var snapshots: [SnapshotLink]
    }

    struct SnapshotLink: Encodable {
        var href: String
        var title: String
        var issuedAt: String
        var issuedBy: String
    }

    func show(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let s = try await selection(req, p)
        let report = try await req.reportBuilder(unit: s.unit, year: s.year, templateText: s.templateText, everyMetric: true).build()
        let base = s.queryItems
        let snapshots = try await ReportSnapshot.query(on: req.db).filter(\.$unit.$id == s.unit.id!).filter(\.$year == s.year)
            .sort(\.$issuedAt, .descending).all()
        return try await req.render("reports/show", title: "述职报告", ShowContent(
            unitOptions: try await unitOptions(req, p, selected: s.unit),
            yearOptions: yearOptions(req, selected: s.year),
            templateOptions: try await templateOptions(req, selected: s.templateID),
            problems: s.problems,
            templateProblems: report.problems.map(\.description),
            attention: report.attention,
            reportHTML: ReportHTML(report: report, base: base).body(),
            metricsHTML: metricsTable(report, base: base),
            query: SiteURL.query(base),
            canIssue: p.hasAny(Self.issuers), unitName: s.unit.name, year: s.year,
            snapshots: snapshots.map {
                SnapshotLink(href: Endpoint.snapshot.url($0.id!).path, title: $0.title, issuedAt: ISOTime.local($0.issuedAt), issuedBy: $0.issuedByName)
            }), section: SiteURL.reports.path)
    }

    func unitOptions(_ req: Request, _ p: Principal, selected: OrgUnit) async throws -> [SelectOption] {
        // The user's own unit and the units one level down (towns, departments).
        let units = try await OrgUnit.query(on: req.db).within(p.scope).filter(\.$depth <= p.unit.depth + 1)
            .sort(\.$depth).sort(\.$sortOrder).sort(\.$code).limit(300).all()
        return units.map { SelectOption(value: $0.code, label: $0.id == p.unit.id ? $0.name : "　\($0.name)", selected: $0.id == selected.id) }
    }

    func yearOptions(_ req: Request, selected: Int) -> [SelectOption] {
        let thisYear = LocalDate(req.now).year
        return (thisYear - 5...thisYear).reversed().map { SelectOption(value: String($0), label: "\($0)年度", selected: $0 == selected) }
    }

    func templateOptions(_ req: Request, selected: String) async throws -> [SelectOption] {
        let rows = try await TemplateAccess(req: req, principal: try req.requirePrincipal()).usable().map(\.row)
        return [SelectOption(value: "default", label: "内置默认模板", selected: selected == "default")]
            + rows.map { SelectOption(value: String($0.id!), label: $0.name, selected: String($0.id!) == selected) }
    }

    /// Every metric of the catalogue, by system, each linked to its records.
    func metricsTable(_ report: BuiltReport, base: [(String, String)]) -> HTML {
        HTML.each([LedgerSystem.party, .integrity, .ideology, .safety]) { system in
            let list = report.metrics.metrics(in: system)
            guard !list.isEmpty else { return .empty }
            let rows = HTML.each(list) { m -> HTML in
                let value: HTML
                switch report.values[m.id] ?? .missing("未计算") {
                case .missing(let reason): value = "<mark class=\"missing\" title=\"\(reason)\">【无数据】</mark>"
                case let v: value = "\(m.display(v, nameLimit: report.template.nameLimit) ?? "")"
                }
                return """
                    <tr><td><code>\(m.id)</code></td><td><a href="\(Endpoint.reportDrill.url(query: [("metric", m.id)] + base))">\(m.label)</a></td>\
                    <td class="num">\(value)</td><td>\(m.unit)</td><td class="muted small">\(m.basis)</td></tr>

                    """
            }
            return "<tr class=\"group\"><th colspan=\"5\">\(system.label)</th></tr>\n\(rows)"
        }
    }

    func download(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let s = try await selection(req, p)
        let format = ReportFormat(rawValue: (try? req.query.get(String.self, at: "format")) ?? "docx") ?? .docx
        let report = try await req.reportBuilder(unit: s.unit, year: s.year, templateText: s.templateText,
                                             everyMetric: format == .json).build()
        let (data, type): (Data, String)
        switch format {
        case .docx:
            data = try await req.application.threadPool.runIfActive { try DocxWriter.data(report.document) }
            type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        case .json: (data, type) = (try report.json(), "application/json; charset=utf-8")
        case .html: (data, type) = (Data(ReportHTML(report: report, links: false).page().rendered.utf8), "text/html; charset=utf-8")
        }
        try await req.lvze.audit.append(.export, actor: req.auditActor, objectType: "report", objectID: s.unit.code,
                                        summary: "下载\(s.unit.name)\(s.year)年度报告（\(format.rawValue)，\(s.templateName)）", at: req.now, on: req.db)
        return fileResponse(data, type: type, name: "\(s.unit.name)\(s.year)年度述职报告.\(format.rawValue)")
    }

    /// `GET /api/v1/report?unit=CODE&year=Y[&template=ID]`: the JSON of the report download.
    func apiReport(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let s = try await selection(req, p)
        if let problem = s.problems.first { throw Abort(.badRequest, reason: problem) }
        let report = try await req.reportBuilder(unit: s.unit, year: s.year, templateText: s.templateText, everyMetric: true).build()
        let response = Response(status: .ok, body: .init(data: try report.json()))
        response.headers.contentType = .json
        return response
    }

    func fileResponse(_ data: Data, type: String, name: String) -> Response {
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.replaceOrAdd(name: .contentType, value: type)
        response.headers.replaceOrAdd(name: .contentDisposition, value: contentDisposition(name))
        return response
    }
}

/// Percent-encodes a query value.
func urlEncode(_ s: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
}

extension Request {
    /// A report of the server's catalogue on this request's database; computing it needs nothing
    /// else of the request. Pages compute only the template's figures.
    func reportBuilder(unit: OrgUnit, year: Int, templateText: String, everyMetric: Bool = false) -> ReportBuilder {
        ReportBuilder(db: reader, kinds: lvze.catalogue.catalogue, metrics: lvze.catalogue.metrics, unit: unit, year: year,
                      templateText: templateText, everyMetric: everyMetric)
    }
}
