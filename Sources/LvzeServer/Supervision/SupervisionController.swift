import Fluent
import LvzeCore
import Vapor

/// The 整改督办 page and its export.
struct SupervisionController {
    static let readers = SystemController.readers
    /// Items listed under a unit; the counts above the list are exact.
    static let listLimit = 500
    /// Items listed under the unit lines when no unit is chosen.
    static let overviewLimit = 50
    /// Items exported at most.
    static let exportLimit = 20_000

    func boot(routes: any RoutesBuilder) {
        routes.get(.supervision, use: page)
        routes.get(.supervisionExport, use: export)
    }

    struct Content: Encodable {
        var lines: [Supervision.UnitLine]
        var total: Supervision.Counts
        var unitName: String?
        var unitID: Int?
        var direct: Bool
        var unitCounts: Supervision.Counts?
        var rowsHTML: HTML
        var listed: Int
        var truncated: Bool
        var urge: Bool
        var systems: [SelectOption]
        var sources: [SelectOption]
        var filtered: Bool
        var waitingOnly: Bool
        var back: String
        var export: String
        var ledgers: [SystemController.Link]
        var rows: [FlagQueries.Row]
        var overYear: Int
    }

    /// The filter from the query; a unit outside the user's scope is not found.
    private func filter(_ req: Request, units: Supervision.Units, sources: [String]) throws -> Supervision.Filter {
        var f = Supervision.Filter()
        if let s: String = req.query["system"], !s.isEmpty {
            guard let system = LedgerSystem(rawValue: s), system != .common else { throw Abort(.badRequest, reason: "责任制「\(s)」不存在") }
            f.system = system
        }
        if let s: String = req.query["source"], !s.isEmpty {
            guard sources.contains(s) else { throw Abort(.badRequest, reason: "问题来源「\(s)」不在可选范围内") }
            f.source = s
        }
        f.waitingOnly = (req.query["waiting"] as String?) == "1"
        if let u: String = req.query["unit"], !u.isEmpty {
            guard let id = Int(u), units.byID[id] != nil else { throw Abort(.notFound, reason: "管辖范围内没有这个单位") }
            f.unitID = id
            f.direct = (req.query["direct"] as String?) == "1"
        }
        return f
    }

    private struct Computed {
        var entry: SupervisionCache.Entry
        var filter: Supervision.Filter
        var units: Supervision.Units
        var kinds: [LedgerKind]
        var sources: [String]
    }

    /// Without a unit the page lists the scope's earliest deadlines only; an export lists all.
    private func compute(_ req: Request, _ p: Principal, export: Bool, filter given: Supervision.Filter? = nil) async throws -> Computed {
        let catalogue = req.lvze.catalogue.catalogue
        let today = LocalDate(req.now)
        let kinds = Supervision.kinds(catalogue) { p.hasAny(Array($0.readers)) }
        let sources = Supervision.sources(kinds)
        let version = req.lvze.dataVersion.current
        let units = try await req.lvze.supervision.units(p.unit, version: version, on: req.cacheReader)
        let filter = try given ?? filter(req, units: units, sources: sources)
        let limit = export ? Self.exportLimit : filter.unitID == nil && !filter.waitingOnly ? Self.overviewLimit : Self.listLimit
        // Keyed by everything the result depends on: who may read which ledgers where, the filter.
        let key = [p.scope.value, kinds.map(\.id).joined(separator: ","), filter.system?.rawValue ?? "", filter.source ?? "",
                   filter.unitID.map(String.init) ?? "", filter.direct ? "d" : "", filter.waitingOnly ? "w" : "", String(limit), p.hasAny([.leader, .reviewer]) ? "u" : ""]
            .joined(separator: "|")
        if let hit = req.lvze.supervision.get(key, version: version, day: today.iso) {
            return Computed(entry: hit, filter: filter, units: units, kinds: kinds, sources: sources)
        }
        let db = req.cacheReader, cache = req.lvze.supervision, urge = p.hasAny([.leader, .reviewer])
        let entry = try await cache.computeOnce("\(key)|\(version)|\(today.iso)") {
            let s = Supervision(db: db, catalogue: catalogue, today: today)
            let (lines, total) = try await s.lines(kinds: kinds, units: units, filter: filter)
            // Without a unit: the earliest deadlines of the whole scope, so the worst are one look away.
            let unitIDs = filter.unitID.map { units.subtree($0, direct: filter.direct) } ?? units.ids
            let items = try await s.items(kinds: kinds, units: units, unitIDs: unitIDs, filter: filter, limit: limit)
            let entry = SupervisionCache.Entry(lines: lines, total: total, items: items, rowsHTML: Supervision.rowsHTML(items, urge: urge))
            cache.put(key, entry, version: version, day: today.iso)
            return entry
        }
        return Computed(entry: entry, filter: filter, units: units, kinds: kinds, sources: sources)
    }

    /// The unit lines of the user's whole scope, unfiltered (the home page's leader summary).
    static func lines(_ req: Request, _ p: Principal) async throws -> [Supervision.UnitLine] {
        try await SupervisionController().compute(req, p, export: false, filter: Supervision.Filter()).entry.lines
    }

    func page(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let c = try await compute(req, p, export: false)
        // The whole page is kept per user, form token, address and day, like a dashboard's: a
        // repeat view costs no more than finding the session; a flash message or new data makes a fresh one.
        let version = req.lvze.dataVersion.current, today = LocalDate(req.now)
        let pageKey = "supervision|\(p.userID)|\(p.session?.csrfToken ?? "")|\(today.iso)|\(req.url.string)"
        let hasFlash = req.cookies[Cookies.flash] != nil
        if !hasFlash, let page = req.lvze.dashboards.page(pageKey, version: version, now: req.now) {
            let response = Response(status: .ok, body: .init(buffer: page))
            response.headers.contentType = .html
            return response
        }
        let f = c.filter
        let unitLine = f.unitID.flatMap { id in c.entry.lines.first { $0.unitID == id && $0.direct == f.direct } }
        let unitName = f.unitID.map { id in f.direct ? "\(c.units.byID[id]?.name ?? "")（本级）" : c.units.byID[id]?.name ?? "" }
        let rows = try await FlagQueries.open(in: p.scope, kinds: [.backward, .weak], on: req.reader, today: LocalDate(req.now))
        var exportQuery = f.query
        if let id = f.unitID { exportQuery.append(("unit", String(id))); if f.direct { exportQuery.append(("direct", "1")) } }
        let systems = [SelectOption(value: "", label: "全部责任制", selected: f.system == nil)]
            + LedgerSystem.allCases.filter { $0 != .common }.map { SelectOption(value: $0.rawValue, label: $0.label, selected: f.system == $0) }
        let sources = [SelectOption(value: "", label: "全部来源", selected: f.source == nil)]
            + c.sources.map { SelectOption(value: $0, label: $0, selected: f.source == $0) }
        let response = try await req.render("systems/supervision", title: unitName.map { "整改督办 · \($0)" } ?? "整改督办", Content(
            lines: c.entry.lines, total: c.entry.total, unitName: unitName, unitID: f.unitID, direct: f.direct,
            unitCounts: f.unitID == nil ? nil : unitLine?.counts ?? Supervision.Counts(),
            rowsHTML: c.entry.rowsHTML, listed: c.entry.items.count,
            truncated: c.entry.items.count >= (f.unitID == nil && !f.waitingOnly ? Self.overviewLimit : Self.listLimit), urge: p.hasAny([.leader, .reviewer]),
            systems: systems, sources: sources, filtered: f.system != nil || f.source != nil || f.waitingOnly, waitingOnly: f.waitingOnly,
            back: Endpoint.supervision.url(query: f.query).path, export: Endpoint.supervisionExport.url(query: exportQuery).path,
            ledgers: c.kinds.map { SystemController.Link(title: $0.name, detail: "", href: Endpoint.records.url($0.id).path) },
            rows: rows, overYear: rows.filter { $0.days > 365 }.count), section: SiteURL.supervision.path)
        if !hasFlash, response.status == .ok, response.cookies.all.isEmpty, let buffer = response.body.buffer {
            req.lvze.dashboards.putPage(pageKey, buffer, version: version, at: req.now)
        }
        return response
    }

    /// The unit lines and the items as CSV (UTF-8 with BOM), audited as an export.
    func export(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        let c = try await compute(req, p, export: true)
        var csv = "\u{FEFF}责任单位,在办,逾期,滞后于序时进度,待审批\r\n"
        for l in c.entry.lines {
            csv += [l.name, String(l.counts.open), String(l.counts.overdue), String(l.counts.behind), String(l.counts.waiting)]
                .map(csvField).joined(separator: ",") + "\r\n"
        }
        csv += "\r\n责任单位,台账,问题,问题来源,整改时限,剩余天数,实际进度,序时进度,状态,督办原因,延期次数\r\n"
        for i in c.entry.items {
            csv += [i.unitName, i.kindName, i.title, i.source, i.deadline, String(i.daysLeft), "\(i.actual)%", "\(i.expected)%", i.state,
                    i.reason, String(i.extensions)].map(csvField).joined(separator: ",") + "\r\n"
        }
        try await req.audit(.export, "supervision", "", "导出整改督办清单\(c.entry.items.count)条")
        let response = Response(status: .ok, body: .init(string: csv))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .contentDisposition, value: contentDisposition("整改督办清单-\(LocalDate(req.now).iso).csv"))
        return response
    }
}
