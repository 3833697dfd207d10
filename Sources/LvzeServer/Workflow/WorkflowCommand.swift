import Foundation
import LvzeCore

/// A workflow step as a page form or an API body names it, before it is checked: the
/// action's name and its texts. `action(for:values:)` turns it into the state machine's action.
struct WorkflowCommand: Sendable, Codable {
    var action: String?
    var percent: String?
    var note: String?
    var description: String?
    var reason: String?
    var deadline: String?

    private func text(_ s: String?) -> String { (s ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }

    /// The state machine's action; a close-out request carries the kind's declared blockers.
    func action(kind: LedgerKind, values: [String: FieldValue]) throws -> RectificationAction {
        switch action ?? "" {
        case "start": return .startWork
        case "progress":
            let n = text(percent).halfWidth
            guard let value = Int(n) else { throw ValidationFailure([.init("percent", "整改进度", "「\(n)」不是0到100之间的整数")]) }
            return .recordProgress(percent: value, note: text(note))
        case "request_closure":
            return .requestClosure(description: text(description), evidenceCount: 0, blockers: kind.closureBlockers(values))
        case "approve_closure": return .approveClosure(note: text(note))
        case "send_back": return .sendBack(reason: text(reason))
        case "request_extension":
            let d = text(deadline)
            guard let date = LocalDate.parse(d) else { throw ValidationFailure([.init("deadline", "延期至", "「\(d)」不是有效日期")]) }
            return .requestExtension(newDeadline: date, reason: text(reason))
        case "approve_extension": return .approveExtension(note: text(note))
        case "refuse_extension": return .refuseExtension(reason: text(reason))
        default: throw ValidationFailure([.init("action", "操作", "「\(action ?? "")」不是可办理的流程操作")])
        }
    }

    /// The action names the API accepts, in the order the workflow offers them.
    static let actionNames = ["start", "progress", "request_closure", "approve_closure", "send_back",
                              "request_extension", "approve_extension", "refuse_extension"]
}
