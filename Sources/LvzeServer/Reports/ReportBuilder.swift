import Fluent
import Foundation
import LvzeCore
import Vapor

/// A report for a unit and a year: the template checked, every metric computed, the
/// document rendered, and what needs the signer's attention.
struct BuiltReport {
    var unitCode: String
    var unitName: String
    var year: Int
    var metrics: MetricCatalogue
    var template: ReportTemplate
    var values: [String: MetricValue]
    var document: ReportDocument
    var settings: [String: String]
    /// Every statement the evaluation ran, values inlined, when asked for (`--print-sql`).
    var sql: [String] = []
    /// Seconds spent computing the figures, and rendering the document.
    var evaluationSeconds: Double = 0
    var renderSeconds: Double = 0

    var problems: [TemplateProblem] { template.problems }

    /// Figures without data and claims the data does not support, as sentences.
    var attention: [String] {
        var out: [String] = []
        var seen: Set<String> = []
        let runs = document.title + document.blocks.flatMap { block -> [DocumentRun] in
            switch block {
            case .heading(_, let runs), .paragraph(let runs): return runs
            case .table: return []
            }
        }
        for run in runs {
            switch run.role {
            case .missing(let id, let reason) where seen.insert(id).inserted:
                out.append("「\(metrics[id]?.label ?? "一项指标")」无数据：\(reason)")
            case .claim(let id, let problem?) where seen.insert(id).inserted:
                out.append("「\(run.text)」与记录不符：\(problem)")
            default: continue
            }
        }
        return out
    }

    /// The claims of the catalogue the template uses, with whether the data supports them.
    func claimResults() -> [(ClaimDefinition, Bool, String?)] {
        template.claimIDs.compactMap { id in
            guard let claim = metrics.claims[id], let metric = metrics[claim.metric] else { return nil }
            let value = values[claim.metric].flatMap { metric.shownNumber($0) }
            let holds = claim.holds(for: value)
            let problem = holds ? nil : value.map { claim.failure.replacingOccurrences(of: "{value}", with: metric.display(.number($0 * metric.divisor)) ?? "") } ?? "无数据"
            return (claim, holds, problem)
        }
    }

    /// Every metric of the catalogue with its value and unit, every claim and every
    /// template problem.
    func json() throws -> Data {
        var list: [[String: Any]] = []
        for m in metrics.metrics {
            var entry: [String: Any] = ["id": m.id, "label": m.label, "unit": m.unit, "basis": m.basis]
            switch values[m.id] ?? .missing("未计算") {
            case .number(let d):
                let shown = MetricFormat.round(d / m.divisor, decimals: m.decimals)
                entry["value"] = NSDecimalNumber(decimal: shown)
                entry["display"] = m.display(.number(d)) ?? ""
            case .names(let names):
                entry["value"] = names
                entry["display"] = m.display(.names(names), nameLimit: template.nameLimit) ?? ""
            case .missing(let reason):
                entry["value"] = NSNull()
                entry["missing"] = reason
            }
            list.append(entry)
        }
        let claims: [[String: Any]] = claimResults().map { c, holds, problem in
            ["id": c.id, "words": c.words, "metric": c.metric, "supported": holds, "problem": problem ?? NSNull()]
        }
        let object: [String: Any] = [
            "unit": ["code": unitCode, "name": unitName],
            "year": year,
            "title": document.titleText,
            "metrics": list,
            "claims": claims,
            "problems": problems.map { ["line": $0.line, "message": $0.message] },
            "attention": attention,
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}

struct ReportBuilder {
    let db: any Database
    let kinds: Catalogue
    let metrics: MetricCatalogue
    let unit: OrgUnit
    let year: Int
    let templateText: String
    /// Every metric of the catalogue (JSON, snapshots) or only the template's (pages).
    var everyMetric = true
    /// Keep the statements run, for `--print-sql`.
    var recordSQL = false

    init(app: Application, unit: OrgUnit, year: Int, templateText: String, everyMetric: Bool = true) {
        self.init(db: app.db, kinds: app.lvze.catalogue.catalogue, metrics: app.lvze.catalogue.metrics, unit: unit, year: year,
                  templateText: templateText, everyMetric: everyMetric)
    }

    init(db: any Database, kinds: Catalogue, metrics: MetricCatalogue, unit: OrgUnit, year: Int, templateText: String, everyMetric: Bool) {
        self.db = db
        self.kinds = kinds
        self.metrics = metrics
        self.unit = unit
        self.year = year
        self.templateText = templateText
        self.everyMetric = everyMetric
    }

    static let builtinSettings: Set<String> = ["report.year", "unit.name"]

    func build() async throws -> BuiltReport {
        let template = ReportTemplate.parse(templateText, metrics: metrics.byID, claims: metrics.claims, builtinSettings: Self.builtinSettings)
        var settings = template.settings
        settings["report.year"] = String(year)
        settings["unit.name"] = unit.name
        let log = recordSQL ? SQLLog() : nil
        let evaluator = MetricEvaluator(db: db, kinds: kinds, metrics: metrics, scope: unit.unitPath, year: year, settings: settings, log: log)
        let ids = everyMetric ? metrics.metrics.map(\.id) : template.metricIDs
        let started = Date()
        let values = try await evaluator.evaluate(ids)
        let evaluated = Date()
        let document = template.render(values: values, metrics: metrics.byID, claims: metrics.claims, settings: settings)
        var report = BuiltReport(unitCode: unit.code, unitName: unit.name, year: year, metrics: metrics, template: template,
                                 values: values, document: document, settings: settings)
        report.sql = log?.statements ?? []
        report.evaluationSeconds = evaluated.timeIntervalSince(started)
        report.renderSeconds = Date().timeIntervalSince(evaluated)
        return report
    }
}
