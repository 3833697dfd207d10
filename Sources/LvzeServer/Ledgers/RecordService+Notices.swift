import Fluent
import Foundation
import LvzeCore
import Vapor

/// What the record service says to people: decisions to whoever asked, 催办 to whoever handles.
extension RecordService {
    /// The notice a reviewer's decision sends to whoever made the request, if anyone did.
    func decisionNotice(_ kind: LedgerKind, _ record: LedgerRecord, action: RectificationAction, before wf: WorkflowData,
                                deadline: LocalDate, note: String) -> (NoticeDraft, Int)? {
        let title: String, requester: Int?
        let reason = note.isEmpty ? "" : "：\(note)"
        switch action {
        case .approveClosure: (title, requester) = ("销号申请已通过：\(record.title)", wf.closure?.requester)
        case .sendBack: (title, requester) = ("销号申请被退回：\(record.title)", wf.closure?.requester)
        case .approveExtension: (title, requester) = ("延期申请已同意：\(record.title)", wf.extensionRequest?.requester)
        case .refuseExtension: (title, requester) = ("延期申请未同意：\(record.title)", wf.extensionRequest?.requester)
        case .startWork, .recordProgress, .requestClosure, .requestExtension: return nil
        }
        guard let requester, requester > 0, requester != actor.userID else { return nil }
        let body: String
        switch action {
        case .approveExtension: body = "\(actor.name)同意延期，整改时限改为\(deadline.chinese)\(reason)。"
        case .sendBack, .refuseExtension: body = "\(actor.name)的意见\(reason.isEmpty ? "：未说明" : reason)。请按意见办理后重新提交。"
        default: body = "\(actor.name)已审核通过\(reason)。"
        }
        return (NoticeDraft(kind: .decision, recordID: record.id, title: title, body: body,
                            href: SiteURL.record(kind.id, record.id!).path, sender: actor.name, dedupe: nil), requester)
    }

    // MARK: - 催办

    /// A leader's or reviewer's reminder with a note to whoever handles and leads the item: a
    /// notice to each, a line in the record's history, an audit entry.
    @discardableResult
    func urge(_ kind: LedgerKind, _ record: LedgerRecord, unit: OrgUnit, note raw: String) async throws -> Int {
        guard kind.workflow else { throw Abort(.notFound, reason: "「\(kind.name)」不走整改流程") }
        guard actor.hasAny([.leader, .reviewer]) else {
            throw Abort(.forbidden, reason: "催办限\([Role.leader, .reviewer].map(\.label).joined(separator: "、"))办理")
        }
        let note = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        if note.isEmpty { throw ValidationFailure([.init("note", "催办意见", "请写明催办的要求")]) }
        if note.count > 500 { throw ValidationFailure([.init("note", "催办意见", "不能超过500字（现有\(note.count)字）")]) }
        if note.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\r" && $0 != "\t" }) {
            throw ValidationFailure([.init("note", "催办意见", "含有不可见的控制字符")])
        }
        guard record.state != .closed else { throw Self.refused("已销号的事项无需催办") }
        let recipients = try await NoticeRecipients.load(on: db).responsible(kind: kind, unitID: unit.id!).filter { $0 != actor.userID }
        guard !recipients.isEmpty else { throw Self.refused("「\(unit.name)」及其上级单位没有可接收催办的经办人或领导账号") }
        let draft = NoticeDraft(kind: .urge, recordID: record.id, title: "催办：\(record.title)", body: "\(actor.name)：\(note)",
                                href: SiteURL.record(kind.id, record.id!).path, sender: actor.name, dedupe: nil)
        return try await db.transaction { tx in
            let sent = try await Notices.send(draft, to: recipients, at: now, on: tx)
            try await event(record.id!, "urge", changes: [:], note: note, on: tx)
            try await audit.append(.workflow, actor: actor.audit, objectType: kind.id, objectID: String(record.id!),
                                   summary: "催办「\(record.title)」：\(note)", at: now, on: tx)
            return sent
        }
    }
}
