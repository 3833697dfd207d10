/// The responsibility systems, as the navigation names them.
enum ResponsibilitySystem: String, CaseIterable, Sendable, Codable {
    case party, integrity, ideology, safety

    var label: String {
        switch self {
        case .party: return "基层党建"
        case .integrity: return "党风廉政建设"
        case .ideology: return "意识形态"
        case .safety: return "安全生产"
        }
    }
}

/// Every page's path in one place, so links and routes cannot drift apart.
enum SiteURL {
    case home, login, logout, password, tokens
    case units, unit(Int), unitNew, unitEdit(Int), unitMove(Int), unitDelete(Int), unitFlags(Int)
    case people, person(Int), personNew, personEdit(Int), personDelete(Int), personPositions(Int)
    case incumbents
    case system(ResponsibilitySystem), supervision, reports
    case admin, adminUsers, adminUser(Int), adminUserNew, adminSettings
    case securityUsers, securityUser(Int), securityPolicy
    case audit, auditExport, auditVerify

    var path: String {
        switch self {
        case .home: return "/"
        case .login: return "/login"
        case .logout: return "/logout"
        case .password: return "/password"
        case .tokens: return "/tokens"
        case .units: return "/units"
        case .unit(let id): return "/units/\(id)"
        case .unitNew: return "/units/new"
        case .unitEdit(let id): return "/units/\(id)/edit"
        case .unitMove(let id): return "/units/\(id)/move"
        case .unitDelete(let id): return "/units/\(id)/delete"
        case .unitFlags(let id): return "/units/\(id)/flags"
        case .people: return "/people"
        case .person(let id): return "/people/\(id)"
        case .personNew: return "/people/new"
        case .personEdit(let id): return "/people/\(id)/edit"
        case .personDelete(let id): return "/people/\(id)/delete"
        case .personPositions(let id): return "/people/\(id)/positions"
        case .incumbents: return "/incumbents"
        case .system(let s): return "/systems/\(s.rawValue)"
        case .supervision: return "/supervision"
        case .reports: return "/reports"
        case .admin: return "/admin"
        case .adminUsers: return "/admin/users"
        case .adminUser(let id): return "/admin/users/\(id)"
        case .adminUserNew: return "/admin/users/new"
        case .adminSettings: return "/admin/settings"
        case .securityUsers: return "/security/users"
        case .securityUser(let id): return "/security/users/\(id)"
        case .securityPolicy: return "/security/policy"
        case .audit: return "/audit"
        case .auditExport: return "/audit/export"
        case .auditVerify: return "/audit/verify"
        }
    }
}
