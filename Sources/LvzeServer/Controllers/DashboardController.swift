import Fluent
import Foundation
import LvzeCore
import NIOConcurrencyHelpers
import SQLKit
import Vapor

/// Dashboards per responsibility system and for 整改督办: key figures with the change on
/// the year before, and charts drawn here as SVG. A dashboard's body is computed once per
/// scope and year and kept until data changes (any write through the server) or a minute
/// passes (a command-line import), so opening it costs no more than an ordinary page.
struct DashboardController {
    static let readers: [Role] = [.leader, .clerk, .reviewer, .discipline]

    func boot(routes: any RoutesBuilder) {
        routes.get("dashboards", ":board", use: show)
    }

    enum Board: String, CaseIterable {
        case party, integrity, ideology, safety, supervision

        var title: String {
            switch self {
            case .supervision: return "整改督办看板"
            default: return "\(LedgerSystem(rawValue: rawValue)!.label)看板"
            }
        }

        /// The figures shown at the top, with their change on the year before.
        var keyMetrics: [String] {
            switch self {
            case .party: return ["party.training_classes.count", "party.courses.collected", "party.commando_teams.count", "party.deployments.people",
                                 "party.weak_orgs.transformed", "party.center_households.count", "party.talent.hightech_new", "party.talent.patents"]
            case .integrity: return ["integrity.meetings.standing_committee", "integrity.clues.disposed", "integrity.four_forms.total",
                                     "integrity.accountability.people", "integrity.four_winds.cases", "integrity.circulars.thematic",
                                     "integrity.loans.amount", "integrity.env_inspection.total"]
            case .ideology: return ["ideology.media.placements", "ideology.practice.stations_upgraded", "ideology.practice.posts_upgraded",
                                    "ideology.practice.points_new", "ideology.publications.inspections", "ideology.online.handled"]
            case .safety: return ["safety.accidents.count", "safety.accidents.deaths", "safety.hazards.found", "safety.hazards.rectified",
                                  "safety.inspections.enterprises", "safety.orders.suspended_enterprises", "safety.meetings.standing_committee",
                                  "safety.supervision.items"]
            case .supervision: return ["safety.hazards.found", "safety.hazards.rectified", "integrity.env_inspection.total",
                                       "integrity.env_inspection.closed", "safety.supervision.items", "safety.supervision.closed"]
            }
        }
    }

    struct Content: Encodable {
        var title: String
        var boards: [SelectOption]
        var yearOptions: [SelectOption]
        var board: String
        var body: String
        var computedAt: String
    }

    func show(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        guard let board = Board(rawValue: req.parameters.get("board") ?? "") else { throw Abort(.notFound) }
        let thisYear = LocalDate(req.now).year
        var year = thisYear
        if let y = try? req.query.get(Int.self, at: "year"), (2000...thisYear).contains(y) { year = y }
        // Keyed by everything the body depends on: scope, year, the caller's roles and the
        // ledgers they may read (a custom ledger's readers are set per kind), so one role's
        // figures never reach another with the same scope.
        let readable = req.lvze.catalogue.catalogue.kinds.filter { p.hasAny(Array($0.readers)) }.map(\.id).sorted()
        let key = "\(board.rawValue)|\(p.scope.value)|\(year)|\(p.roles.map(\.rawValue).sorted().joined(separator: ","))|"
            + Secrets.sha256(readable.joined(separator: ","))
        let cache = req.lvze.dashboards
        let version = req.lvze.dataVersion.current
        // The whole page is kept per user and form token too, so a repeat view costs no more
        // than finding the session; a flash message or new data makes a fresh one.
        let pageKey = "\(key)|\(p.userID)|\(p.session?.csrfToken ?? "")"
        let hasFlash = req.cookies[Cookies.flash] != nil
        if !hasFlash, let page = cache.page(pageKey, version: version, now: req.now) {
            let response = Response(status: .ok, body: .init(buffer: page))
            response.headers.contentType = .html
            return response
        }
        let body: String, at: Date
        if let hit = cache.get(key, version: version, now: req.now) {
            (body, at) = hit
        } else {
            // One computation per dashboard at a time: others asking meanwhile wait for it.
            let chosenYear = year
            (body, at) = try await cache.computeOnce("\(key)|\(version)") {
                let html = try await DashboardBody(req: req, principal: p, board: board, year: chosenYear).html()
                cache.put(key, html: html, version: version, at: req.now)
                return (html, req.now)
            }
        }
        let response = try await req.render("dashboards/show", title: board.title, Content(
            title: board.title,
            boards: Board.allCases.map { SelectOption(value: "/dashboards/\($0.rawValue)?year=\(year)", label: $0.title, selected: $0 == board) },
            yearOptions: (thisYear - 4...thisYear).reversed().map { SelectOption(value: String($0), label: "\($0)年", selected: $0 == year) },
            board: board.rawValue, body: body, computedAt: ISOTime.local(at)),
                                 section: board == .supervision ? SiteURL.supervision.path : SiteURL.system(ResponsibilitySystem(rawValue: board.rawValue)!).path)
        if !hasFlash, response.status == .ok, response.cookies.all.isEmpty, let buffer = response.body.buffer {
            cache.putPage(pageKey, buffer, version: version, at: at)
        }
        return response
    }
}

/// Counts every write through the server, so cached dashboards know when they are stale.
final class DataVersion: Sendable {
    private let value = NIOLockedValueBox(0)
    var current: Int { value.withLockedValue { $0 } }
    func bump() { value.withLockedValue { $0 += 1 } }
}

/// Rendered dashboard bodies by scope, year and board.
final class DashboardCache: Sendable {
    struct Entry {
        var html: String
        var version: Int
        var at: Date
    }
    private let entries = NIOLockedValueBox<[String: Entry]>([:])
    private let running = NIOLockedValueBox<[String: Task<(String, Date), any Error>]>([:])
    /// Whole pages as sent, so a repeat view copies nothing.
    private let pages = NIOLockedValueBox<[String: (ByteBuffer, Int, Date)]>([:])

    func page(_ key: String, version: Int, now: Date) -> ByteBuffer? {
        pages.withLockedValue { p in
            guard let (buffer, v, at) = p[key], v == version, now.timeIntervalSince(at) < Self.lifetime else { return nil }
            return buffer
        }
    }

    func putPage(_ key: String, _ buffer: ByteBuffer, version: Int, at: Date) {
        pages.withLockedValue { p in
            if p.count > 500 { p.removeAll() }
            p[key] = (buffer, version, at)
        }
    }
    static let lifetime: TimeInterval = 60

    /// Runs `work` for `key` unless it is already running, in which case waits for that run.
    func computeOnce(_ key: String, _ work: @escaping @Sendable () async throws -> (String, Date)) async throws -> (String, Date) {
        let task = running.withLockedValue { r -> Task<(String, Date), any Error> in
            if let existing = r[key] { return existing }
            let t = Task { try await work() }
            r[key] = t
            return t
        }
        defer { running.withLockedValue { _ = $0.removeValue(forKey: key) } }
        return try await task.value
    }

    func get(_ key: String, version: Int, now: Date) -> (String, Date)? {
        entries.withLockedValue { e in
            guard let hit = e[key], hit.version == version, now.timeIntervalSince(hit.at) < Self.lifetime else { return nil }
            return (hit.html, hit.at)
        }
    }

    func put(_ key: String, html: String, version: Int, at: Date) {
        entries.withLockedValue { e in
            if e.count > 500 { e.removeAll() }
            e[key] = Entry(html: html, version: version, at: at)
        }
    }
}

/// Marks data as changed after every successful write request.
struct DataVersionMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        if request.method != .GET, request.method != .HEAD, response.status.code < 400 {
            request.lvze.dataVersion.bump()
        }
        return response
    }
}

/// The figures and charts of one dashboard.
struct DashboardBody {
    let req: Request
    let principal: Principal
    let board: DashboardController.Board
    let year: Int

    var db: any Database { req.db }
    var scope: UnitPath { principal.scope }

    func html() async throws -> String {
        var out = try await keyFigures()
        switch board {
        case .safety:
            // The safety system's workflow ledgers: the hazard ledger in the built-in catalogue.
            let hazards = req.lvze.catalogue.catalogue.kinds(in: .safety).filter { $0.workflow && principal.hasAny(Array($0.readers)) }
            out += chartRow([try await hazardsByMonth(kinds: hazards.map(\.id)), try await accidentsByGrade()])
            out += chartRow([try await statusByUnit(kinds: hazards.map(\.id), title: "隐患整改状态（按单位）")])
        case .integrity:
            var charts = [try await comparison()]
            if principal.has(.discipline) { charts.append(try await fourForms()) }
            out += chartRow(charts)
        case .supervision:
            let kinds = req.lvze.catalogue.catalogue.kinds.filter { $0.workflow && principal.hasAny(Array($0.readers)) }.map(\.id)
            out += chartRow([try await statusByUnit(kinds: kinds, title: "整改事项状态（按单位）")])
            out += chartRow([try await overdueRanking(kinds: kinds)])
        case .party, .ideology:
            out += chartRow([try await comparison()])
        }
        return out
    }

    func chartRow(_ charts: [String]) -> String {
        "<div class=\"chart-row\">" + charts.map { "<figure class=\"chart\">\($0)</figure>" }.joined() + "</div>\n"
    }

    func evaluate(_ ids: [String], year: Int) async throws -> [String: MetricValue] {
        try await MetricEvaluator(db: db, kinds: req.lvze.catalogue.catalogue, metrics: req.lvze.catalogue.metrics, scope: scope, year: year)
            .evaluate(ids)
    }

    /// The key figures: this year, the year before, and the change.
    func keyFigures() async throws -> String {
        let metrics = req.lvze.catalogue.metrics
        let ids = board.keyMetrics
        let now = try await evaluate(ids, year: year), before = try await evaluate(ids, year: year - 1)
        var html = "<div class=\"kpis\">"
        for id in ids {
            guard let m = metrics[id] else { continue }
            let shown = now[id].flatMap { m.display($0) }
            var change = "<span class=\"muted\">无上年数据</span>"
            if let a = before[id]?.number, let b = now[id]?.number {
                if a == 0 { change = b == 0 ? "与上年持平" : "上年为0" }
                else {
                    let pct = (b - a) * 100 / a
                    let word = pct > 0 ? "增长" : (pct < 0 ? "下降" : "持平")
                    change = pct == 0 ? "与上年持平" : "同比\(word)\(MetricFormat.number(pct.magnitude, decimals: 1))%"
                }
            }
            let href = escapeHTML("/reports/drill?metric=\(urlEncode(id))&unit=\(urlEncode(principal.unit.code))&year=\(year)")
            html += "<a class=\"kpi\" href=\"\(href)\"><span class=\"kpi-label\">\(escapeHTML(m.label))</span>"
            html += "<span class=\"kpi-value\">\(shown.map(escapeHTML) ?? "<mark class=\"missing\">无数据</mark>")<small>\(escapeHTML(m.unit))</small></span>"
            html += "<span class=\"kpi-change\">\(change)</span></a>"
        }
        html += "</div>\n"
        if year == LocalDate(req.now).year {
            html += "<p class=\"muted small\">本年数据截至今日，上年为全年数。点击数字查看所依据的记录。</p>\n"
        }
        return html
    }

    /// This year against the year before for the key figures.
    func comparison() async throws -> String {
        let metrics = req.lvze.catalogue.metrics
        let ids = board.keyMetrics.filter { metrics[$0]?.isNameList == false }
        let now = try await evaluate(ids, year: year), before = try await evaluate(ids, year: year - 1)
        func value(_ v: MetricValue?, _ m: MetricDefinition) -> Double? {
            v.flatMap { m.shownNumber($0) }.map { NSDecimalNumber(decimal: $0).doubleValue }
        }
        let labels = ids.compactMap { metrics[$0]?.label }
        return SVGChart.bar(title: "主要指标与上年对比", categories: labels,
                            series: [ChartSeries(name: "\(year - 1)年", values: ids.map { value(before[$0], metrics[$0]!) }),
                                     ChartSeries(name: "\(year)年", values: ids.map { value(now[$0], metrics[$0]!) })],
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
            if year == LocalDate(req.now).year { for i in LocalDate(req.now).month..<12 { v[i] = nil } }
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
        for kind in req.lvze.catalogue.catalogue.kinds where principal.hasAny(Array(kind.readers)) {
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

    /// The four forms of discipline (纪检 only: built only for that role).
    func fourForms() async throws -> String {
        let ids = (1...4).map { "integrity.four_forms.form\($0)" }
        let v = try await evaluate(ids, year: year)
        let labels = ["第一种形态", "第二种形态", "第三种形态", "第四种形态"]
        let slices = zip(ids, labels).map { ChartSlice(label: $1, value: v[$0]?.number.map { NSDecimalNumber(decimal: $0).doubleValue }) }
        return SVGChart.donut(title: "\(year)年运用“四种形态”（人次）", slices: slices, unit: "人次", width: 520, height: 300, id: "four-forms")
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
        let today = LocalDate(req.now).iso
        let (kids, counts) = try await countsByChild(kinds: kinds,
                                                     extra: "AND records.status <> 'closed' AND records.due_date < '\(today)'")
        let ranked = kids.map { ($0.name, counts[$0.id!]?.values.reduce(0, +) ?? 0) }.filter { $0.1 > 0 }
            .sorted { $0.1 > $1.1 }.prefix(15)
        return SVGChart.horizontalBar(title: "超期未销号事项排名（按单位，截至\(LocalDate(req.now).chinese)）", labels: ranked.map(\.0),
                                      values: ranked.map { Double($0.1) }, unit: "项", tone: .overdue, width: 1100, id: "overdue-rank")
    }
}
