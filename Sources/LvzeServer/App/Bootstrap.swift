import Fluent
import LvzeCore
import Vapor

/// First start: an empty database gets a root unit and the `admin` account (系统管理员).
enum Bootstrap {
    struct AdminCreated {
        var password: String
        var generated: Bool
    }

    /// Returns the admin's password when this call created the account: on a database with
    /// no system administrator yet (an empty one, or one just filled with the demo district).
    static func ensureAdmin(_ app: Application) async throws -> AdminCreated? {
        let db = app.db
        guard try await User.query(on: db).filter(\.$rolesText == Role.sysadmin.rawValue).count() == 0,
              try await User.query(on: db).filter(\.$username == "admin").count() == 0 else { return nil }
        let root: OrgUnit
        if let existing = try await OrgUnit.query(on: db).filter(\.$parent.$id == nil).sort(\.$id).first() {
            root = existing
        } else {
            let checked = UnitInput.Checked(code: "ROOT", name: "区委", kind: .district, parent: nil, foundedOn: nil,
                                            dissolvedOn: nil, sortOrder: 0, note: "首次启动时创建，请在“系统管理”中改为本区名称")
            root = try await OrgUnit.create(checked, on: db)
        }
        let configured = app.lvze.configuration.adminPassword
        let password: String
        if let configured, !configured.isEmpty {
            let problems = PasswordPolicy.standard.problems(password: configured, username: "admin")
            guard problems.isEmpty else {
                throw StartupError("环境变量 LVZE_ADMIN_PASSWORD 不符合密码策略：\(problems.joined(separator: "；"))")
            }
            password = configured
        } else {
            password = Secrets.password()
        }
        let cost = app.lvze.configuration.bcryptCost
        let hash = try await app.threadPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
        let user = User.make(.init(username: "admin", displayName: "系统管理员", unit: root, roles: [.sysadmin]),
                             passwordHash: hash, mustChange: configured == nil || configured!.isEmpty, now: app.lvze.clock.now())
        try await db.transaction { tx in
            try await user.create(on: tx)
            try await app.lvze.audit.append(.create, actor: .system(), objectType: "user", objectID: String(user.id!),
                                            summary: "首次启动，创建系统管理员账号 admin", after: user.snapshot,
                                            at: app.lvze.clock.now(), on: tx)
        }
        return AdminCreated(password: password, generated: configured == nil || configured!.isEmpty)
    }
}
