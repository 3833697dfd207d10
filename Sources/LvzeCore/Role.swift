/// Roles of an account. The three administrators (三员) are kept apart from each other and
/// from business work, as 等保2.0 level 3 asks; business roles may be combined.
public enum Role: String, CaseIterable, Codable, Sendable, Comparable {
    case sysadmin
    case secadmin
    case auditor
    case leader
    case clerk
    case reviewer
    case assessor
    case discipline

    public var label: String {
        switch self {
        case .sysadmin: return "系统管理员"
        case .secadmin: return "安全管理员"
        case .auditor: return "审计管理员"
        case .leader: return "领导"
        case .clerk: return "经办人"
        case .reviewer: return "审核人"
        case .assessor: return "考核组"
        case .discipline: return "纪检"
        }
    }

    public var summary: String {
        switch self {
        case .sysadmin: return "管理账号、单位和系统设置，不接触业务数据"
        case .secadmin: return "分配角色、解锁账号、设置安全策略"
        case .auditor: return "查阅和导出审计日志，别无其他权限"
        case .leader: return "查阅本单位及下级单位的全部业务数据"
        case .clerk: return "录入和修改本单位及下级单位的业务数据"
        case .reviewer: return "审核本单位及下级单位的销号、延期等申请"
        case .assessor: return "组织本单位对下级单位的年度考核：维护考评细则、评审自评、公示和定档"
        case .discipline: return "唯一可查阅纪检台账的角色"
        }
    }

    public var isAdministrator: Bool { self == .sysadmin || self == .secadmin || self == .auditor }
    public var isBusiness: Bool { !isAdministrator }

    public static func < (a: Role, b: Role) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    public static func fromLabel(_ text: String) -> Role? {
        allCases.first { $0.label == text || $0.rawValue == text }
    }

    /// Why a set of roles may not be held by one account, or nil when it may.
    public static func separationProblem(_ roles: Set<Role>) -> String? {
        let admins = roles.filter(\.isAdministrator).sorted()
        if admins.count > 1 {
            return "\(admins.map(\.label).joined(separator: "、"))必须由不同账号担任（三员分立）"
        }
        if let admin = admins.first, roles.count > 1 {
            return "\(admin.label)账号不能同时担任业务角色（三员分立）"
        }
        return nil
    }
}
