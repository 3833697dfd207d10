import Fluent
import Foundation
import LvzeCore
import SQLKit

/// 待办 and 已办 on the home page: what waits for this user by what they may do — unread
/// messages; for whoever writes a workflow ledger, items sent back and items near or past
/// their deadline; for a reviewer, requests waiting in scope (never their own); for a
/// leader, the units with the most overdue items; for any ledger that declares a follow-up
/// period (`follow_up`), records past it — and the user's own recent steps.
struct Inbox {
    let db: any Database
    let catalogue: Catalogue
    let settings: SettingsStore
    let today: LocalDate

    struct Entry: Encodable, Sendable {
        var title: String
        var detail: String
        var href: String
        var urgent: Bool
    }

    struct Group: Encodable, Sendable {
        var title: String
        /// 「12项」, or 「1000项以上」 past the count's cap.
        var count: String
        var entries: [Entry]
        /// Where the whole list is, when more than the entries shown.
        var more: String?
    }

    /// Entries shown per group; counts stop at `countCap`.
    static let shown = 8
    static let countCap = 1000

    private func scoped(_ p: Principal) -> SQLQueryString {
        "units.path >= \(bind: p.scope.value) AND units.path < \(bind: p.scope.subtreeUpperBound)"
    }

    private func countText(_ n: Int) -> String { n > Self.countCap ? "\(Self.countCap)项以上" : "\(n)项" }

    /// Unread messages, newest first; `unread` as the page's header counts them.
    func messages(_ p: Principal, unread: Int) async throws -> Group? {
        guard unread > 0 else { return nil }
        let latest = try await Notice.query(on: db).filter(\.$userID == p.userID).filter(\.$readAt == nil)
            .sort(\.$id, .descending).limit(Self.shown).all()
        return Group(title: "未读消息", count: "\(unread)条", entries: latest.map {
            Entry(title: $0.title, detail: "\(Notice.Kind(rawValue: $0.kind)?.label ?? "")·\($0.sender)·\(ISOTime.local($0.createdAt))",
                  href: Endpoint.noticeOpen.url($0.id!).path, urgent: $0.kind != Notice.Kind.reminder.rawValue)
        }, more: unread > Self.shown ? Endpoint.notices.url(query: [("unread", "1")]).path : nil)
    }

    struct OpenItem {
        var id: Int, kind: LedgerKind, title: String, unitName: String, dueDate: LocalDate, workflow: String
    }

    /// Open items of `kinds` in scope meeting `condition`, earliest deadline first, and their count.
    private func openItems(_ p: Principal, kinds: [LedgerKind], condition: SQLQueryString, limit: Int) async throws -> (items: [OpenItem], count: Int) {
        guard !kinds.isEmpty else { return ([], 0) }
        let byID = Dictionary(kinds.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let whereClause: SQLQueryString = """
            records.status IN \(unsafeRaw: RecordWatch.openSQL) AND records.kind IN \(SQLBind.group(kinds.map(\.id)))
              AND \(condition) AND \(scoped(p))
            """
        let rows = try await db.sql.raw("""
            SELECT records.id, records.kind, records.title, records.due_date, records.workflow, units.name AS unit_name
            FROM records JOIN units ON units.id = records.unit_id WHERE \(whereClause)
            ORDER BY records.due_date, records.id LIMIT \(unsafeRaw: String(limit))
            """).all()
        let count = try await db.sql.raw("""
            SELECT count(*) AS n FROM (SELECT 1 FROM records JOIN units ON units.id = records.unit_id WHERE \(whereClause)
            LIMIT \(unsafeRaw: String(Self.countCap + 1))) AS c
            """).first()?.decode(column: "n", as: Int.self) ?? 0
        let items: [OpenItem] = try rows.compactMap { r in
            guard let kind = byID[try r.decode(column: "kind", as: String.self)],
                  let due = LocalDate.parse(try r.decode(column: "due_date", as: String?.self) ?? "") else { return nil }
            return OpenItem(id: try r.decode(column: "id", as: Int.self), kind: kind, title: try r.decode(column: "title", as: String.self),
                            unitName: try r.decode(column: "unit_name", as: String.self), dueDate: due,
                            workflow: try r.decode(column: "workflow", as: String.self))
        }
        return (items, count)
    }

    private func deadlineText(_ due: LocalDate) -> String {
        let days = today.days(until: due)
        return days < 0 ? "已逾期\(-days)天" : days == 0 ? "今天到期" : "还有\(days)天到期"
    }

    /// For whoever writes a workflow ledger: items sent back, then items near or past their deadline.
    func handler(_ p: Principal) async throws -> [Group] {
        let kinds = catalogue.kinds.filter { $0.workflow && p.hasAny(Array($0.writers)) && p.hasAny(Array($0.readers)) }
        guard !kinds.isEmpty else { return [] }
        var groups: [Group] = []
        let returned = try await openItems(p, kinds: kinds, condition: "records.awaiting = \(bind: RecordWatch.Awaiting.returned.rawValue)",
                                           limit: Self.shown)
        if returned.count > 0 {
            groups.append(Group(title: "被退回的事项", count: countText(returned.count), entries: returned.items.map {
                Entry(title: $0.title, detail: "\($0.unitName)·\($0.kind.name)·请按审核意见办理后重新提交", href: SiteURL.record($0.kind.id, $0.id).path, urgent: true)
            }, more: nil))
        }
        let horizon = today.adding(days: settings.warningSettings.yellowDays).iso
        let near = try await openItems(p, kinds: kinds, condition: "records.due_date <= \(bind: horizon)", limit: Self.shown)
        if near.count > 0 {
            groups.append(Group(title: "即将到期和已逾期的整改事项", count: countText(near.count), entries: near.items.map {
                Entry(title: $0.title, detail: "\($0.unitName)·\($0.kind.name)·\(deadlineText($0.dueDate))",
                      href: SiteURL.record($0.kind.id, $0.id).path, urgent: $0.dueDate < today)
            }, more: near.count > Self.shown ? SiteURL.supervision.path : nil))
        }
        return groups
    }

    /// For a reviewer: close-out and extension requests waiting in scope, never their own.
    func reviewer(_ p: Principal) async throws -> Group? {
        guard p.has(.reviewer) else { return nil }
        let kinds = catalogue.kinds.filter { $0.workflow && p.hasAny(Array($0.readers)) }
        // Own requests are few; read a page more than is shown so they can be left out.
        let waiting = try await openItems(p, kinds: kinds, condition: "records.awaiting = \(bind: RecordWatch.Awaiting.review.rawValue)",
                                          limit: Self.shown * 4)
        let others = waiting.items.filter { !Self.isOwnRequest($0, of: p.userID) }
        let count = waiting.count - (waiting.items.count - others.count)
        guard count > 0 else { return nil }
        let entries = others.prefix(Self.shown).map { reviewEntry($0) }
        return Group(title: "待审批的销号和延期申请", count: countText(count), entries: entries,
                     more: count > entries.count ? Endpoint.supervision.url(query: [("waiting", "1")]).path : nil)
    }

    /// Whether the item's pending request was made by `userID` (a reviewer never approves their own).
    private static func isOwnRequest(_ item: OpenItem, of userID: Int) -> Bool {
        let wf = WorkflowData.decode(item.workflow)
        return wf.closure?.requester == userID || wf.extensionRequest?.requester == userID
    }

    private func reviewEntry(_ item: OpenItem) -> Entry {
        let wf = WorkflowData.decode(item.workflow)
        let what: String
        if wf.closure != nil { what = "申请销号" }
        else if let e = wf.extensionRequest { what = "申请延期至\(e.deadline)" }
        else { what = "待审批" }
        return Entry(title: item.title, detail: "\(item.unitName)·\(item.kind.name)·\(what)",
                     href: SiteURL.record(item.kind.id, item.id).path, urgent: item.dueDate < today)
    }

    /// For a leader: the units with overdue or lagging items, worst first.
    func leader(_ p: Principal, lines: [Supervision.UnitLine]) -> Group? {
        guard p.has(.leader) else { return nil }
        let worst = lines.filter { $0.counts.overdue + $0.counts.behind > 0 }
        guard !worst.isEmpty else { return nil }
        return Group(title: "需督办的单位", count: "\(worst.count)个", entries: worst.prefix(Self.shown).map {
            Entry(title: $0.name, detail: "逾期\($0.counts.overdue)项·滞后于序时进度\($0.counts.behind)项·待审批\($0.counts.waiting)项",
                  href: $0.href, urgent: $0.counts.overdue > 0)
        }, more: worst.count > Self.shown ? SiteURL.supervision.path : nil)
    }

    /// Records of ledgers with a declared follow-up period that are past it (纪检's leads).
    func followUps(_ p: Principal) async throws -> [Group] {
        var groups: [Group] = []
        let setting = { (key: String) in settings.number(key) }
        for kind in catalogue.kinds where p.hasAny(Array(kind.readers)) {
            guard let rule = kind.followUpRule else { continue }
            let days = rule.setting.flatMap(setting) ?? rule.days
            // The kind's date field is the indexed record_date: only records old enough are read.
            var condition: SQLQueryString = "records.kind = \(bind: kind.id) AND \(scoped(p))"
            if rule.since == kind.dateField { condition = "\(condition) AND records.record_date < \(bind: today.adding(days: -days).iso)" }
            let rows = try await db.sql.raw("""
                SELECT records.id, records.title, records.data, units.name AS unit_name FROM records JOIN units ON units.id = records.unit_id
                WHERE \(condition) ORDER BY records.record_date, records.id LIMIT 5000
                """).all()
            var late: [(Int, Entry)] = []
            for r in rows {
                let values = FieldJSON.decode(try r.decode(column: "data", as: String.self), kind: kind)
                guard let over = kind.followUpOverdue(values, today: today, setting: setting) else { continue }
                let id = try r.decode(column: "id", as: Int.self)
                late.append((over, Entry(title: try r.decode(column: "title", as: String.self),
                                         detail: "\(try r.decode(column: "unit_name", as: String.self))·超过\(rule.action)时限\(over)天",
                                         href: SiteURL.record(kind.id, id).path, urgent: true)))
            }
            guard !late.isEmpty else { continue }
            groups.append(Group(title: "超过\(rule.action)时限的「\(kind.name)」", count: "\(late.count)项",
                                entries: late.sorted { $0.0 > $1.0 }.prefix(Self.shown).map(\.1),
                                more: late.count > Self.shown ? SiteURL.records(kind.id).path : nil))
        }
        return groups
    }

    /// 已办: the user's own recent steps on records of ledgers they may still read.
    func done(_ p: Principal) async throws -> [Entry] {
        let readable = Set(catalogue.kinds.filter { p.hasAny(Array($0.readers)) }.map(\.id))
        let rows = try await db.sql.raw("""
            SELECT record_events.at, record_events.action, record_events.note, records.id, records.kind, records.title
            FROM record_events JOIN records ON records.id = record_events.record_id
            WHERE record_events.user_id = \(bind: p.userID) ORDER BY record_events.id DESC LIMIT 30
            """).all()
        var out: [Entry] = []
        for r in rows where out.count < Self.shown {
            let kind = try r.decode(column: "kind", as: String.self)
            guard readable.contains(kind), let name = catalogue[kind]?.name else { continue }
            let note = try r.decode(column: "note", as: String.self)
            out.append(Entry(title: try r.decode(column: "title", as: String.self),
                             detail: "\(RecordService.actionLabel(try r.decode(column: "action", as: String.self)))·\(name)"
                                + (note.isEmpty ? "" : "·\(note.prefix(40))") + "·\(ISOTime.local(try r.decode(column: "at", as: Date.self)))",
                             href: SiteURL.record(kind, try r.decode(column: "id", as: Int.self)).path, urgent: false))
        }
        return out
    }
}
