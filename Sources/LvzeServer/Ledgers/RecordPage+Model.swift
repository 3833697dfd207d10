import Fluent
import FluentSQL
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// The record page: fields, computed values, files, history and the workflow panel.
extension RecordController {
    struct FieldRow: Encodable {
        var label: String
        var value: String
        var isLong: Bool
    }

    struct AttachmentRow: Encodable {
        var id: Int
        var name: String
        var size: String
        var field: String
        var uploadedAt: String
    }

    struct HistoryRow: Encodable {
        var at: String
        var username: String
        var action: String
        var changes: [String]
        var note: String
    }

    struct WorkflowView: Encodable {
        var state: String
        var stateClass: String
        var deadline: String
        var daysLeft: String
        var expected: Int
        var actual: Int
        var behind: Bool
        var tier: String
        var tierLabel: String
        var extensionCount: Int
        var closure: String?
        var closureBy: String?
        var extensionRequest: String?
        var canStart: Bool
        var canProgress: Bool
        var canRequestClosure: Bool
        var canReviewClosure: Bool
        var canRequestExtension: Bool
        var canReviewExtension: Bool
        var evidenceCount: Int
        var today: String
        var blockers: [String]
        /// Why the reviewer sent the request back, while it is the unit's turn again.
        var returned: String?
        /// A leader or reviewer may send a 催办.
        var canUrge: Bool
    }

    /// A value the catalogue computes from the record's fields (the accident grade).
    struct ComputedRow: Encodable {
        var label: String
        var value: String
        var warn: Bool
    }

    struct ShowContent: Encodable {
        var kind: KindSummary
        var id: Int
        var title: String
        var unitName: String
        var unitID: Int
        var fields: [FieldRow]
        var attachments: [AttachmentRow]
        var attachmentFields: [SelectOption]
        var history: [HistoryRow]
        var derived: [ComputedRow]
        var workflow: WorkflowView?
        var canWrite: Bool
        var workflowError: [String]
        /// What a refused workflow form had typed, shown again.
        var typed: [String: String]
    }

    func workflowViewFor(_ record: LedgerRecord, kind: LedgerKind, state: RectificationState, unit: OrgUnit,
                                 p: Principal, req: Request, evidence: Int) async throws -> WorkflowView {
        let today = LocalDate(req.now)
        let wf = WorkflowData.decode(record.workflow)
        let due = record.dueDate.flatMap(LocalDate.parse) ?? today
        let schedule = RectificationSchedule(created: LocalDate.parse(record.openedOn) ?? today, deadline: due)
        let tier = schedule.warningTier(on: today, isClosed: state.isClosed, settings: req.lvze.settings.warningSettings)
        let days = schedule.daysLeft(on: today)
        let writer = p.hasAny(Array(kind.writers))
        let reviewer = p.has(.reviewer)
        var closureBy: String?
        if let c = wf.closure, let u = try await User.find(c.requester, on: req.db) { closureBy = u.displayName }
        var returned: String?
        if record.awaiting == RecordWatch.Awaiting.returned.rawValue,
           let e = try await RecordEvent.query(on: req.db).filter(\.$recordID == record.id!)
            .filter(\.$action ~~ [RectificationEventKind.sentBack.rawValue, RectificationEventKind.extensionRefused.rawValue])
            .sort(\.$id, .descending).first() {
            let what = e.action == RectificationEventKind.sentBack.rawValue ? "销号申请被退回" : "延期申请未获同意"
            returned = "\(what)（\(e.username)，\(LocalDate(e.at).chinese)）：\(e.note.isEmpty ? "未说明理由" : e.note)"
        }
        return WorkflowView(
            state: state.label, stateClass: state.rawValue, deadline: due.iso,
            daysLeft: state.isClosed ? "" : (days >= 0 ? "剩余\(days)天" : "已逾期\(-days)天"),
            expected: schedule.expectedProgress(on: today), actual: record.progress ?? 0,
            behind: schedule.isBehind(actualProgress: record.progress ?? 0, on: today, isClosed: state.isClosed),
            tier: tier?.rawValue ?? "", tierLabel: tier?.label ?? "", extensionCount: wf.extensions,
            closure: wf.closure?.description, closureBy: closureBy,
            extensionRequest: wf.extensionRequest.map { "申请延期至\($0.deadline)：\($0.reason)" },
            canStart: writer && state == .pending,
            canProgress: writer && (state == .pending || state == .inProgress),
            canRequestClosure: writer && (state == .pending || state == .inProgress),
            canReviewClosure: reviewer && state == .closureRequested,
            canRequestExtension: writer && !state.isClosed && wf.extensionRequest == nil,
            canReviewExtension: reviewer && wf.extensionRequest != nil,
            evidenceCount: evidence, today: today.iso,
            blockers: kind.closureBlockers(record.values(for: kind)), returned: returned,
            canUrge: p.hasAny([.leader, .reviewer]) && !state.isClosed)
    }
}
