import Fluent
import Foundation
import LvzeCore
import Vapor

/// What the assessed units hear about an assessment through their inbox (消息): that it is
/// open, that its self-assessment closes soon, that its results are published. Addressed to
/// each unit's own 经办人 and 领导, the people who self-assess.
enum AssessmentNotices {
    /// Days before the self-assessment deadline the reminder is sent.
    static let reminderDays = 3

    static func recipients(_ units: [OrgUnit], on db: any Database) async throws -> [Int: [Int]] {
        let ids = units.compactMap(\.id)
        guard !ids.isEmpty else { return [:] }
        var out: [Int: [Int]] = [:]
        for u in try await User.query(on: db).filter(\.$unit.$id ~~ ids).filter(\.$disabled == false).all()
        where u.roles.contains(where: AssessmentController.selfAssessors.contains) {
            out[u.$unit.id, default: []].append(u.id!)
        }
        return out
    }

    static func opened(_ a: Assessment, units: [OrgUnit], sender: String, req: Request) async throws {
        let deadline = LocalDate.parse(a.selfDeadline)?.chinese ?? a.selfDeadline
        for (unitID, users) in try await recipients(units, on: req.db) {
            guard let unit = units.first(where: { $0.id == unitID }) else { continue }
            try await Notices.send(NoticeDraft(kind: .assessment, recordID: nil, title: "请完成「\(a.title)」自评",
                                               body: "\(unit.name)：请于\(deadline)前完成自评并上传佐证材料。按台账计分的指标由系统从本单位的记录计算。",
                                               href: Endpoint.assessmentSheet.url(a.id!, unit.code).path, sender: sender,
                                               dedupe: "assessment-open-\(a.id!)"),
                                   to: users, at: req.now, on: req.db)
        }
    }

    static func published(_ a: Assessment, units: [OrgUnit], sender: String, req: Request) async throws {
        for (unitID, users) in try await recipients(units, on: req.db) {
            guard let unit = units.first(where: { $0.id == unitID }) else { continue }
            try await Notices.send(NoticeDraft(kind: .assessment, recordID: nil, title: "「\(a.title)」结果公示",
                                               body: "\(unit.name)的得分、等次和排名已公示，可查看本单位的评分表及其依据。",
                                               href: Endpoint.assessment.url(a.id!).path, sender: sender,
                                               dedupe: nil),
                                   to: users, at: req.now, on: req.db)
        }
    }

    /// The daily pass: units that have not finished self-assessing hear once, `reminderDays`
    /// before the deadline. Returns how many notices were new.
    static func remindDeadlines(book: AssessmentBook, today: LocalDate, at now: Date) async throws -> Int {
        var sent = 0
        for a in try await Assessment.query(on: book.db).filter(\.$state == AssessmentState.open.rawValue).all() {
            guard let deadline = LocalDate.parse(a.selfDeadline), today <= deadline,
                  today.days(until: deadline) <= reminderDays, let rules = try? book.rules(a) else { continue }
            let units = try await book.units(a)
            let entries = try await book.entries(a)
            let recipients = try await recipients(units, on: book.db)
            for unit in units {
                let missing = AssessmentInbox.unfinished(rules, entries: entries[unit.id!] ?? [:])
                guard !missing.isEmpty, let users = recipients[unit.id!] else { continue }
                sent += try await Notices.send(NoticeDraft(kind: .reminder, recordID: nil, title: "「\(a.title)」自评将于\(deadline.chinese)截止",
                                                           body: "\(unit.name)尚有\(missing.count)项未自评：\(missing.prefix(5).joined(separator: "、"))。",
                                                           href: Endpoint.assessmentSheet.url(a.id!, unit.code).path, sender: "系统",
                                                           dedupe: "assessment-deadline-\(a.id!)-\(a.selfDeadline)"),
                                               to: users, at: now, on: book.db)
            }
        }
        return sent
    }
}

/// The inbox's 考核 group: for a user of an assessed unit, open assessments their unit has
/// not finished self-assessing; for the 考核组, assessments in review with lines to score.
struct AssessmentInbox {
    let book: AssessmentBook
    let today: LocalDate

    /// Names of the self-assessed leaves a unit has not scored yet.
    static func unfinished(_ rules: AssessmentRules, entries: [String: AssessmentEntry]) -> [String] {
        rules.leaves.filter { leaf in
            if case .review = leaf.scoring { return entries[leaf.id]?.selfScore == nil }
            return false
        }.map(\.name)
    }

    func group(_ p: Principal) async throws -> Inbox.Group? {
        var entries: [Inbox.Entry] = []
        let open = try await Assessment.query(on: book.db)
            .filter(\.$state ~~ [AssessmentState.open.rawValue, AssessmentState.review.rawValue]).sort(\.$id).limit(50).all()
        guard !open.isEmpty else { return nil }
        let assessing = Dictionary(uniqueKeysWithValues: try await OrgUnit.query(on: book.db).filter(\.$id ~~ open.map(\.$unit.id)).all()
            .map { ($0.id!, $0) })
        for a in open {
            guard let assessing = assessing[a.$unit.id] else { continue }
            if a.stage == .open, p.hasAny(AssessmentController.selfAssessors), assessing.unitPath.contains(p.scope), assessing.path != p.unit.path,
               let rules = try? book.rules(a),
               let unit = try await book.units(a).first(where: { $0.unitPath.contains(p.scope) }) {
                let missing = Self.unfinished(rules, entries: try await book.entries(a, unitID: unit.id!)[unit.id!] ?? [:])
                guard !missing.isEmpty, let deadline = LocalDate.parse(a.selfDeadline), today <= deadline else { continue }
                let days = today.days(until: deadline)
                entries.append(Inbox.Entry(title: "\(a.title)：\(unit.name)尚有\(missing.count)项未自评",
                                           detail: "自评截止于\(deadline.chinese)\(days == 0 ? "（今天）" : "，还有\(days)天")",
                                           href: Endpoint.assessmentSheet.url(a.id!, unit.code).path, urgent: days <= AssessmentNotices.reminderDays))
            } else if a.stage == .review, p.hasAny(AssessmentController.writers), p.scope.contains(assessing.unitPath) {
                entries.append(Inbox.Entry(title: "\(a.title)：待评审", detail: "自评已截止，评完全部自评指标后可公示",
                                           href: Endpoint.assessment.url(a.id!).path, urgent: false))
            }
        }
        guard !entries.isEmpty else { return nil }
        return Inbox.Group(title: "考核", count: "\(entries.count)项", entries: Array(entries.prefix(Inbox.shown)), more: nil)
    }
}
