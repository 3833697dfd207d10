import Fluent
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// Drill-down: the records behind a figure, by the same conditions that computed it, and
/// their export to Excel.
extension ReportController {
    struct DrillContent: Encodable {
        var metricID: String
        var label: String
        var basis: String
        var value: String
        var unitLabel: String
        var unitName: String
        var year: Int
        var kindName: String
        var kindID: String
        var agreement: String
        var columns: [String]
        var tableBody: HTML
        var next: String?
        var exportHref: String?
        var reportHref: String
        var forbidden: String?
        var problems: [String]
        var organisationRows: [OrganisationMetrics.Row]
        var isOrganisation: Bool
        var dependencies: [DependencyLink]
    }

    struct DependencyLink: Encodable {
        var label: String
        var value: String
        var href: String
    }

    /// The metric asked for, its evaluator and the report settings of the chosen template.
    func drillSetup(_ req: Request, _ p: Principal) async throws -> (MetricDefinition, MetricEvaluator, Selection) {
        let s = try await selection(req, p)
        let id = (try? req.query.get(String.self, at: "metric")) ?? ""
        guard let metric = req.lvze.catalogue.metrics[id] else { throw Abort(.notFound, reason: "没有编号为「\(id)」的指标") }
        let template = ReportTemplate.parse(s.templateText, metrics: req.lvze.catalogue.metrics.byID, claims: req.lvze.catalogue.metrics.claims,
                                            builtinSettings: ReportBuilder.builtinSettings)
        var settings = template.settings
        settings["report.year"] = String(s.year)
        settings["unit.name"] = s.unit.name
        let evaluator = MetricEvaluator(db: req.reader, kinds: req.lvze.catalogue.catalogue, metrics: req.lvze.catalogue.metrics,
                                        scope: s.unit.unitPath, year: s.year, settings: settings)
        return (metric, evaluator, s)
    }

    func drill(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let (metric, evaluator, s) = try await drillSetup(req, p)
        let values = try await evaluator.evaluate([metric.id])
        let value = values[metric.id] ?? .missing("未计算")
        let shown: String
        switch value {
        case .missing(let reason): shown = "【无数据】（\(reason)）"
        default: shown = metric.display(value, nameLimit: 50) ?? ""
        }
        let base = s.queryItems
        var content = DrillContent(
            metricID: metric.id, label: metric.label, basis: metric.basis, value: shown, unitLabel: metric.unit, unitName: s.unit.name,
            year: s.year, kindName: "", kindID: "", agreement: "", columns: [], tableBody: .empty, next: nil, exportHref: nil,
            reportHref: Endpoint.reports.url(query: base).path, forbidden: nil, problems: s.problems, organisationRows: [], isOrganisation: false,
            dependencies: metric.dependencies.compactMap { d in
                guard let m = req.lvze.catalogue.metrics[d] else { return nil }
                return DependencyLink(label: m.label, value: values[d].flatMap { m.display($0) } ?? "【无数据】",
                                      href: Endpoint.reportDrill.url(query: [("metric", d)] + base).path)
            })
        if case .organisation(let o) = metric.aggregate {
            content.isOrganisation = true
            content.organisationRows = try await OrganisationMetrics(db: req.reader, scope: s.unit.unitPath, year: s.year).rows(o)
            content.agreement = "以下\(content.organisationRows.count)个单位或人员构成这一数值。"
        } else if let q = evaluator.query(metric), let kind = req.lvze.catalogue[q.kind.id] {
            content.kindName = kind.name
            content.kindID = kind.id
            guard p.hasAny(Array(kind.readers)) else {
                content.forbidden = "「\(kind.name)」的明细记录只有\(kind.readers.sorted().map(\.label).joined(separator: "、"))可以查看。"
                return try await req.render("reports/drill", title: metric.label, content, section: SiteURL.reports.path)
            }
            var filter = RecordFilter(kind: kind, scope: s.unit.unitPath)
            filter.metric = q
            let before = (try? req.query.get(Int.self, at: "before")) ?? Int.max
            var records = try await RecordRow.page(filter, beforeID: before, limit: 101, on: req.reader)
            if records.count > 100 {
                records = Array(records.prefix(100))
                content.next = Endpoint.reportDrill.url(query: [("metric", metric.id)] + base + [("before", String(records.last!.id))]).path
            }
            if kind.sensitive {
                try await req.audit(.sensitiveRead, kind.id, "", "查看指标「\(metric.label)」的明细记录（\(s.unit.name)\(s.year)年度）")
            }
            let rows = try await RecordList.rows(records, kind: kind, today: LocalDate(req.now), warning: req.lvze.settings.warningSettings, on: req.reader)
            let columns = kind.listColumns.map { RecordList.columnLabel($0, kind) }
            content.columns = columns
            content.tableBody = RecordList.tableBody(rows, kindID: kind.id,
                                                           linkColumn: kind.listColumns.firstIndex(of: kind.titleField) ?? 0, columns: columns.count)
            content.exportHref = Endpoint.reportDrillExport.url(query: [("metric", metric.id)] + base).path
            content.agreement = try await agreement(metric, evaluator: evaluator, filter: filter, value: value, on: req.reader)
        }
        return try await req.render("reports/drill", title: metric.label, content, section: SiteURL.reports.path)
    }

    /// How the list below adds up to the figure: the row count, or the sum, or what is distinct.
    func agreement(_ metric: MetricDefinition, evaluator: MetricEvaluator, filter: RecordFilter, value: MetricValue, on db: any Database) async throws -> String {
        let count = try await filter.count(cap: Int.max - 1, on: db).count
        switch metric.aggregate {
        case .count: return "共\(count)条记录，即这一数值。"
        case .sum(let fields):
            let labels = fields.compactMap { filter.kind.field($0)?.label }.joined(separator: "与")
            return "共\(count)条记录，其「\(labels)」合计为\(metric.display(value) ?? "—")\(metric.unit)。"
        case .distinct(let f):
            return "共\(count)条记录，按「\(filter.kind.field(f)?.label ?? f)」去重后为\(metric.display(value) ?? "—")\(metric.unit)。"
        case .distinctEnterprise:
            return "共\(count)条记录，按统一社会信用代码（无代码的按名称）去重后为\(metric.display(value) ?? "—")\(metric.unit)。"
        case .distinctPeople:
            return "共\(count)条记录，按涉及人员姓名去重后为\(metric.display(value) ?? "—")\(metric.unit)。"
        case .mean, .weightedMean, .min, .max:
            return "共\(count)条记录，由其计算得\(metric.display(value) ?? "—")\(metric.unit)。"
        case .names: return "共\(count)条记录。"
        case .roundsBehindSchedule:
            return "共\(count)轮，其中整改率低于序时进度的\(metric.display(value) ?? "—")轮。"
        default: return "共\(count)条记录。"
        }
    }

    func drillExport(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let (metric, evaluator, s) = try await drillSetup(req, p)
        guard let q = evaluator.query(metric), let kind = req.lvze.catalogue[q.kind.id] else {
            throw Abort(.badRequest, reason: "这一指标由组织架构计算，没有台账记录可导出")
        }
        guard p.hasAny(Array(kind.readers)) else { throw Abort(.notFound) }
        var filter = RecordFilter(kind: kind, scope: s.unit.unitPath)
        filter.metric = q
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lvze-drill-\(UUID().uuidString).xlsx")
        defer { try? FileManager.default.removeItem(at: url) }
        let count = try await LedgerExporter(kind: kind, db: req.reader, today: LocalDate(req.now)).write(filter, format: .xlsx, to: url, threadPool: req.application.threadPool)
        try await req.audit(.export, kind.id, "", "导出指标「\(metric.label)」（\(s.unit.name)\(s.year)年度）的\(count)条明细记录")
        let data = try Data(contentsOf: url)
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response.headers.replaceOrAdd(name: .contentDisposition, value: contentDisposition("\(metric.label)-\(s.unit.name)\(s.year)年度.xlsx"))
        return response
    }
}
