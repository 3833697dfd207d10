import Fluent
import LvzeCore
import Vapor

/// The security administrator's area: business roles of accounts, unlocking, and the
/// password and session policy.
struct SecurityController {
    func boot(routes: any RoutesBuilder) {
        routes.get(.securityUsers, use: users)
        routes.get(.securityUser, use: userPage)
        routes.post(.securityUserRoles, use: saveRoles)
        routes.post(.securityUserUnlock, use: unlock)
        routes.get(.securityPolicy, use: policyPage)
        routes.post(.securityPolicy, use: savePolicy)
    }

    func users(req: Request) async throws -> Response {
        let p = try req.require(.secadmin)
        let q = ((try? req.query.get(String.self, at: "q")) ?? "").trimmingCharacters(in: .whitespaces)
        return try await req.render("admin/users", title: "角色与权限",
                                    AdminController.UsersContent(rows: try await AdminController.userRows(req, p, q: q), q: q,
                                                                 manageRoles: true), section: Endpoint.admin.url().path)
    }

    struct RoleOption: Encodable {
        var value: String
        var label: String
        var summary: String
        var checked: Bool
    }

    struct UserContent: Encodable {
        var id: Int
        var username: String
        var displayName: String
        var unitName: String
        var isAdministrator: Bool
        var adminRole: String
        var roles: [RoleOption]
        var locked: Bool
        var lockedUntil: String
        var failedCount: Int
        var form: FormState
        var pending: [AccountRequestController.Item]
    }

    private func render(_ req: Request, _ user: User, _ unit: OrgUnit, form: FormState, status: HTTPStatus = .ok) async throws -> Response {
        let roles = user.roles
        let admin = roles.first(where: \.isAdministrator)
        let pending = try await AccountRequestController.pending(req, try req.requirePrincipal(), userID: user.id!)
        return try await req.render("security/user", title: user.username, UserContent(
            id: user.id!, username: user.username, displayName: user.displayName, unitName: unit.name,
            isAdministrator: admin != nil, adminRole: admin?.label ?? "",
            roles: Role.allCases.filter(\.isBusiness).map {
                RoleOption(value: $0.rawValue, label: $0.label, summary: $0.summary, checked: roles.contains($0))
            },
            locked: user.isLocked(at: req.now), lockedUntil: ISOTime.local(user.lockedUntil), failedCount: user.failedCount,
            form: form, pending: pending), status: status, section: Endpoint.admin.url().path)
    }

    func userPage(req: Request) async throws -> Response {
        let p = try req.require(.secadmin)
        let (user, unit) = try await scopedUser(req.parameters.get("id", as: Int.self), p, req)
        return try await render(req, user, unit, form: FormState())
    }

    struct RolesForm: Content { var roles: [String]? }

    /// Grants and revokes business roles. Administrator accounts keep their single role:
    /// the security administrator cannot turn one into a business user or vice versa.
    func saveRoles(req: Request) async throws -> Response {
        let p = try req.require(.secadmin)
        let (user, unit) = try await scopedUser(req.parameters.get("id", as: Int.self), p, req)
        let form = try req.content.decode(RolesForm.self)
        var errors: [FieldError] = []
        var wanted: Set<Role> = []
        for raw in form.roles ?? [] {
            guard let role = Role(rawValue: raw) else {
                errors.append(.init("roles", "角色", "「\(raw)」不是可选角色")); continue
            }
            if role.isAdministrator {
                errors.append(.init("roles", "角色", "\(role.label)只能由系统管理员在新建账号时指定"))
            }
            wanted.insert(role)
        }
        if user.roles.contains(where: \.isAdministrator) {
            errors.append(.init("roles", "角色", "管理员账号不能分配业务角色（三员分立）"))
        }
        if user.id == p.userID { errors.append(.init("roles", "角色", "不能修改自己的角色")) }
        if let problem = Role.separationProblem(wanted) { errors.append(.init("roles", "角色", problem)) }
        if !errors.isEmpty { return try await render(req, user, unit, form: FormState(ValidationFailure(errors)), status: .unprocessableEntity) }
        let before = user.roles.sorted().map(\.rawValue)
        let granted = wanted
        user.roles = granted
        try await req.db.transaction { tx in
            try await user.update(on: tx)
            try await req.audit(.rolesChanged, "user", String(user.id!),
                                "「\(user.username)」的角色改为\(granted.isEmpty ? "无" : granted.sorted().map(\.label).joined(separator: "、"))",
                                before: before, after: granted.sorted().map(\.rawValue), on: tx)
        }
        return req.redirect(to: SiteURL.securityUser(user.id!).path, flash: "角色已保存")
    }

    func unlock(req: Request) async throws -> Response {
        let p = try req.require(.secadmin)
        let (user, _) = try await scopedUser(req.parameters.get("id", as: Int.self), p, req)
        user.lockedUntil = nil
        user.failedCount = 0
        req.lvze.loginThrottle.clear(username: user.username)
        try await req.db.transaction { tx in
            try await user.update(on: tx)
            try await req.audit(.accountUnlocked, "user", String(user.id!), "解锁账号「\(user.username)」", on: tx)
        }
        return req.redirect(to: SiteURL.securityUser(user.id!).path, flash: "账号已解锁")
    }

    struct PolicyContent: Encodable {
        var values: [String: String]
        var form: FormState
    }

    static let policyFields: [(field: String, key: String)] = [
        ("minLength", "security.password.min_length"), ("requiredClasses", "security.password.classes"),
        ("expiryDays", "security.password.expiry_days"), ("lockoutThreshold", "security.lockout.threshold"),
        ("lockoutMinutes", "security.lockout.minutes"), ("idleMinutes", "security.session.idle_minutes"),
    ]

    func policyPage(req: Request) async throws -> Response {
        try req.require(.secadmin)
        var values: [String: String] = [:]
        for (field, key) in Self.policyFields { values[field] = req.lvze.settings.string(key) }
        return try await req.render("security/policy", title: "安全策略", PolicyContent(values: values, form: FormState()),
                                    section: Endpoint.admin.url().path)
    }

    func savePolicy(req: Request) async throws -> Response {
        try req.require(.secadmin)
        let raw = try req.content.decode([String: String].self)
        var values: [String: String] = [:]
        var errors: [FieldError] = []
        var parsed: [String: Int] = [:]
        let labels = ["minLength": "密码最小长度", "requiredClasses": "字符类别数", "expiryDays": "密码有效期",
                      "lockoutThreshold": "锁定阈值", "lockoutMinutes": "锁定时长", "idleMinutes": "空闲超时"]
        for (field, _) in Self.policyFields {
            let text = (raw[field] ?? "").trimmingCharacters(in: .whitespaces).halfWidth
            values[field] = text
            if let n = Int(text) { parsed[field] = n } else { errors.append(.init(field, labels[field]!, "须为整数")) }
        }
        if errors.isEmpty {
            let policy = PasswordPolicy(minLength: parsed["minLength"]!, requiredClasses: parsed["requiredClasses"]!,
                                        expiryDays: parsed["expiryDays"]!, lockoutThreshold: parsed["lockoutThreshold"]!,
                                        lockoutMinutes: parsed["lockoutMinutes"]!, idleMinutes: parsed["idleMinutes"]!)
            errors = policy.validationErrors()
        }
        if !errors.isEmpty {
            return try await req.render("security/policy", title: "安全策略",
                                        PolicyContent(values: values, form: FormState(ValidationFailure(errors))),
                                        status: .unprocessableEntity, section: Endpoint.admin.url().path)
        }
        var before: [String: String] = [:], changes: [String: String] = [:]
        for (field, key) in Self.policyFields {
            before[key] = req.lvze.settings.string(key)
            changes[key] = String(parsed[field]!)
        }
        try await req.lvze.settings.set(changes, on: req.db)
        try await req.audit(.policyChanged, "setting", "security", "修改安全策略", before: before, after: changes)
        return req.redirect(to: SiteURL.securityPolicy.path, flash: "安全策略已保存")
    }
}
