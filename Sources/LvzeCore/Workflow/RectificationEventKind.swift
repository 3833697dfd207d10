/// The kinds of entry in a rectification's history (办理记录); raw values are stored.
public enum RectificationEventKind: String, CaseIterable, Codable, Sendable {
    case started
    case progressRecorded = "progress_recorded"
    case closureRequested = "closure_requested"
    case closureApproved = "closure_approved"
    case sentBack = "sent_back"
    case extensionRequested = "extension_requested"
    case extensionApproved = "extension_approved"
    case extensionRefused = "extension_refused"

    /// The word shown in the history list.
    public var label: String {
        switch self {
        case .started: return "开始整改"
        case .progressRecorded: return "登记进度"
        case .closureRequested: return "申请销号"
        case .closureApproved: return "批准销号"
        case .sentBack: return "退回"
        case .extensionRequested: return "申请延期"
        case .extensionApproved: return "批准延期"
        case .extensionRefused: return "驳回延期"
        }
    }
}
