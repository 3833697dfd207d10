import Fluent
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
    }

    static func items(for p: Principal, on db: any Database, catalogue: Catalogue, today: LocalDate) async throws -> [Item] {
        let kinds = catalogue.kinds.filter { $0.workflow && p.hasAny(Array($0.readers)) }
        guard !kinds.isEmpty else { return [] }
        let open = try await LedgerRecord.query(on: db)
            .filter(\.$kind ~~ kinds.map(\.id))
            .filter(\.$status != RectificationState.closed.rawValue)
            .join(OrgUnit.self, on: \LedgerRecord.$unit.$id == \OrgUnit.$id)
            .filter(OrgUnit.self, \.$path >= p.scope.value).filter(OrgUnit.self, \.$path < p.scope.subtreeUpperBound)
            .sort(\.$dueDate).limit(20_000).all()
        var out: [Item] = []
        for r in open {
            guard let kind = catalogue[r.kind], let due = r.dueDate.flatMap(LocalDate.parse) else { continue }
            let schedule = RectificationSchedule(created: LocalDate.parse(r.openedOn) ?? today, deadline: due)
            let days = schedule.daysLeft(on: today)
            let behind = schedule.isBehind(actualProgress: r.progress ?? 0, on: today, isClosed: false)
            guard days < 0 || behind else { continue }
            let unit = try r.joined(OrgUnit.self)
            out.append(Item(kindID: kind.id, kindName: kind.name, recordID: r.id!, title: r.title, unitName: unit.name,
                            source: (r.fields["source"] as? String) ?? "", deadline: due.iso, daysLeft: days, overdueDays: max(0, -days), overdue: days < 0,
                            actual: r.progress ?? 0, expected: schedule.expectedProgress(on: today), state: r.state?.label ?? "",
                            extensions: WorkflowData.decode(r.workflow).extensions))
        }
        return out
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
            return Group(unitName: name, items: list, overdue: list.filter(\.overdue).count, behind: list.filter { !$0.overdue }.count)
        }.sorted { ($0.overdue, $0.items.count) > ($1.overdue, $1.items.count) }
    }
}
