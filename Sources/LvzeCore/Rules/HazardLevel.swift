import Foundation

/// The level of a production safety hazard (事故隐患), per 《安全生产事故隐患排查治理暂行规定》
/// (原国家安监总局令第16号) 第三条.
public enum HazardLevel: String, CaseIterable, Codable, Sendable, Comparable {
    case ordinary
    case major

    public var label: String {
        switch self {
        case .ordinary: return "一般事故隐患"
        case .major: return "重大事故隐患"
        }
    }

    /// The short form used in ledgers' 隐患等级 column.
    public var shortLabel: String {
        switch self {
        case .ordinary: return "一般隐患"
        case .major: return "重大隐患"
        }
    }

    /// The definition in 第三条, shown next to the choice.
    public var definition: String {
        switch self {
        case .ordinary:
            return "危害和整改难度较小，发现后能够立即整改排除的隐患"
        case .major:
            return "危害和整改难度较大，应当全部或者局部停产停业，并经过一定时间整改治理方能排除的隐患，或者因外部因素影响致使生产经营单位自身难以排除的隐患"
        }
    }

    /// The plan parts that must be filled before close-out can be requested.
    public var requiredPlanFields: [HazardPlanField] {
        self == .major ? HazardPlanField.allCases : []
    }

    /// Blockers to pass to `RectificationAction.requestClosure`: empty when every required
    /// plan part is filled, otherwise one message naming the missing parts.
    public func closureBlockers(filledPlanFields: Set<HazardPlanField>) -> [String] {
        let missing = requiredPlanFields.filter { !filledPlanFields.contains($0) }
        guard !missing.isEmpty else { return [] }
        let all = HazardPlanField.allCases.map(\.label).joined(separator: "、")
        return ["重大隐患须填写整改方案五到位（\(all)）后才能申请销号，尚缺：\(missing.map(\.label).joined(separator: "、"))"]
    }

    public static func < (a: HazardLevel, b: HazardLevel) -> Bool { a == .ordinary && b == .major }

    /// Reads a stored raw value, the full or short label, or just 一般/重大 as ledgers write it.
    public static func fromLabel(_ text: String) -> HazardLevel? {
        let trimmed = text.trimmedWhitespace
        return allCases.first {
            [$0.rawValue, $0.label, $0.shortLabel, String($0.shortLabel.prefix(2))].contains(trimmed)
        }
    }
}
