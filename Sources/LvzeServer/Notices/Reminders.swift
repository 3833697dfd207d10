import Fluent
import Foundation
import LvzeCore
import SQLKit

/// Who receives a record's notices: the users of the record's unit, or of its nearest
/// ancestor that has any, holding the wanted roles and allowed to read the ledger.
struct NoticeRecipients: Sendable {
    struct Account: Sendable {
        var id: Int
        var roles: Set<Role>
    }

    /// Enabled accounts by unit id.
    private var byUnit: [Int: [Account]]
    /// Unit paths by id.
    private var paths: [Int: UnitPath]

    static func load(on db: any Database) async throws -> NoticeRecipients {
        var byUnit: [Int: [Account]] = [:]
        for u in try await User.query(on: db).filter(\.$disabled == false).all() where !u.roles.isEmpty {
            byUnit[u.$unit.id, default: []].append(Account(id: u.id!, roles: u.roles))
        }
        var paths: [Int: UnitPath] = [:]
        for row in try await db.sql.raw("SELECT id, path FROM units").all() {
            paths[try row.decode(column: "id", as: Int.self)] = UnitPath(try row.decode(column: "path", as: String.self))
        }
        return NoticeRecipients(byUnit: byUnit, paths: paths)
    }

    /// The step's recipients for a record of `kind` in `unitID`: the handler is whoever may
    /// write the ledger; leaders are the unit's (or the nearest above it), then the district's.
    func users(for recipient: ReminderRecipient, kind: LedgerKind, unitID: Int) -> [Int] {
        guard let path = paths[unitID] else { return [] }
        let roles: Set<Role> = recipient == .handler ? kind.writers.intersection(kind.readers) : [.leader]
        func matching(_ unit: Int) -> [Int] {
            (byUnit[unit] ?? []).filter { !$0.roles.isDisjoint(with: roles) && !$0.roles.isDisjoint(with: kind.readers) }.map(\.id)
        }
        switch recipient {
        case .districtLeader:
            return path.ids.first.map(matching) ?? []
        case .handler, .unitLeader:
            for unit in path.ids.reversed() {
                let found = matching(unit)
                if !found.isEmpty { return found }
            }
            return []
        }
    }

    /// Whoever may act on or oversee the record: its handlers and leaders (a 催办's addressees).
    func responsible(kind: LedgerKind, unitID: Int) -> [Int] {
        users(for: .handler, kind: kind, unitID: unitID) + users(for: .unitLeader, kind: kind, unitID: unitID)
    }
}

/// The warning ladder's daily pass (三色预警): every open item that has reached a step beyond
/// the last one reminded for its deadline gets that step — a notice to its handler, its unit's
/// leader or the district's, and a line in its history. Run by the server once a day and by
/// `lvze remind`; a second run the same day, or two at once, sends nothing twice.
struct Reminders {
    let db: any Database
    let catalogue: Catalogue
    let settings: ReminderSettings
    let today: LocalDate
    let now: Date

    /// One recipient is sent at most this many notices of one step by a pass; beyond it, one
    /// notice counting the items and naming the first few.
    static let perItemLimit = 3
    /// Items whose step is recorded in one transaction.
    var chunk = 1000

    struct Report: Sendable, Equatable {
        /// Items that reached a new step, by step.
        var steps: [ReminderStep: Int] = [:]
        var notices = 0
        /// Of `notices`, those reminding units of an assessment's self-assessment deadline.
        var assessmentNotices = 0
        var items: Int { steps.values.reduce(0, +) }
    }

    struct Due: Sendable {
        var id: Int
        var kind: LedgerKind
        var title: String
        var unitID: Int
        var deadline: LocalDate
        var step: ReminderStep
    }

    /// Open items read a page at a time: a first pass over a migrated district of ten million
    /// records met 1.3 million items, and read at once they took the server to 1.5 GB.
    var pageSize = 5000

    /// Open items whose ladder has moved on, in id order, handed to `body` a page at a time.
    func forEachDue(_ body: (Due) throws -> Void) async throws {
        let horizon = today.adding(days: settings.warnings.greenDays).iso
        let kinds = Dictionary(catalogue.kinds.filter(\.workflow).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        guard !kinds.isEmpty else { return }
        var after = 0
        while true {
            let rows = try await db.sql.raw("""
                SELECT id, kind, title, unit_id, due_date, reminded FROM records
                WHERE status IN \(unsafeRaw: RecordWatch.openSQL) AND reminded < \(bind: ReminderStep.district.rawValue)
                  AND due_date <= \(bind: horizon) AND id > \(bind: after) ORDER BY id LIMIT \(unsafeRaw: String(pageSize))
                """).all()
            for r in rows {
                let id = try r.decode(column: "id", as: Int.self)
                after = id
                guard let kind = kinds[try r.decode(column: "kind", as: String.self)],
                      let deadline = LocalDate.parse(try r.decode(column: "due_date", as: String?.self) ?? "") else { continue }
                let sent = ReminderStep(rawValue: try r.decode(column: "reminded", as: Int.self))
                guard let step = settings.due(daysLeft: today.days(until: deadline), sent: sent) else { continue }
                try body(Due(id: id, kind: kind, title: try r.decode(column: "title", as: String.self),
                             unitID: try r.decode(column: "unit_id", as: Int.self), deadline: deadline, step: step))
            }
            if rows.count < pageSize { return }
        }
    }

    /// What one recipient is sent for one step: the first few items, and how many there are.
    struct Batch {
        var first: [Due] = []
        var count = 0
    }

    /// Sends what is due; with `dryRun`, only says what it would send.
    func run(dryRun: Bool = false) async throws -> Report {
        var report = Report()
        let recipients = dryRun ? nil : try await NoticeRecipients.load(on: db)
        // Per recipient and step, the first items in id order and a count: a few become one
        // notice each, many one summary. The steps to record are kept in their least form.
        var byRecipient: [Int: [ReminderStep: Batch]] = [:]
        var reached: [(id: Int, step: ReminderStep, deadline: LocalDate)] = []
        try await forEachDue { d in
            report.steps[d.step, default: 0] += 1
            guard let recipients else { return }
            reached.append((d.id, d.step, d.deadline))
            for user in recipients.users(for: d.step.recipient, kind: d.kind, unitID: d.unitID) {
                byRecipient[user, default: [:]][d.step, default: Batch()].count += 1
                if byRecipient[user]![d.step]!.first.count < Self.perItemLimit { byRecipient[user]![d.step]!.first.append(d) }
            }
        }
        guard !dryRun, !reached.isEmpty else { return report }
        let grouped = byRecipient
        report.notices = try await db.transaction { tx in
            var sent = 0
            for (user, steps) in grouped.sorted(by: { $0.key < $1.key }) {
                for (step, batch) in steps.sorted(by: { $0.key < $1.key }) {
                    if batch.count <= Self.perItemLimit {
                        for d in batch.first { sent += try await Notices.send(notice(d), to: [user], at: now, on: tx) }
                    } else {
                        sent += try await Notices.send(summary(step, batch), to: [user], at: now, on: tx)
                    }
                }
            }
            return sent
        }
        // The steps reached, each kept with the deadline it belongs to, and a history line, a
        // thousand items a transaction: a first pass over a migrated district (130,000 items)
        // never holds the write lock long enough to make a user's save wait. An item the pass did
        // not reach is found again by the next one; its notice is not sent twice (`dedupe`).
        for start in stride(from: 0, to: reached.count, by: chunk) {
            let part = reached[start..<min(start + chunk, reached.count)]
            try await db.transaction { tx in
                for step in ReminderStep.allCases {
                    let ids = part.filter { $0.step == step }.map(\.id)
                    guard !ids.isEmpty else { continue }
                    try await tx.sql.raw("""
                        UPDATE records SET reminded = \(bind: step.rawValue) WHERE id IN \(SQLBind.group(ids))
                          AND status IN \(unsafeRaw: RecordWatch.openSQL) AND reminded < \(bind: step.rawValue)
                        """).run()
                }
                try await RecordBulkInsert.insertEvents(part.map { d in
                    RecordBulkInsert.Event(recordID: d.id, at: now, username: "系统", action: "remind", changes: "{}",
                                           note: "\(d.step.label)：整改时限\(d.deadline.chinese)，已提醒\(d.step.recipient.label)")
                }, on: tx.sql)
            }
        }
        return report
    }

    private func notice(_ d: Due) -> NoticeDraft {
        let days = today.days(until: d.deadline)
        let when = days < 0 ? "已逾期\(-days)天" : days == 0 ? "今天到期" : "还有\(days)天到期"
        return NoticeDraft(
            kind: d.step.recipient == .handler ? .reminder : .escalation, recordID: d.id,
            title: "\(d.step.label)：\(d.title)", body: "「\(d.kind.name)」中的这项整改\(when)（整改时限\(d.deadline.chinese)）。",
            href: SiteURL.record(d.kind.id, d.id).path, sender: "系统",
            dedupe: "remind:\(d.id):\(d.step.rawValue):\(d.deadline.iso)")
    }

    private func summary(_ step: ReminderStep, _ batch: Batch) -> NoticeDraft {
        let names = batch.first.map { "「\($0.title)」" }.joined(separator: "、")
        return NoticeDraft(
            kind: step.recipient == .handler ? .reminder : .escalation, recordID: nil,
            title: "\(step.label)：\(batch.count)项整改事项", body: "\(names)等\(batch.count)项整改事项进入\(step.label)，请到整改督办查看。",
            href: SiteURL.supervision.path, sender: "系统", dedupe: "remind-summary:\(step.rawValue):\(today.iso):\(batch.first[0].id):\(batch.count)")
    }
}
