/// What someone asks to do to a rectification; `RectificationWorkflow` decides whether it is allowed.
public enum RectificationAction: Sendable, Equatable {
    /// 开始整改: pending → in progress.
    case startWork
    /// 登记整改进度, 0…100 percent; on a pending item it also starts the work.
    case recordProgress(percent: Int, note: String)
    /// 申请销号. `blockers` are conditions checked elsewhere (such as a major hazard's
    /// five-in-place plan); any entry refuses the request and is shown as given.
    case requestClosure(description: String, evidenceCount: Int, blockers: [String])
    /// 批准销号: closes the item and sets its progress to 100.
    case approveClosure(note: String)
    /// 退回 a close-out request to the unit, with the reason it must read.
    case sendBack(reason: String)
    /// 申请延期 to a later deadline.
    case requestExtension(newDeadline: LocalDate, reason: String)
    /// 批准延期: the requested deadline replaces the current one.
    case approveExtension(note: String)
    /// 驳回延期, with the reason the requester must read.
    case refuseExtension(reason: String)

    /// The verb used in messages: «不能开始整改».
    public var label: String {
        switch self {
        case .startWork: return "开始整改"
        case .recordProgress: return "登记整改进度"
        case .requestClosure: return "申请销号"
        case .approveClosure: return "批准销号"
        case .sendBack: return "退回销号申请"
        case .requestExtension: return "申请延期"
        case .approveExtension: return "批准延期"
        case .refuseExtension: return "驳回延期申请"
        }
    }
}
