import Fluent
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// The figures and charts of one dashboard.
///
/// It takes what it reads as values — the database, the catalogue, the user, the day — so it
/// is computed without a request (the cache computes it once for many).
struct DashboardBody: Sendable {
    let db: any Database
    let catalogue: Catalogue
    let metrics: MetricCatalogue
    let principal: Principal
    let board: DashboardController.Board
    let year: Int
    let today: LocalDate

    var scope: UnitPath { principal.scope }

    /// The board's declaration in `dashboards.yaml`; a board left out shows no key figures.
    var declaration: DashboardDeclaration? { metrics.dashboards[board.rawValue] }
    var keyMetrics: [String] { declaration?.key ?? [] }

    func html() async throws -> HTML {
        var out = try await keyFigures()
        switch board {
        case .safety:
            // The safety system's workflow ledgers: the hazard ledger in the built-in catalogue.
            let hazards = catalogue.kinds(in: .safety).filter { $0.workflow && principal.hasAny(Array($0.readers)) }
            out += chartRow([try await hazardsByMonth(kinds: hazards.map(\.id)), try await accidentsByGrade()])
            out += chartRow([try await statusByUnit(kinds: hazards.map(\.id), title: "隐患整改状态（按单位）")])
        case .integrity:
            var charts = [try await comparison()]
            if let breakdown = try await breakdown() { charts.append(breakdown) }
            out += chartRow(charts)
        case .supervision:
            let kinds = catalogue.kinds.filter { $0.workflow && principal.hasAny(Array($0.readers)) }.map(\.id)
            out += chartRow([try await statusByUnit(kinds: kinds, title: "整改事项状态（按单位）")])
            out += chartRow([try await overdueRanking(kinds: kinds)])
        case .party, .ideology:
            out += chartRow([try await comparison()])
        }
        return out
    }

    /// Charts side by side; each is SVG from `SVGChart`, which escapes its own text.
    func chartRow(_ charts: [String]) -> HTML {
        "<div class=\"chart-row\">\(HTML.each(charts) { "<figure class=\"chart\">\(HTML(trusted: $0))</figure>" })</div>\n"
    }

    func evaluate(_ ids: [String], year: Int) async throws -> [String: MetricValue] {
        try await MetricEvaluator(db: db, kinds: catalogue, metrics: metrics, scope: scope, year: year)
            .evaluate(ids)
    }

    /// The key figures: this year, the year before, and the change.
    func keyFigures() async throws -> HTML {
        let ids = keyMetrics
        let now = try await evaluate(ids, year: year), before = try await evaluate(ids, year: year - 1)
        let figures = HTML.each(ids.compactMap { id in metrics[id].map { (id, $0) } }) { id, m in
            var change: HTML = "<span class=\"muted\">无上年数据</span>"
            if let a = before[id]?.number, let b = now[id]?.number {
                if a == 0 { change = b == 0 ? "与上年持平" : "上年为0" }
                else {
                    let pct = (b - a) * 100 / a
                    let word = pct > 0 ? "增长" : (pct < 0 ? "下降" : "持平")
                    change = pct == 0 ? "与上年持平" : "同比\(word)\(MetricFormat.number(pct.magnitude, decimals: 1))%"
                }
            }
            let shown: HTML = now[id].flatMap { m.display($0) }.map { "\($0)" } ?? "<mark class=\"missing\">无数据</mark>"
            let drill = Endpoint.reportDrill.url(query: [("metric", id), ("unit", principal.unit.code), ("year", String(year))])
            return """
                <a class="kpi" href="\(drill)"><span class="kpi-label">\(m.label)</span>\
                <span class="kpi-value">\(shown)<small>\(m.unit)</small></span><span class="kpi-change">\(change)</span></a>
                """
        }
        let note: HTML = .when(year == today.year) { "<p class=\"muted small\">本年数据截至今日，上年为全年数。点击数字查看所依据的记录。</p>\n" }
        return "<div class=\"kpis\">\(figures)</div>\n\(note)"
    }

    /// This year against the year before for the key figures, as each one's change in per cent:
    /// figures of different units (persons, organisations, yuan) share one axis only as changes.
    func comparison() async throws -> String {
        let metrics = metrics
        let ids = keyMetrics.filter { metrics[$0]?.isNameList == false }
        let now = try await evaluate(ids, year: year), before = try await evaluate(ids, year: year - 1)
        func value(_ v: MetricValue?, _ m: MetricDefinition) -> Double? {
            v.flatMap { m.shownNumber($0) }.map { NSDecimalNumber(decimal: $0).doubleValue }
        }
        var labels: [String] = [], changes: [Double?] = []
        for id in ids {
            guard let m = metrics[id] else { continue }
            let a = value(now[id], m), b = value(before[id], m)
            // Without a figure last year a change has no per cent: the label says why there is no bar.
            if let a, let b, b != 0 {
                labels.append(m.label)
                changes.append(((a - b) / b * 1000).rounded() / 10)
            } else {
                labels.append(m.label + (b == 0 ? "（上年为0）" : "（无数据）"))
                changes.append(nil)
            }
        }
        return SVGChart.bar(title: "主要指标同比变化（\(year)年比\(year - 1)年）", categories: labels,
                            series: [ChartSeries(name: "同比变化", values: changes)], unit: "%",
                            width: 860, height: 380, id: "cmp-\(board.rawValue)")
    }

    /// Hazards found and closed per month.
    func hazardsByMonth(kinds: [String]) async throws -> String {
        let kindList = SQLBind.group(kinds.isEmpty ? [""] : kinds)
        let rows = try await db.sql.raw("""
            SELECT substr(records.record_date, 6, 2) AS m, count(*) AS n FROM records JOIN units ON units.id = records.unit_id \
            WHERE records.kind IN \(kindList) AND records.year = \(bind: year) \
            AND units.path >= \(bind: scope.value) AND units.path < \(bind: scope.subtreeUpperBound) GROUP BY substr(records.record_date, 6, 2)
            """).all()
        let closed = try await db.sql.raw("""
            SELECT substr(records.closed_on, 6, 2) AS m, count(*) AS n FROM records JOIN units ON units.id = records.unit_id \
            WHERE records.kind IN \(kindList) AND records.closed_on >= \(bind: "\(year)-01-01") AND records.closed_on <= \(bind: "\(year)-12-31") \
            AND units.path >= \(bind: scope.value) AND units.path < \(bind: scope.subtreeUpperBound) GROUP BY substr(records.closed_on, 6, 2)
            """).all()
        func monthly(_ rows: [any SQLRow]) throws -> [Double?] {
            var v = [Double?](repeating: 0, count: 12)
            for r in rows {
                if let m = Int(try r.decode(column: "m", as: String.self)), (1...12).contains(m) {
                    v[m - 1] = Double(try r.decode(column: "n", as: Int.self))
                }
            }
            if year == today.year { for i in today.month..<12 { v[i] = nil } }
            return v
        }
        return SVGChart.bar(title: "\(year)年隐患排查和销号（按月）", categories: (1...12).map { "\($0)月" },
                            series: [ChartSeries(name: "查出隐患", values: try monthly(rows)),
                                     ChartSeries(name: "销号", values: try monthly(closed), tone: .closed)],
                            unit: "条", width: 620, height: 340, id: "hazards-month")
    }

    /// Accidents of the year by grade (国务院令第493号), graded from the records by the
    /// catalogue's computed field, in whichever ledger declares one.
    func accidentsByGrade() async throws -> String {
        var counts: [AccidentGrade: Int] = [:]
        var any = false
        for kind in catalogue.kinds where principal.hasAny(Array(kind.readers)) {
            guard let grade = kind.computed.first(where: { $0.rule == .accidentGrade }) else { continue }
            let rows = try await db.sql.raw("""
                SELECT records.data FROM records JOIN units ON units.id = records.unit_id \
                WHERE records.kind = \(bind: kind.id) AND records.year = \(bind: year) \
                AND units.path >= \(bind: scope.value) AND units.path < \(bind: scope.subtreeUpperBound)
                """).all()
            let reader = FieldJSON.Reader(fields: kind.fields.filter { grade.inputs.values.contains($0.id) })
            for r in rows {
                guard let g = grade.accidentGrade(reader.decode(try r.decode(column: "data", as: String.self)), kind: kind) else { continue }
                counts[g, default: 0] += 1
                any = true
            }
        }
        return SVGChart.donut(title: "\(year)年生产安全事故（按等级）",
                              slices: any ? AccidentGrade.allCases.map { ChartSlice(label: $0.label, value: Double(counts[$0] ?? 0)) } : [],
                              unit: "起", width: 520, height: 300, id: "accident-grades")
    }

    /// The board's declared breakdown (the four forms of discipline on the integrity board),
    /// drawn only for a user who may read every ledger its figures come from.
    func breakdown() async throws -> String? {
        guard let b = declaration?.breakdown else { return nil }
        let kinds = Set(metrics.closure(of: b.metrics).compactMap { metrics[$0]?.kind })
        guard kinds.allSatisfy({ catalogue[$0].map { principal.hasAny(Array($0.readers)) } ?? false }) else { return nil }
        let v = try await evaluate(b.metrics, year: year)
        let slices = b.metrics.map { id in
            ChartSlice(label: metrics[id]?.label ?? id, value: v[id]?.number.map { NSDecimalNumber(decimal: $0).doubleValue })
        }
        return SVGChart.donut(title: "\(year)年\(b.title)", slices: slices, unit: b.unit, width: 520, height: 300, id: "breakdown-\(board.rawValue)")
    }

    /// The units one level below the scope, with their paths, in tree order.
    func children() async throws -> [OrgUnit] {
        try await OrgUnit.query(on: db).within(scope).filter(\.$depth == principal.unit.depth + 1)
            .sort(\.$sortOrder).sort(\.$code).all()
    }

    /// Counts by (child unit, status) of workflow items, folded from unit paths.
    func countsByChild(kinds: [String], extra: String = "") async throws -> ([OrgUnit], [Int: [String: Int]]) {
        let kids = try await children()
        guard !kinds.isEmpty else { return (kids, [:]) }
        let rows = try await db.sql.raw("""
            SELECT units.path AS path, records.status AS status, count(*) AS n FROM records JOIN units ON units.id = records.unit_id \
            WHERE records.kind IN (\(SQLList(kinds.map { SQLBind($0) }))) \(unsafeRaw: extra) \
            AND units.path >= \(bind: scope.value) AND units.path < \(bind: scope.subtreeUpperBound) GROUP BY units.path, records.status
            """).all()
        var out: [Int: [String: Int]] = [:]
        for r in rows {
            let path = try r.decode(column: "path", as: String.self)
            guard let child = kids.first(where: { path.hasPrefix($0.path) }) else { continue }
            out[child.id!, default: [:]][try r.decode(column: "status", as: String.self), default: 0] += try r.decode(column: "n", as: Int.self)
        }
        return (kids, out)
    }

    func statusByUnit(kinds: [String], title: String) async throws -> String {
        let (kids, counts) = try await countsByChild(kinds: kinds)
        let shown = kids.filter { counts[$0.id!] != nil }.prefix(24)
        let states: [RectificationState] = [.pending, .inProgress, .closureRequested, .closed]
        let series = states.map { s in
            ChartSeries(name: s.label, values: shown.map { Double(counts[$0.id!]?[s.rawValue] ?? 0) }, tone: .state(s))
        }
        return SVGChart.bar(title: title, categories: shown.map(\.name), series: series, stacked: true, unit: "项",
                            width: 1100, height: 400, id: "status-\(kinds.count)")
    }

    func overdueRanking(kinds: [String]) async throws -> String {
        let (kids, counts) = try await countsByChild(kinds: kinds,
                                                     extra: "AND records.status <> 'closed' AND records.due_date < '\(today.iso)'")
        let ranked = kids.map { ($0.name, counts[$0.id!]?.values.reduce(0, +) ?? 0) }.filter { $0.1 > 0 }
            .sorted { $0.1 > $1.1 }.prefix(15)
        return SVGChart.horizontalBar(title: "超期未销号事项排名（按单位，截至\(today.chinese)）", labels: ranked.map(\.0),
                                      values: ranked.map { Double($0.1) }, unit: "项", tone: .overdue, width: 1100, id: "overdue-rank")
    }
}
