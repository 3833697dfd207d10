import Fluent
import Foundation
import LvzeCore
import NIOConcurrencyHelpers
import SQLKit

/// 整改督办: open rectification items of every workflow ledger the user may read, counted by
/// responsible unit (the units one level below the user's) — open, overdue, behind 序时进度,
/// waiting for approval — worst first, and the items behind each count. It reads the columns
/// the record service keeps (`RecordWatch`) through `records_open_idx`, never the items' JSON.
struct Supervision: Sendable {
    let db: any Database
    let catalogue: Catalogue
    let today: LocalDate

    struct Filter: Sendable, Hashable {
        var system: LedgerSystem?
        var source: String?
        /// A unit in scope: its subtree item by item (`direct`: its own items only).
        var unitID: Int?
        var direct = false
        /// Only requests waiting for a reviewer (the reviewer's 待办, in full).
        var waitingOnly = false

        var query: [(String, String)] {
            var q: [(String, String)] = []
            if let system { q.append(("system", system.rawValue)) }
            if let source { q.append(("source", source)) }
            if waitingOnly { q.append(("waiting", "1")) }
            return q
        }
    }

    struct Counts: Sendable, Encodable, Equatable {
        var open = 0, overdue = 0, behind = 0, waiting = 0

        static func += (a: inout Counts, b: Counts) {
            a.open += b.open; a.overdue += b.overdue; a.behind += b.behind; a.waiting += b.waiting
        }
    }

    /// One responsible unit's line.
    struct UnitLine: Sendable, Encodable {
        var unitID: Int
        var name: String
        /// Items of the scope's own unit, not of a unit below.
        var direct: Bool
        var counts: Counts
        var href: String
    }

    struct Item: Sendable {
        var kindID: String
        var kindName: String
        var recordID: Int
        var title: String
        var unitName: String
        var source: String
        var deadline: String
        var daysLeft: Int
        var actual: Int
        var expected: Int
        var behind: Bool
        var waiting: Bool
        var state: String
        var extensions: Int

        var overdue: Bool { daysLeft < 0 }
        /// What the 督办 is about, in words.
        var reason: String {
            var parts: [String] = []
            if overdue { parts.append("逾期\(-daysLeft)天") } else if behind { parts.append("滞后于序时进度") }
            if waiting { parts.append("待审批") }
            return parts.joined(separator: "，")
        }
    }

    /// Units of the scope, by id: names, paths, and the line each counts under.
    struct Units: Sendable {
        var scope: OrgUnit
        var byID: [Int: (name: String, path: UnitPath)]
        /// All ids in scope, when few enough to name in a statement (otherwise the scope is
        /// checked here, row by row).
        var ids: [Int]?

        static func load(_ scope: OrgUnit, on db: any Database) async throws -> Units {
            let rows = try await db.sql.raw("""
                SELECT id, name, path FROM units WHERE path >= \(bind: scope.path) AND path < \(bind: scope.unitPath.subtreeUpperBound)
                """).all()
            var byID: [Int: (name: String, path: UnitPath)] = [:]
            for r in rows {
                byID[try r.decode(column: "id", as: Int.self)] = (try r.decode(column: "name", as: String.self),
                                                                   UnitPath(try r.decode(column: "path", as: String.self)))
            }
            let total = try await db.sql.raw("SELECT count(*) AS n FROM units").first()?.decode(column: "n", as: Int.self) ?? 0
            return Units(scope: scope, byID: byID, ids: byID.count == total || byID.count > 2000 ? nil : byID.keys.sorted())
        }

        /// The unit one level below the scope that `id` belongs to (the scope's own id for its own items).
        func line(of id: Int) -> Int? {
            guard let path = byID[id]?.path.ids else { return nil }
            let depth = scope.unitPath.ids.count
            return path.count > depth ? path[depth] : scope.id
        }

        /// Ids of a unit's subtree (or the unit alone), nil when that is the whole table.
        func subtree(_ unitID: Int, direct: Bool) -> [Int]? {
            if direct { return [unitID] }
            guard let root = byID[unitID]?.path else { return [] }
            if unitID == scope.id { return ids }
            return byID.filter { root.contains($0.value.path) }.map(\.key).sorted()
        }
    }

    /// Workflow kinds the user may read, narrowed by the filter's system.
    static func kinds(_ catalogue: Catalogue, readable: (LedgerKind) -> Bool) -> [LedgerKind] {
        catalogue.kinds.filter { $0.workflow && readable($0) }
    }

    /// The 问题来源 values offered as a filter: those of the kinds' source fields, in order.
    static func sources(_ kinds: [LedgerKind]) -> [String] {
        var out: [String] = []
        for k in kinds { for v in k.field(LedgerKind.WorkflowField.source)?.values ?? [] where !out.contains(v) { out.append(v) } }
        return out
    }

    private func conditions(kinds: [LedgerKind], filter: Filter, ids: [Int]?) -> SQLQueryString {
        var where_: SQLQueryString = "status IN \(unsafeRaw: RecordWatch.openSQL) AND kind IN \(SQLBind.group(kinds.map(\.id)))"
        if let ids { where_ = "\(where_) AND unit_id IN \(SQLBind.group(ids))" }
        if let s = filter.system { where_ = "\(where_) AND system = \(bind: s.rawValue)" }
        if let s = filter.source { where_ = "\(where_) AND source = \(bind: s)" }
        if filter.waitingOnly { where_ = "\(where_) AND awaiting = \(bind: RecordWatch.Awaiting.review.rawValue)" }
        return where_
    }

    /// Each responsible unit's counts, worst first (overdue, then behind, waiting and open).
    func lines(kinds: [LedgerKind], units: Units, filter: Filter) async throws -> (lines: [UnitLine], total: Counts) {
        guard !kinds.isEmpty else { return ([], Counts()) }
        let t = today.iso
        let rows = try await db.sql.raw("""
            SELECT unit_id, count(*) AS open,
              sum(CASE WHEN due_date < \(bind: t) THEN 1 ELSE 0 END) AS overdue,
              sum(CASE WHEN due_date >= \(bind: t) AND behind_on <= \(bind: t) THEN 1 ELSE 0 END) AS behind,
              sum(CASE WHEN awaiting = 'review' THEN 1 ELSE 0 END) AS waiting
            FROM records WHERE \(conditions(kinds: kinds, filter: filter, ids: units.ids)) GROUP BY unit_id
            """).all()
        var byLine: [Int: Counts] = [:]
        for r in rows {
            guard let line = units.line(of: try r.decode(column: "unit_id", as: Int.self)) else { continue }
            byLine[line, default: Counts()] += Counts(
                open: try r.decode(column: "open", as: Int.self), overdue: try r.decode(column: "overdue", as: Int?.self) ?? 0,
                behind: try r.decode(column: "behind", as: Int?.self) ?? 0, waiting: try r.decode(column: "waiting", as: Int?.self) ?? 0)
        }
        var total = Counts()
        var lines: [UnitLine] = []
        for (id, counts) in byLine {
            total += counts
            let direct = id == units.scope.id
            var q = filter.query
            q.append(("unit", String(id)))
            if direct { q.append(("direct", "1")) }
            lines.append(UnitLine(unitID: id, name: direct ? "\(units.scope.name)（本级）" : units.byID[id]?.name ?? "",
                                  direct: direct, counts: counts, href: Endpoint.supervision.url(query: q).path))
        }
        lines.sort { a, b in
            (a.counts.overdue, a.counts.behind, a.counts.waiting, a.counts.open, b.name) > (b.counts.overdue, b.counts.behind, b.counts.waiting, b.counts.open, a.name)
        }
        return (lines, total)
    }

    /// Overdue, behind or waiting items in `unitIDs` (nil: the whole table), earliest deadline first.
    func items(kinds: [LedgerKind], units: Units, unitIDs: [Int]?, filter: Filter, limit: Int) async throws -> [Item] {
        guard !kinds.isEmpty else { return [] }
        let t = today.iso
        let rows = try await db.sql.raw("""
            SELECT id, kind, title, unit_id, status, opened_on, due_date, progress, source, awaiting, behind_on, workflow
            FROM records WHERE \(conditions(kinds: kinds, filter: filter, ids: unitIDs))
              AND (due_date < \(bind: t) OR behind_on <= \(bind: t) OR awaiting = 'review')
            ORDER BY due_date, id LIMIT \(unsafeRaw: String(limit))
            """).all()
        let byKind = Dictionary(kinds.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var out: [Item] = []
        for r in rows {
            let unitID = try r.decode(column: "unit_id", as: Int.self)
            guard let unit = units.byID[unitID], let kind = byKind[try r.decode(column: "kind", as: String.self)],
                  let due = LocalDate.parse(try r.decode(column: "due_date", as: String?.self) ?? "") else { continue }
            let opened = LocalDate.parse(try r.decode(column: "opened_on", as: String.self)) ?? today
            let schedule = RectificationSchedule(created: opened, deadline: due)
            let behindOn = (try r.decode(column: "behind_on", as: String?.self)).flatMap(LocalDate.parse)
            out.append(Item(
                kindID: kind.id, kindName: kind.name, recordID: try r.decode(column: "id", as: Int.self),
                title: try r.decode(column: "title", as: String.self), unitName: unit.name,
                source: try r.decode(column: "source", as: String?.self) ?? "", deadline: due.iso, daysLeft: schedule.daysLeft(on: today),
                actual: try r.decode(column: "progress", as: Int?.self) ?? 0, expected: schedule.expectedProgress(on: today),
                behind: behindOn.map { $0 <= today } ?? false,
                waiting: try r.decode(column: "awaiting", as: String.self) == RecordWatch.Awaiting.review.rawValue,
                state: RectificationState(rawValue: try r.decode(column: "status", as: String.self))?.label ?? "",
                extensions: WorkflowData.decode(try r.decode(column: "workflow", as: String.self)).extensions))
        }
        return out
    }

    /// The items as table rows, built here: hundreds of rows through the template engine
    /// cost more than the queries behind them.
    static func rowsHTML(_ items: [Item], urge: Bool) -> HTML {
        HTML.each(items) { i in
            let open: HTML = i.overdue ? "<tr class=\"overdue\">" : "<tr>"
            let left: HTML = i.overdue ? "<td class=\"nowrap\">逾期\(-i.daysLeft)天</td>" : "<td class=\"nowrap\">\(i.daysLeft)天</td>"
            let action: HTML = urge ? "<td class=\"nowrap\"><a href=\"\(SiteURL.record(i.kindID, i.recordID))#urge\">催办</a></td>" : .empty
            return """
                \(open)<td><a href="\(SiteURL.record(i.kindID, i.recordID))">\(i.title)</a></td><td>\(i.unitName)</td>\
                <td>\(i.kindName)</td><td>\(i.source)</td><td class="nowrap">\(i.deadline)</td>\(left)\
                <td>\(i.actual)% / \(i.expected)%</td><td>\(i.state)\(i.waiting ? "（待审批）" : "")</td><td>\(i.extensions)</td>\(action)</tr>

                """
        }
    }
}

/// Computed supervision pages by everything they depend on, valid for one data version on
/// one day: at 32 connections the page costs a lookup, and the first view one pass over the
/// open-items index.
final class SupervisionCache: Sendable {
    struct Entry: Sendable {
        var lines: [Supervision.UnitLine]
        var total: Supervision.Counts
        var items: [Supervision.Item]
        var rowsHTML: HTML
    }

    private let entries = NIOLockedValueBox<[String: (Entry, Int, String)]>([:])
    /// The units of a scope, read once per data version (units change only through the server).
    private let unitSets = NIOLockedValueBox<[String: (Supervision.Units, Int)]>([:])

    func units(_ scope: OrgUnit, version: Int, on db: any Database) async throws -> Supervision.Units {
        if let (hit, v) = unitSets.withLockedValue({ $0[scope.path] }), v == version, hit.scope.id == scope.id { return hit }
        let units = try await Supervision.Units.load(scope, on: db)
        unitSets.withLockedValue { u in
            if u.count > 200 { u.removeAll() }
            u[scope.path] = (units, version)
        }
        return units
    }
    private let running = NIOLockedValueBox<[String: Task<Entry, any Error>]>([:])

    /// Runs `work` for `key` unless it is already running, in which case waits for that run: 32
    /// first views at once make one computation, not 32 holding every database connection.
    func computeOnce(_ key: String, _ work: @escaping @Sendable () async throws -> Entry) async throws -> Entry {
        let task = running.withLockedValue { r -> Task<Entry, any Error> in
            if let existing = r[key] { return existing }
            let t = Task { try await work() }
            r[key] = t
            return t
        }
        defer { running.withLockedValue { _ = $0.removeValue(forKey: key) } }
        return try await task.value
    }

    func get(_ key: String, version: Int, day: String) -> Entry? {
        entries.withLockedValue { e in
            guard let (entry, v, d) = e[key], v == version, d == day else { return nil }
            return entry
        }
    }

    func put(_ key: String, _ entry: Entry, version: Int, day: String) {
        entries.withLockedValue { e in
            if e.count > 500 { e.removeAll() }
            e[key] = (entry, version, day)
        }
    }
}
