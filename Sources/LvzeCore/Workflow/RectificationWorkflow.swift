import Foundation

/// The rectification workflow (整改→申请销号→销号, with 退回 and 延期) as a pure state machine,
/// so every rule can be tested without a server or a database.
///
/// Decisions made here where the specification left room:
/// - Close-out may be requested from «待整改» as well as «整改中», for findings fixed on the spot
///   (立行立改) that never needed a separate start.
/// - Every review decision — approving or sending back a close-out request, approving or refusing
///   an extension — needs a reviewer who is not the requester and whose scope contains the
///   item's unit. Refusing an extension, like sending back, needs a reason.
/// - A new deadline must be later than the current one and not earlier than today.
/// - An extension may be requested while close-out is awaited; approving the close-out drops
///   the still-open extension request, which is then moot.
/// - Starting work, recording progress and making requests are checked for state and content
///   only; who may do them in which unit is the caller's access control.
public enum RectificationWorkflow {
    /// The outcome of `action` by `actor` at `time`: the new item and its event, or every
    /// problem that refuses it. Dates ("today") are taken in `zone`.
    public static func apply(_ action: RectificationAction, to item: RectificationSnapshot,
                             by actor: WorkflowActor, at time: Date,
                             zone: TimeZone = .lvzeDefault) -> Result<RectificationTransition, ValidationFailure> {
        let today = LocalDate(time, in: zone)
        var next = item
        let kind: RectificationEventKind
        let note: String

        func refuse(_ errors: [FieldError]) -> Result<RectificationTransition, ValidationFailure> {
            .failure(ValidationFailure(errors))
        }
        func wrongState() -> Result<RectificationTransition, ValidationFailure> {
            refuse([FieldError("state", "办理状态", "当前状态为「\(item.state.label)」，不能\(action.label)")])
        }

        switch action {
        case .startWork:
            guard item.state == .pending else { return wrongState() }
            next.state = .inProgress
            kind = .started
            note = ""

        case let .recordProgress(percent, text):
            guard item.state == .pending || item.state == .inProgress else { return wrongState() }
            guard (0...100).contains(percent) else {
                return refuse([FieldError("progress", "整改进度", "须在0到100之间，收到的是\(percent)")])
            }
            next.progress = percent
            next.state = .inProgress
            kind = .progressRecorded
            note = joined("整改进度由\(item.progress)%更新为\(percent)%", text)

        case let .requestClosure(description, evidenceCount, blockers):
            guard item.state == .pending || item.state == .inProgress else { return wrongState() }
            var errors: [FieldError] = []
            let text = trimmed(description)
            if text.isEmpty {
                errors.append(FieldError("description", "整改完成情况", "申请销号须填写整改完成情况"))
            }
            if evidenceCount < 1 {
                errors.append(FieldError("evidence", "佐证材料", "销号申请须附至少一份佐证材料"))
            }
            for blocker in blockers {
                errors.append(FieldError("closureConditions", "销号条件", blocker))
            }
            guard errors.isEmpty else { return refuse(errors) }
            next.state = .closureRequested
            next.closureRequest = RectificationClosureRequest(
                requesterID: actor.id, requestedAt: time, description: text, evidenceCount: evidenceCount)
            kind = .closureRequested
            note = joined(text, "佐证材料\(evidenceCount)份")

        case let .approveClosure(text):
            guard item.state == .closureRequested else { return wrongState() }
            guard let request = item.closureRequest else { return refuse([missingClosureRequest]) }
            let errors = reviewProblems(actor, requesterID: request.requesterID, item: item,
                                        verb: "审批", subject: "销号申请")
            guard errors.isEmpty else { return refuse(errors) }
            next.state = .closed
            next.progress = 100
            next.closureRequest = nil
            var dropped = ""
            if let open = item.extensionRequest {
                next.extensionRequest = nil
                dropped = "待审批的延期申请（申请延至\(open.requestedDeadline.chinese)）随销号撤销"
            }
            kind = .closureApproved
            note = joined(trimmed(text), dropped)

        case let .sendBack(reason):
            guard item.state == .closureRequested else { return wrongState() }
            guard let request = item.closureRequest else { return refuse([missingClosureRequest]) }
            var errors = reviewProblems(actor, requesterID: request.requesterID, item: item,
                                        verb: "退回", subject: "销号申请")
            let text = trimmed(reason)
            if text.isEmpty {
                errors.append(FieldError("reason", "退回理由", "退回销号申请须说明理由"))
            }
            guard errors.isEmpty else { return refuse(errors) }
            next.state = .inProgress
            next.closureRequest = nil
            kind = .sentBack
            note = text

        case let .requestExtension(newDeadline, reason):
            guard item.state != .closed else { return wrongState() }
            if let open = item.extensionRequest {
                return refuse([FieldError("extensionRequest", "延期申请",
                                          "已有待审批的延期申请（申请延至\(open.requestedDeadline.chinese)），审批后才能再次申请")])
            }
            var errors: [FieldError] = []
            if newDeadline <= item.deadline {
                errors.append(FieldError("newDeadline", "新的整改时限",
                                         "须晚于当前整改时限（\(item.deadline.chinese)）"))
            } else if newDeadline < today {
                errors.append(FieldError("newDeadline", "新的整改时限", "不能早于今天（\(today.chinese)）"))
            }
            let text = trimmed(reason)
            if text.isEmpty {
                errors.append(FieldError("reason", "延期理由", "申请延期须说明理由"))
            }
            guard errors.isEmpty else { return refuse(errors) }
            next.extensionRequest = RectificationExtensionRequest(
                requesterID: actor.id, requestedAt: time, requestedDeadline: newDeadline, reason: text)
            kind = .extensionRequested
            note = joined("申请将整改时限由\(item.deadline.chinese)延至\(newDeadline.chinese)", text)

        case let .approveExtension(text):
            guard item.state != .closed else { return wrongState() }
            guard let request = item.extensionRequest else { return refuse([missingExtensionRequest]) }
            let errors = reviewProblems(actor, requesterID: request.requesterID, item: item,
                                        verb: "审批", subject: "延期申请")
            guard errors.isEmpty else { return refuse(errors) }
            next.deadline = request.requestedDeadline
            next.extensionCount += 1
            next.extensionRequest = nil
            kind = .extensionApproved
            note = joined("整改时限由\(item.deadline.chinese)延至\(request.requestedDeadline.chinese)", trimmed(text))

        case let .refuseExtension(reason):
            guard item.state != .closed else { return wrongState() }
            guard let request = item.extensionRequest else { return refuse([missingExtensionRequest]) }
            var errors = reviewProblems(actor, requesterID: request.requesterID, item: item,
                                        verb: "驳回", subject: "延期申请")
            let text = trimmed(reason)
            if text.isEmpty {
                errors.append(FieldError("reason", "驳回理由", "驳回延期申请须说明理由"))
            }
            guard errors.isEmpty else { return refuse(errors) }
            next.extensionRequest = nil
            kind = .extensionRefused
            note = joined("不同意延至\(request.requestedDeadline.chinese)", text)
        }

        let event = RectificationEvent(kind: kind, actorID: actor.id, at: time, date: today, note: note,
                                       fromState: item.state, toState: next.state)
        return .success(RectificationTransition(item: next, event: event))
    }

    /// Why `actor` may not decide on a request made by `requesterID`: reviewer role, no
    /// self-approval, and the item's unit within the reviewer's scope.
    static func reviewProblems(_ actor: WorkflowActor, requesterID: Int, item: RectificationSnapshot,
                               verb: String, subject: String) -> [FieldError] {
        var errors: [FieldError] = []
        if !actor.roles.contains(.reviewer) {
            errors.append(FieldError("reviewer", "审核人", "只有\(Role.reviewer.label)才能\(verb)\(subject)"))
        }
        if actor.id == requesterID {
            errors.append(FieldError("reviewer", "审核人", "不能\(verb)自己提交的\(subject)"))
        }
        if !actor.scope.contains(item.unitPath) {
            errors.append(FieldError("reviewer", "审核人", "审核人的管辖范围不包含该问题的责任单位"))
        }
        return errors
    }

    static let missingClosureRequest = FieldError("closureRequest", "销号申请", "没有待审核的销号申请")
    static let missingExtensionRequest = FieldError("extensionRequest", "延期申请", "没有待审批的延期申请")

    static func trimmed(_ text: String) -> String {
        text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Non-empty parts joined as Chinese sentences.
    static func joined(_ parts: String...) -> String {
        ChineseText.joined(parts)
    }
}
