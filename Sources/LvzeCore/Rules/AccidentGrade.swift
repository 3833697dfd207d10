import Foundation

/// The grade of a production safety accident, per 《生产安全事故报告和调查处理条例》
/// (国务院令第493号) 第三条: the highest grade any one of deaths, serious injuries (including
/// acute industrial poisoning) and direct economic loss reaches, where "以上" includes the
/// bound and "以下" excludes it.
public enum AccidentGrade: String, CaseIterable, Codable, Sendable, Comparable {
    case ordinary
    case relativelyMajor = "relatively_major"
    case major
    case extraordinarilyMajor = "extraordinarily_major"

    public var label: String {
        switch self {
        case .ordinary: return "一般事故"
        case .relativelyMajor: return "较大事故"
        case .major: return "重大事故"
        case .extraordinarilyMajor: return "特别重大事故"
        }
    }

    /// 较大事故 or graver, the accidents reported separately and investigated above the county.
    public var isMajorOrAbove: Bool { self >= .relativelyMajor }

    public static func < (a: AccidentGrade, b: AccidentGrade) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// The grade reached by an accident's consequences (direct loss in yuan).
    public static func grade(deaths: Int, seriousInjuries: Int, directLossYuan: Decimal) -> AccidentGrade {
        let byDeaths: AccidentGrade = deaths >= 30 ? .extraordinarilyMajor
            : deaths >= 10 ? .major : deaths >= 3 ? .relativelyMajor : .ordinary
        let byInjuries: AccidentGrade = seriousInjuries >= 100 ? .extraordinarilyMajor
            : seriousInjuries >= 50 ? .major : seriousInjuries >= 10 ? .relativelyMajor : .ordinary
        let byLoss: AccidentGrade = directLossYuan >= Decimal(100_000_000) ? .extraordinarilyMajor
            : directLossYuan >= Decimal(50_000_000) ? .major
            : directLossYuan >= Decimal(10_000_000) ? .relativelyMajor : .ordinary
        return max(byDeaths, byInjuries, byLoss)
    }

    /// Reads a stored raw value or a label, with or without the trailing 事故.
    public static func fromLabel(_ text: String) -> AccidentGrade? {
        let trimmed = text.trimmedWhitespace
        return allCases.first { $0.label == trimmed || $0.rawValue == trimmed || $0.label == trimmed + "事故" }
    }
}
