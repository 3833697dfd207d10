import Foundation

/// The four forms of supervision and discipline (四种形态), per 《中国共产党纪律处分条例》第五条,
/// ordered from the lightest to the gravest.
public enum DisciplineForm: String, CaseIterable, Codable, Sendable, Comparable {
    case first
    case second
    case third
    case fourth

    public var label: String {
        switch self {
        case .first: return "第一种形态"
        case .second: return "第二种形态"
        case .third: return "第三种形态"
        case .fourth: return "第四种形态"
        }
    }

    /// What the form covers, as 第五条 sets it out.
    public var definition: String {
        switch self {
        case .first: return "谈话提醒、批评教育、责令检查、诫勉"
        case .second: return "党纪轻处分（警告、严重警告）、组织调整"
        case .third: return "党纪重处分（撤销党内职务、留党察看、开除党籍）、重大职务调整"
        case .fourth: return "严重违纪涉嫌犯罪追究刑事责任"
        }
    }

    public static func < (a: DisciplineForm, b: DisciplineForm) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Reads a stored raw value or a label.
    public static func fromLabel(_ text: String) -> DisciplineForm? {
        let trimmed = text.trimmedWhitespace
        return allCases.first { $0.label == trimmed || $0.rawValue == trimmed }
    }
}
