import Fluent
import SQLKit
import LvzeCore
import Vapor

/// Open rectification items that are overdue or behind their time-proportional progress,
/// across every workflow ledger the user may read: the 督办 list.
struct Supervision {
    struct Item: Encodable {
        var kindID: String
        var kindName: String
        var recordID: Int
        var title: String
        var unitName: String
        var source: String
        var deadline: String
        var daysLeft: Int
        var overdueDays: Int
        var overdue: Bool
        var actual: Int
        var expected: Int
        var state: String
        var extensions: Int
    }

    struct Group: Encodable {
        var unitName: String
        var items: [Item]
        var overdue: Int
        var behind: Int
        /// The group's table rows, built here: hundreds of rows through the template engine
        /// cost more than the queries behind them.
        var rowsHTML: HTML = .empty

        enum CodingKeys: String, CodingKey { case unitName, overdue, behind, rowsHTML }
    }

    static func rowsHTML(_ items: [Item]) -> HTML {
        HTML.each(items) { i in
            let open: HTML = i.overdue ? "<tr class=\"overdue\">" : "<tr>"
            let left: HTML = i.overdue ? "<td>逾期\(i.overdueDays)天</td>" : "<td>\(i.daysLeft)天</td>"
            return """
                \(open)<td><a href="\(SiteURL.record(i.kindID, i.recordID))">\(i.title)</a></td>\
                <td>\(i.kindName)</td><td>\(i.source)</td><td>\(i.deadline)</td>\(left)\
                <td>\(i.actual)% / \(i.expected)%</td><td>\(i.state)</td><td>\(i.extensions)</td></tr>

                """
        }
    }

    /// At most this many items of each sort are listed; the counts above the list are exact.
    static let limit = 500

    static func items(for p: Principal, on db: any Database, catalogue: Catalogue, today: LocalDate) async throws -> [Item] {
        let kinds = catalogue.kinds.filter { $0.workflow && p.hasAny(Array($0.readers)) }
        guard !kinds.isEmpty else { return [] }
        // Overdue items come straight from the (status, due_date) index; items not yet due are
        // read in deadline order and kept when behind their time-proportional progress.
        let overdue = try await rows(kinds: kinds, scope: p.scope, dueOp: "<", today: today, on: db)
        let upcoming = try await rows(kinds: kinds, scope: p.scope, dueOp: ">=", today: today, on: db)
        var out: [Item] = []
        for r in overdue + upcoming {
            guard let kind = catalogue[r.kind], let due = LocalDate.parse(r.dueDate) else { continue }
            let schedule = RectificationSchedule(created: LocalDate.parse(r.openedOn) ?? today, deadline: due)
            let days = schedule.daysLeft(on: today)
            guard days < 0 || schedule.isBehind(actualProgress: r.progress, on: today, isClosed: false) else { continue }
            let source = FieldJSON.decode(r.data, kind: kind)["source"]?.display ?? ""
            out.append(Item(kindID: kind.id, kindName: kind.name, recordID: r.id, title: r.title, unitName: r.unitName,
                            source: source, deadline: due.iso, daysLeft: days, overdueDays: max(0, -days), overdue: days < 0,
                            actual: r.progress, expected: schedule.expectedProgress(on: today),
                            state: RectificationState(rawValue: r.status)?.label ?? "",
                            extensions: WorkflowData.decode(r.workflow).extensions))
        }
        return out
    }

    /// Overdue open items in scope, counted up to `countCap` (a count over a million rows
    /// joined to the unit tree takes seconds; the page says "以上" beyond the cap).
    static let countCap = 10_000

    static func overdueCount(for p: Principal, on db: any Database, catalogue: Catalogue, today: LocalDate) async throws -> Int {
        let kinds = catalogue.kinds.filter { $0.workflow && p.hasAny(Array($0.readers)) }.map(\.id)
        guard !kinds.isEmpty else { return 0 }
        let row = try await db.sql.raw("""
            SELECT count(*) AS n FROM (SELECT 1 FROM records JOIN units ON units.id = records.unit_id
            WHERE records.kind IN \(SQLBind.group(kinds)) AND records.status IN ('pending', 'in_progress', 'closure_requested')
              AND records.due_date < \(bind: today.iso)
              AND units.path >= \(bind: p.scope.value) AND units.path < \(bind: p.scope.subtreeUpperBound)
            LIMIT \(unsafeRaw: String(countCap + 1))) AS overdue
            """).first()
        return try row?.decode(column: "n", as: Int.self) ?? 0
    }

    struct OpenRow {
        var id: Int, kind: String, title: String, unitName: String, status: String, openedOn: String, dueDate: String
        var progress: Int, data: String, workflow: String
    }

    /// Open items of the given kinds in deadline order. One query per kind and state, each
    /// walking the (kind, status, due_date) index in order and stopping at the limit, merged
    /// here: a district with a million open items answers as fast as one with a hundred.
    static func rows(kinds: [LedgerKind], scope: UnitPath, dueOp: String, today: LocalDate, on db: any Database) async throws -> [OpenRow] {
        var all: [OpenRow] = []
        for kind in kinds {
            for status in ["pending", "in_progress", "closure_requested"] {
                let rows = try await db.sql.raw("""
                    SELECT records.id, records.kind, records.title, units.name AS unit_name, records.status, records.opened_on,
                           records.due_date, records.progress, records.data, records.workflow
                    FROM records JOIN units ON units.id = records.unit_id
                    WHERE records.kind = \(bind: kind.id) AND records.status = \(bind: status)
                      AND records.due_date \(unsafeRaw: dueOp == "<" ? "<" : ">=") \(bind: today.iso)
                      AND units.path >= \(bind: scope.value) AND units.path < \(bind: scope.subtreeUpperBound)
                    ORDER BY records.due_date, records.id LIMIT \(unsafeRaw: String(limit))
                    """).all()
                for r in rows {
                    all.append(OpenRow(
                        id: try r.decode(column: "id", as: Int.self), kind: try r.decode(column: "kind", as: String.self),
                        title: try r.decode(column: "title", as: String.self), unitName: try r.decode(column: "unit_name", as: String.self),
                        status: try r.decode(column: "status", as: String.self), openedOn: try r.decode(column: "opened_on", as: String.self),
                        dueDate: try r.decode(column: "due_date", as: String?.self) ?? "", progress: try r.decode(column: "progress", as: Int?.self) ?? 0,
                        data: try r.decode(column: "data", as: String.self), workflow: try r.decode(column: "workflow", as: String.self)))
                }
            }
        }
        return Array(all.sorted { ($0.dueDate, $0.id) < ($1.dueDate, $1.id) }.prefix(limit))
    }

    static func grouped(_ items: [Item]) -> [Group] {
        var order: [String] = []
        var byUnit: [String: [Item]] = [:]
        for i in items {
            if byUnit[i.unitName] == nil { order.append(i.unitName) }
            byUnit[i.unitName, default: []].append(i)
        }
        return order.map { name in
            let list = byUnit[name]!
            return Group(unitName: name, items: list, overdue: list.filter(\.overdue).count, behind: list.filter { !$0.overdue }.count,
                         rowsHTML: rowsHTML(list))
        }.sorted { ($0.overdue, $0.items.count) > ($1.overdue, $1.items.count) }
    }
}
