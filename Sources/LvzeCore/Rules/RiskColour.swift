import Foundation

/// The four colours of graded risk control (风险分级管控), from red for the gravest to blue.
public enum RiskColour: String, CaseIterable, Codable, Sendable, Comparable {
    case blue
    case yellow
    case orange
    case red

    /// The colour word, as on risk maps (红、橙、黄、蓝).
    public var label: String {
        switch self {
        case .red: return "红"
        case .orange: return "橙"
        case .yellow: return "黄"
        case .blue: return "蓝"
        }
    }

    /// The risk level the colour stands for.
    public var riskLabel: String {
        switch self {
        case .red: return "重大风险"
        case .orange: return "较大风险"
        case .yellow: return "一般风险"
        case .blue: return "低风险"
        }
    }

    /// Ordered from the lowest risk (blue) to the highest (red).
    public static func < (a: RiskColour, b: RiskColour) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Reads a stored raw value, a colour (红, 红色) or a risk level (重大风险).
    public static func fromLabel(_ text: String) -> RiskColour? {
        let trimmed = text.trimmedWhitespace
        return allCases.first {
            [$0.rawValue, $0.label, $0.label + "色", $0.riskLabel].contains(trimmed)
        }
    }
}
