import Fluent
import LvzeCore
import Vapor

/// Creating an account, from the system administrator's page or the CLI.
package struct NewUserInput: Content {
    package var username: String?
    package var displayName: String?
    package var unitCode: String?
    /// The administrator role for an administrator account; empty for a business account,
    /// whose roles the security administrator grants.
    package var adminRole: String?

    package struct Checked {
        package init(username: String, displayName: String, unit: OrgUnit, roles: Set<Role>) {
            self.username = username
            self.displayName = displayName
            self.unit = unit
            self.roles = roles
        }

        package var username: String
        package var displayName: String
        package var unit: OrgUnit
        package var roles: Set<Role>
    }

    package func check(scope: UnitPath?, roles explicit: Set<Role>? = nil, on db: any Database) async throws -> Checked {
        var errors: [FieldError] = []
        let username = (username ?? "").trimmingCharacters(in: .whitespaces)
        if username.isEmpty { errors.append(.init("username", "用户名", "不能为空")) }
        else if username.count < 3 || username.count > 32
                    || !username.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }) {
            errors.append(.init("username", "用户名", "须为3到32位字母、数字、下划线、点或短横线"))
        } else if try await User.query(on: db).filter(\.$username == username).count() > 0 {
            errors.append(.init("username", "用户名", "「\(username)」已存在"))
        }
        var displayName = (displayName ?? "").trimmingCharacters(in: .whitespaces)
        if displayName.isEmpty { displayName = username }
        if displayName.count > 50 { errors.append(.init("displayName", "姓名", "不能超过50个字")) }
        let code = (unitCode ?? "").trimmingCharacters(in: .whitespaces)
        var unit: OrgUnit?
        if code.isEmpty { errors.append(.init("unitCode", "所属单位", "不能为空")) }
        else if let u = try await OrgUnit.query(on: db).filter(\.$code == code).first(), scope.map({ $0.contains(u.unitPath) }) ?? true {
            unit = u
        } else { errors.append(.init("unitCode", "所属单位", "代码「\(code)」不存在或不在您的管理范围内")) }
        var roles: Set<Role> = explicit ?? []
        if explicit == nil, let raw = adminRole?.trimmingCharacters(in: .whitespaces), !raw.isEmpty {
            if let role = Role(rawValue: raw), role.isAdministrator { roles = [role] }
            else { errors.append(.init("adminRole", "账号类型", "「\(raw)」不是可选的账号类型")) }
        }
        if let problem = Role.separationProblem(roles) { errors.append(.init("roles", "角色", problem)) }
        if !errors.isEmpty { throw ValidationFailure(errors) }
        return Checked(username: username, displayName: displayName, unit: unit!, roles: roles)
    }
}

extension User {
    package struct Snapshot: Encodable {
        package var username, displayName: String
        package var unitID: Int
        package var roles: [String]
        package var disabled: Bool
    }

    package var snapshot: Snapshot {
        Snapshot(username: username, displayName: displayName, unitID: $unit.id,
                 roles: roles.sorted().map(\.rawValue), disabled: disabled)
    }

    /// Makes an account. `mustChange` holds the user on the password page at first login.
    package static func make(_ c: NewUserInput.Checked, passwordHash: String, mustChange: Bool, now: Date) -> User {
        let user = User()
        user.username = c.username
        user.displayName = c.displayName
        user.$unit.id = c.unit.id!
        user.roles = c.roles
        user.passwordHash = passwordHash
        user.passwordChangedAt = now
        user.mustChangePassword = mustChange
        user.failedCount = 0
        user.disabled = false
        return user
    }
}
