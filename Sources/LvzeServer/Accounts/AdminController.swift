import Fluent
import LvzeCore
import Vapor

/// The system administrator's area: accounts (not their roles) and system settings.
struct AdminController {
    func boot(routes: any RoutesBuilder) {
        routes.get(.admin, use: index)
        routes.get(.adminUsers, use: users)
        routes.get(.adminUserNew, use: newUserPage)
        routes.post(.adminUsers, use: createUser)
        routes.get(.adminUser, use: userPage)
        routes.post(.adminUser, use: updateUser)
        routes.post(.adminUserReset, use: resetPassword)
        routes.get(.adminSettings, use: settingsPage)
        routes.post(.adminSettings, use: saveSettings)
    }

    struct IndexContent: Encodable {
        var sysadmin: Bool
        var secadmin: Bool
        var auditor: Bool
    }

    func index(req: Request) async throws -> Response {
        let p = try req.require(.sysadmin, .secadmin, .auditor)
        return try await req.render("admin/index", title: "系统管理",
                                    IndexContent(sysadmin: p.has(.sysadmin), secadmin: p.has(.secadmin), auditor: p.has(.auditor)))
    }

    struct UserRow: Encodable {
        var id: Int
        var username: String
        var displayName: String
        var unitName: String
        var roles: String
        var state: String
        var lastLogin: String
    }

    struct UsersContent: Encodable {
        var rows: [UserRow]
        var q: String
        var manageRoles: Bool
    }

    /// Accounts in the administrator's scope, shared by the system and security views.
    static func userRows(_ req: Request, _ p: Principal, q: String) async throws -> [UserRow] {
        var builder = User.query(on: req.db).join(OrgUnit.self, on: \User.$unit.$id == \OrgUnit.$id)
            .filter(OrgUnit.self, \.$path >= p.scope.value).filter(OrgUnit.self, \.$path < p.scope.subtreeUpperBound)
        if !q.isEmpty { builder = builder.group(.or) { $0.filter(User.schema, "username", contains: q).filter(User.schema, "display_name", contains: q) } }
        let now = req.now
        return try await builder.sort(\.$username).limit(2000).all().map { u in
            let state = u.disabled ? "已停用" : (u.isLocked(at: now) ? "已锁定至\(ISOTime.local(u.lockedUntil))" : (u.mustChangePassword ? "待改密码" : "正常"))
            return UserRow(id: u.id!, username: u.username, displayName: u.displayName, unitName: try u.joined(OrgUnit.self).name,
                           roles: u.roles.isEmpty ? "（未分配）" : u.roles.sorted().map(\.label).joined(separator: "、"),
                           state: state, lastLogin: ISOTime.local(u.lastLoginAt))
        }
    }

    func users(req: Request) async throws -> Response {
        let p = try req.require(.sysadmin)
        let q = ((try? req.query.get(String.self, at: "q")) ?? "").trimmingCharacters(in: .whitespaces)
        return try await req.render("admin/users", title: "账号管理",
                                    UsersContent(rows: try await Self.userRows(req, p, q: q), q: q, manageRoles: false))
    }

    typealias Option = SelectOption

    struct NewUserContent: Encodable {
        var values: NewUserInput
        var adminRoles: [Option]
        var form: FormState
        var created: Created?
        struct Created: Encodable {
            var username: String
            var password: String
        }
    }

    private func adminRoleOptions(_ selected: String?) -> [Option] {
        [Option(value: "", label: "业务账号（角色由安全管理员分配）", selected: (selected ?? "").isEmpty)]
            + [Role.sysadmin, .secadmin, .auditor].map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == selected) }
    }

    func newUserPage(req: Request) async throws -> Response {
        let p = try req.require(.sysadmin)
        var values = NewUserInput()
        values.unitCode = p.unit.code
        return try await req.render("admin/user-new", title: "新增账号",
                                    NewUserContent(values: values, adminRoles: adminRoleOptions(nil), form: FormState(), created: nil),
                                    section: Endpoint.admin.url().path)
    }

    func createUser(req: Request) async throws -> Response {
        let p = try req.require(.sysadmin)
        let input = try req.content.decode(NewUserInput.self)
        do {
            let checked = try await input.check(scope: p.scope, on: req.db)
            let password = Secrets.password()
            let hash = try await hashPassword(password, cost: req.lvze.configuration.bcryptCost, on: req)
            let user = User.make(checked, passwordHash: hash, mustChange: true, now: req.now)
            try await req.db.transaction { tx in
                try await user.create(on: tx)
                try await req.audit(.create, "user", String(user.id!), "新增账号「\(user.username)」", after: user.snapshot, on: tx)
                if !checked.roles.isEmpty {
                    try await req.audit(.rolesChanged, "user", String(user.id!),
                                        "「\(user.username)」设为\(checked.roles.sorted().map(\.label).joined(separator: "、"))",
                                        before: [String](), after: checked.roles.sorted().map(\.rawValue), on: tx)
                }
            }
            // The initial password is shown once, on this response only.
            var values = NewUserInput()
            values.unitCode = p.unit.code
            return try await req.render("admin/user-new", title: "新增账号", NewUserContent(
                values: values, adminRoles: adminRoleOptions(nil), form: FormState(),
                created: .init(username: user.username, password: password)), section: Endpoint.admin.url().path)
        } catch let failure as ValidationFailure {
            return try await req.render("admin/user-new", title: "新增账号", NewUserContent(
                values: input, adminRoles: adminRoleOptions(input.adminRole), form: FormState(failure), created: nil),
                                        status: .unprocessableEntity, section: Endpoint.admin.url().path)
        }
    }

    struct UserContent: Encodable {
        var id: Int
        var username: String
        var displayName: String
        var unitCode: String
        var unitName: String
        var roles: String
        var disabled: Bool
        var state: String
        var form: FormState
        var resetPassword: String?
        /// An administrator's or 纪检 account: reset, disable and move need the security administrator.
        var protected: Bool
        /// The first half of a requested reset's password, shown once to the requester.
        var firstHalf: String?
        var notice: String?
        var pending: [AccountRequestController.Item]
    }

    private func userContent(_ req: Request, _ p: Principal, _ user: User, _ unit: OrgUnit, form: FormState, reset: String? = nil,
                             firstHalf: String? = nil, notice: String? = nil) async throws -> UserContent {
        let now = req.now
        return UserContent(id: user.id!, username: user.username, displayName: user.displayName, unitCode: unit.code,
                           unitName: unit.name, roles: user.roles.sorted().map(\.label).joined(separator: "、"),
                           disabled: user.disabled,
                           state: user.disabled ? "已停用" : (user.isLocked(at: now) ? "已锁定" : "正常"),
                           form: form, resetPassword: reset, protected: user.isProtected, firstHalf: firstHalf, notice: notice,
                           pending: try await AccountRequestController.pending(req, p, userID: user.id!))
    }

    func userPage(req: Request) async throws -> Response {
        let p = try req.require(.sysadmin)
        let (user, unit) = try await scopedUser(req.parameters.get("id", as: Int.self), p, req)
        return try await req.render("admin/user", title: user.username, try await userContent(req, p, user, unit, form: FormState()), section: Endpoint.admin.url().path)
    }

    struct UserForm: Content {
        var displayName: String?
        var unitCode: String?
        var disabled: String?
    }

    func updateUser(req: Request) async throws -> Response {
        let p = try req.require(.sysadmin)
        let (user, unit) = try await scopedUser(req.parameters.get("id", as: Int.self), p, req)
        let form = try req.content.decode(UserForm.self)
        var errors: [FieldError] = []
        let name = (form.displayName ?? "").trimmingCharacters(in: .whitespaces)
        if name.isEmpty { errors.append(.init("displayName", "姓名", "不能为空")) }
        if name.count > 50 { errors.append(.init("displayName", "姓名", "不能超过50个字")) }
        let code = (form.unitCode ?? "").trimmingCharacters(in: .whitespaces)
        var newUnit = unit
        if code != unit.code {
            if let u = try await OrgUnit.query(on: req.db).filter(\.$code == code).first(), p.covers(u) { newUnit = u }
            else { errors.append(.init("unitCode", "所属单位", "代码「\(code)」不存在或不在您的管理范围内")) }
        }
        let disable = form.disabled == "on" || form.disabled == "true"
        if disable, user.id == p.userID { errors.append(.init("disabled", "停用", "不能停用自己的账号")) }
        if !errors.isEmpty {
            return try await req.render("admin/user", title: user.username,
                                        try await userContent(req, p, user, unit, form: FormState(ValidationFailure(errors))),
                                        status: .unprocessableEntity, section: Endpoint.admin.url().path)
        }
        // An administrator's or 纪检 account is disabled, enabled or moved only with the
        // security administrator's approval; its name is changed at once.
        if user.isProtected {
            var asked: [String] = []
            if disable != user.disabled {
                _ = try await AccountRequestController.file(disable ? .disable : .enable, for: user, req: req, principal: p)
                asked.append(disable ? "停用" : "启用")
            }
            if newUnit.id != unit.id {
                _ = try await AccountRequestController.file(.move, for: user, unitID: newUnit.id, req: req, principal: p)
                asked.append("调整所属单位")
            }
            if name != user.displayName {
                let before = user.snapshot
                user.displayName = name
                try await req.db.transaction { tx in
                    try await user.update(on: tx)
                    try await req.audit(.update, "user", String(user.id!), "修改账号「\(user.username)」的姓名", before: before, after: user.snapshot, on: tx)
                }
            }
            let flash = asked.isEmpty ? "已保存" : "已保存；\(asked.joined(separator: "、"))已提交安全管理员审批（管理员和纪检账号须两人办理）"
            return req.redirect(to: SiteURL.adminUser(user.id!).path, flash: flash)
        }
        let before = user.snapshot
        user.displayName = name
        user.$unit.id = newUnit.id!
        user.disabled = disable
        try await req.db.transaction { tx in
            try await user.update(on: tx)
            if disable { try await UserSession.query(on: tx).filter(\.$user.$id == user.id!).delete() }
            try await req.audit(.update, "user", String(user.id!), "修改账号「\(user.username)」", before: before, after: user.snapshot, on: tx)
        }
        return req.redirect(to: SiteURL.adminUser(user.id!).path, flash: "已保存")
    }

    /// Sets a new random password that must be changed at next login, shown once.
    func resetPassword(req: Request) async throws -> Response {
        let p = try req.require(.sysadmin)
        let (user, unit) = try await scopedUser(req.parameters.get("id", as: Int.self), p, req)
        if user.isProtected {
            let first = try await AccountRequestController.file(.reset, for: user, req: req, principal: p)
            return try await req.render("admin/user", title: user.username, try await userContent(
                req, p, user, unit, form: FormState(), firstHalf: first,
                notice: "「\(user.username)」是管理员或纪检账号，重置密码须经安全管理员批准。"), section: Endpoint.admin.url().path)
        }
        let password = Secrets.password()
        user.passwordHash = try await hashPassword(password, cost: req.lvze.configuration.bcryptCost, on: req)
        user.mustChangePassword = true
        user.passwordChangedAt = req.now
        try await req.db.transaction { tx in
            try await user.update(on: tx)
            try await UserSession.query(on: tx).filter(\.$user.$id == user.id!).delete()
            try await APIToken.query(on: tx).filter(\.$user.$id == user.id!).filter(\.$revokedAt == nil).set(\.$revokedAt, to: req.now).update()
            try await req.audit(.passwordReset, "user", String(user.id!), "重置「\(user.username)」的密码", on: tx)
        }
        return try await req.render("admin/user", title: user.username,
                                    try await userContent(req, p, user, unit, form: FormState(), reset: password), section: Endpoint.admin.url().path)
    }

    struct SettingsContent: Encodable {
        var districtName: String
        var importConcurrency: String
        /// The warning ladder's days, by form field (`SettingsStore.reminderKeys`).
        var ladder: [String: String]
        var form: FormState
    }

    func settingsPage(req: Request) async throws -> Response {
        try req.require(.sysadmin)
        let settings = req.lvze.settings
        return try await req.render("admin/settings", title: "系统设置",
                                    SettingsContent(districtName: settings.string("site.district_name"),
                                                    importConcurrency: String(settings.int(ImportJobs.concurrencyKey)),
                                                    ladder: SettingsStore.reminderKeys.mapValues { String(settings.int($0)) }, form: FormState()),
                                    section: Endpoint.admin.url().path)
    }

    struct SettingsForm: Content {
        var districtName: String?
        var importConcurrency: String?
        var greenDays: String?
        var yellowDays: String?
        var unitLeaderAfterDays: String?
        var districtAfterDays: String?
    }

    func saveSettings(req: Request) async throws -> Response {
        try req.require(.sysadmin)
        let form = try req.content.decode(SettingsForm.self)
        let name = (form.districtName ?? "").trimmingCharacters(in: .whitespaces)
        let concurrencyText = (form.importConcurrency ?? "").trimmingCharacters(in: .whitespaces)
        var errors: [FieldError] = []
        if name.count > 40 { errors.append(.init("districtName", "单位全称", "不能超过40个字")) }
        let concurrency = Int(concurrencyText.halfWidth)
        if concurrency == nil || !(1...8).contains(concurrency!) {
            errors.append(.init("importConcurrency", "同时进行的导入数", "应为1到8之间的整数（收到「\(concurrencyText)」）"))
        }
        // The ladder: each a whole number of days, then in order (ReminderSettings' own checks);
        // a field the form leaves out keeps its value.
        let submitted: [String: String?] = ["greenDays": form.greenDays, "yellowDays": form.yellowDays,
                                            "unitLeaderAfterDays": form.unitLeaderAfterDays, "districtAfterDays": form.districtAfterDays]
        let typed: [String: String] = Dictionary(uniqueKeysWithValues: submitted.map { field, value in
            (field, (value ?? String(req.lvze.settings.int(SettingsStore.reminderKeys[field]!))).trimmingCharacters(in: .whitespaces))
        })
        let labels = ["greenDays": "绿色预警天数", "yellowDays": "黄色预警天数", "unitLeaderAfterDays": "逾期提级天数",
                      "districtAfterDays": "逾期区级督办天数"]
        var days: [String: Int] = [:]
        for key in ["greenDays", "yellowDays", "unitLeaderAfterDays", "districtAfterDays"] {
            if let n = Int(typed[key]!.halfWidth) { days[key] = n }
            else { errors.append(.init(key, labels[key]!, "应为整数天数（收到「\(typed[key]!)」）")) }
        }
        if days.count == 4 {
            let ladder = ReminderSettings(warnings: .init(greenDays: days["greenDays"]!, yellowDays: days["yellowDays"]!, redDays: -1),
                                          unitLeaderAfterDays: days["unitLeaderAfterDays"]!, districtAfterDays: days["districtAfterDays"]!)
            errors += ladder.validationErrors()
        }
        if !errors.isEmpty {
            return try await req.render("admin/settings", title: "系统设置", SettingsContent(
                districtName: name, importConcurrency: concurrencyText, ladder: typed, form: FormState(ValidationFailure(errors))),
                                        status: .unprocessableEntity, section: Endpoint.admin.url().path)
        }
        let settings = req.lvze.settings
        var before = ["site.district_name": settings.string("site.district_name"),
                      ImportJobs.concurrencyKey: String(settings.int(ImportJobs.concurrencyKey))]
        var after = ["site.district_name": name, ImportJobs.concurrencyKey: String(concurrency!)]
        for (field, key) in SettingsStore.reminderKeys {
            before[key] = String(settings.int(key))
            after[key] = String(days[field]!)
        }
        try await req.lvze.settings.set(after, on: req.db)
        try await req.audit(.settingsChanged, "setting", "site", "修改系统设置", before: before, after: after)
        return req.redirect(to: SiteURL.adminSettings.path, flash: "已保存")
    }
}

/// An account whose unit lies in the administrator's scope, or 404.
func scopedUser(_ id: Int?, _ p: Principal, _ req: Request) async throws -> (User, OrgUnit) {
    guard let id, let user = try await User.find(id, on: req.db),
          let unit = try await OrgUnit.find(user.$unit.id, on: req.db), p.covers(unit) else {
        throw Abort(.notFound, reason: "账号不存在或不在您的权限范围内")
    }
    return (user, unit)
}
