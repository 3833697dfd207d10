/// How urgently an open item's deadline calls for attention; each tier goes to a more senior
/// person, as districts already do it (handler → leader → secretary).
public enum DeadlineWarningTier: String, CaseIterable, Codable, Sendable, Comparable {
    case green
    case yellow
    case red

    public var label: String {
        switch self {
        case .green: return "绿色预警"
        case .yellow: return "黄色预警"
        case .red: return "红色预警"
        }
    }

    public static func < (a: DeadlineWarningTier, b: DeadlineWarningTier) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}
