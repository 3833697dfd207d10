/// The kinds of node in the organisation tree (单位/组织).
public enum UnitKind: String, CaseIterable, Codable, Sendable {
    case district
    case department
    case town
    case village
    case partyCommittee = "party_committee"
    case generalBranch = "general_branch"
    case branch
    case temporaryParty = "temporary_party"
    case enterprise
    case other

    public var label: String {
        switch self {
        case .district: return "区"
        case .department: return "部门"
        case .town: return "镇/街道"
        case .village: return "村/社区"
        case .partyCommittee: return "党委"
        case .generalBranch: return "党总支"
        case .branch: return "党支部"
        case .temporaryParty: return "临时党组织"
        case .enterprise: return "企业"
        case .other: return "其他"
        }
    }

    /// Party organisations, as opposed to administrative units and enterprises.
    public var isPartyOrganisation: Bool {
        [.partyCommittee, .generalBranch, .branch, .temporaryParty].contains(self)
    }

    public static func fromLabel(_ text: String) -> UnitKind? {
        allCases.first { $0.label == text || $0.rawValue == text }
    }
}

/// Dated flags on organisations: the report counts those *transformed* (cleared) in a year.
public enum UnitFlagKind: String, CaseIterable, Codable, Sendable {
    case backward
    case weak
    case lowIncome = "low_income"
    case economicallyWeak = "economically_weak"

    public var label: String {
        switch self {
        case .backward: return "后进"
        case .weak: return "软弱涣散"
        case .lowIncome: return "低收入村"
        case .economicallyWeak: return "经济薄弱村"
        }
    }

    /// What clearing the flag is called in the ledgers.
    public var clearedLabel: String {
        switch self {
        case .backward, .weak: return "转化"
        case .lowIncome, .economicallyWeak: return "摘帽"
        }
    }
}
