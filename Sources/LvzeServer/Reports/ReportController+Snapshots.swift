import Fluent
import Foundation
import LvzeCore
import LvzeOffice
import SQLKit
import Vapor

/// Issued reports: the values and the records behind each figure frozen with a hash; the
/// page shows which figures have moved since, and by how much.
extension ReportController {
    func bootSnapshots(routes: any RoutesBuilder) {
        routes.get(.snapshots, use: snapshots)
        routes.get(.snapshot, use: snapshot)
        routes.get(.snapshotDownload, use: snapshotDownload)
    }

    func issue(req: Request) async throws -> Response {
        let p = try req.require(Self.issuers)
        let s = try await selection(req, p)
        let report = try await req.reportBuilder(unit: s.unit, year: s.year, templateText: s.templateText, everyMetric: true).build()
        guard report.problems.isEmpty else {
            return req.redirect(to: Endpoint.reports.url(query: s.queryItems).path,
                                flash: "!模板有\(report.problems.count)处问题，不能签发：\(report.problems.first!.description)")
        }
        let snapshot = try await ReportSnapshots.freeze(report, templateName: s.templateName, templateBody: s.templateText,
                                                        unit: s.unit, principal: p, req: req)
        return req.redirect(to: Endpoint.snapshot.url(snapshot.id!).path, flash: "已签发\(s.unit.name)\(s.year)年度报告，数值和所依据的记录已固定")
    }

    struct SnapshotListContent: Encodable {
        var items: [SnapshotLink]
    }

    func snapshots(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let rows = try await ReportSnapshot.query(on: req.db).join(OrgUnit.self, on: \ReportSnapshot.$unit.$id == \OrgUnit.$id)
            .filter(OrgUnit.self, \.$path >= p.scope.value).filter(OrgUnit.self, \.$path < p.scope.subtreeUpperBound)
            .sort(\.$issuedAt, .descending).limit(500).all()
        return try await req.render("reports/snapshots", title: "已签发的报告", SnapshotListContent(items: rows.map {
            SnapshotLink(href: Endpoint.snapshot.url($0.id!).path, title: $0.title, issuedAt: ISOTime.local($0.issuedAt), issuedBy: $0.issuedByName)
        }), section: SiteURL.reports.path)
    }

    struct SnapshotContent: Encodable {
        var id: Int
        var title: String
        var unitName: String
        var year: Int
        var issuedAt: String
        var issuedBy: String
        var templateName: String
        var sha256: String
        var intact: Bool
        var moved: [Moved]
        var unchanged: Int
        var reportHTML: HTML
    }

    struct Moved: Encodable {
        var id: String
        var label: String
        var then: String
        var now: String
        var change: String
        var added: Int
        var removed: Int
        var href: String
    }

    func loadSnapshot(_ req: Request, _ p: Principal) async throws -> (ReportSnapshot, OrgUnit) {
        guard let id = req.parameters.get("id", as: Int.self), let snap = try await ReportSnapshot.find(id, on: req.db) else { throw Abort(.notFound) }
        guard let unit = try await OrgUnit.find(snap.$unit.id, on: req.db), p.scope.contains(unit.unitPath) else { throw Abort(.notFound) }
        return (snap, unit)
    }

    func snapshot(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let (snap, unit) = try await loadSnapshot(req, p)
        let frozen = ReportSnapshots.decodeValues(snap.metricValues)
        let frozenIDs = ReportSnapshots.decodeIDs(snap.recordIDs)
        let metrics = req.lvze.catalogue.metrics
        let settings = (try? JSONDecoder().decode([String: String].self, from: Data(snap.settings.utf8))) ?? [:]
        // Now: the same template, unit and year on today's records.
        let evaluator = MetricEvaluator(db: req.db, kinds: req.lvze.catalogue.catalogue, metrics: metrics, scope: unit.unitPath,
                                        year: snap.year, settings: settings)
        let ids = frozen.keys.sorted()
        let current = try await evaluator.evaluate(ids)
        let currentIDs = try await ReportSnapshots.recordIDs(ids.compactMap { metrics[$0] }, evaluator: evaluator)
        var moved: [Moved] = []
        var unchanged = 0
        let base = [("unit", unit.code), ("year", String(snap.year))]
        for m in metrics.metrics where frozen[m.id] != nil {
            let then = frozen[m.id]!, now = current[m.id] ?? .missing("")
            let thenIDs = Set(frozenIDs[m.id] ?? []), nowIDs = Set(currentIDs[m.id] ?? [])
            if then == now && thenIDs == nowIDs { unchanged += 1; continue }
            var change = ""
            if let a = m.shownNumber(then), let b = m.shownNumber(now) {
                let d = b - a
                change = d == 0 ? "数值未变，记录有变" : (d > 0 ? "+" : "") + MetricFormat.number(d, decimals: m.decimals)
            } else {
                change = "有无数据发生变化"
            }
            moved.append(Moved(id: m.id, label: m.label, then: m.display(then) ?? "【无数据】", now: m.display(now) ?? "【无数据】",
                               change: change, added: nowIDs.subtracting(thenIDs).count, removed: thenIDs.subtracting(nowIDs).count,
                               href: Endpoint.reportDrill.url(query: [("metric", m.id)] + base).path))
        }
        let document = ReportSnapshots.document(snap, metrics: metrics, values: frozen, settings: settings)
        let built = BuiltReport(unitCode: unit.code, unitName: unit.name, year: snap.year, metrics: metrics,
                                template: ReportTemplate.parse(snap.templateBody, metrics: metrics.byID, claims: metrics.claims,
                                                               builtinSettings: ReportBuilder.builtinSettings),
                                values: frozen, document: document, settings: settings)
        return try await req.render("reports/snapshot", title: snap.title, SnapshotContent(
            id: snap.id!, title: snap.title, unitName: unit.name, year: snap.year, issuedAt: ISOTime.local(snap.issuedAt),
            issuedBy: snap.issuedByName, templateName: snap.templateName, sha256: snap.sha256,
            intact: ReportSnapshots.hash(snap, unitCode: unit.code) == snap.sha256, moved: moved, unchanged: unchanged,
            reportHTML: ReportHTML(report: built, links: false).body()), section: SiteURL.reports.path)
    }

    func snapshotDownload(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let (snap, _) = try await loadSnapshot(req, p)
        let metrics = req.lvze.catalogue.metrics
        let settings = (try? JSONDecoder().decode([String: String].self, from: Data(snap.settings.utf8))) ?? [:]
        let document = ReportSnapshots.document(snap, metrics: metrics, values: ReportSnapshots.decodeValues(snap.metricValues), settings: settings)
        let data = try await req.application.threadPool.runIfActive { try DocxWriter.data(document) }
        return fileResponse(data, type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document", name: "\(snap.title).docx")
    }
}

/// Freezing, reading back and checking issued reports.
enum ReportSnapshots {
    static func freeze(_ report: BuiltReport, templateName: String, templateBody: String, unit: OrgUnit, principal p: Principal,
                       req: Request) async throws -> ReportSnapshot {
        let evaluator = MetricEvaluator(db: req.db, kinds: req.lvze.catalogue.catalogue, metrics: report.metrics, scope: unit.unitPath,
                                        year: report.year, settings: report.settings)
        let ids = try await recordIDs(report.metrics.metrics, evaluator: evaluator)
        let snap = ReportSnapshot()
        snap.$unit.id = unit.id!
        snap.year = report.year
        snap.title = report.document.titleText
        snap.templateName = templateName
        snap.templateBody = templateBody
        snap.settings = encode(report.settings)
        snap.metricValues = encode(report.values)
        snap.recordIDs = encode(ids)
        snap.issuedBy = p.userID
        snap.issuedByName = p.user.displayName
        snap.issuedAt = req.now
        snap.sha256 = hash(snap, unitCode: unit.code)
        try await req.db.transaction { tx in
            try await snap.create(on: tx)
            try await req.audit(.report, "report_snapshot", String(snap.id!), "签发\(unit.name)\(report.year)年度报告「\(snap.title)」",
                                after: ["sha256": snap.sha256, "template": templateName], on: tx)
        }
        return snap
    }

    /// The ids of the records behind every record-based figure.
    static func recordIDs(_ metrics: [MetricDefinition], evaluator: MetricEvaluator) async throws -> [String: [Int]] {
        var out: [String: [Int]] = [:]
        for m in metrics {
            guard let q = evaluator.query(m), q.unresolved == nil else { continue }
            let rows = try await evaluator.db.sql.raw("""
                SELECT records.id AS id FROM records JOIN units ON units.id = records.unit_id \
                WHERE \(SQLList(q.conditions(), separator: SQLRaw(" AND "))) ORDER BY records.id
                """).all()
            out[m.id] = try rows.map { try $0.decode(column: "id", as: Int.self) }
        }
        return out
    }

    static func encode<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
    }

    static func decodeValues(_ text: String) -> [String: MetricValue] {
        (try? JSONDecoder().decode([String: MetricValue].self, from: Data(text.utf8))) ?? [:]
    }

    static func decodeIDs(_ text: String) -> [String: [Int]] {
        (try? JSONDecoder().decode([String: [Int]].self, from: Data(text.utf8))) ?? [:]
    }

    /// SHA-256 over every frozen part, length-prefixed so no two contents hash alike.
    static func hash(_ s: ReportSnapshot, unitCode: String) -> String {
        Secrets.sha256(parts: [unitCode, String(s.year), s.title, s.templateName, s.templateBody, s.settings, s.metricValues, s.recordIDs,
                               String(s.issuedBy), String(Int64((s.issuedAt.timeIntervalSince1970 * 1000).rounded()))])
    }

    /// The issued document, rendered from its own template and frozen values.
    static func document(_ s: ReportSnapshot, metrics: MetricCatalogue, values: [String: MetricValue], settings: [String: String]) -> ReportDocument {
        let template = ReportTemplate.parse(s.templateBody, metrics: metrics.byID, claims: metrics.claims, builtinSettings: ReportBuilder.builtinSettings)
        return template.render(values: values, metrics: metrics.byID, claims: metrics.claims, settings: settings)
    }
}
