import Foundation

/// Where a rectification stands on its way to close-out (销号); the raw values are stored,
/// so they never change.
public enum RectificationState: String, CaseIterable, Codable, Sendable {
    case pending
    case inProgress = "in_progress"
    case closureRequested = "closure_requested"
    case closed

    /// The word users see in lists and ledgers.
    public var label: String {
        switch self {
        case .pending: return "待整改"
        case .inProgress: return "整改中"
        case .closureRequested: return "申请销号"
        case .closed: return "已销号"
        }
    }

    /// Whether the rectification is finished, which stops deadline warnings and 序时进度 checks.
    public var isClosed: Bool { self == .closed }

    /// Reads a stored raw value or the label typed in a spreadsheet.
    public static func fromLabel(_ text: String) -> RectificationState? {
        let trimmed = text.trimmedWhitespace
        return allCases.first { $0.label == trimmed || $0.rawValue == trimmed }
    }
}
