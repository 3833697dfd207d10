import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

func user(_ app: Application, _ username: String) async throws -> User {
    let found = try await User.query(on: app.db).filter(\.$username == username).first()
    return try XCTUnwrap(found, "no account \(username)")
}

/// The throttle on its own, with a clock the test holds.
final class LoginThrottleCountTests: XCTestCase {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func testFailuresCountDownToAPauseOfTheWindowsLength() {
        let throttle = LoginThrottle()
        var left: [Int] = []
        for i in 0..<5 { left.append(throttle.fail(username: "clerk", address: "10.0.0.1", now: start.addingTimeInterval(Double(i)), threshold: 5, minutes: 15)) }
        XCTAssertEqual(left, [4, 3, 2, 1, 0])
        let until = throttle.pausedUntil(username: "clerk", address: "10.0.0.1", now: start.addingTimeInterval(5))
        XCTAssertEqual(until, start.addingTimeInterval(4 + 15 * 60), "paused for the window from the last failure")
        XCTAssertNil(throttle.pausedUntil(username: "clerk", address: "10.0.0.1", now: start.addingTimeInterval(4 + 15 * 60)),
                     "the pause ends at its end")
    }

    func testAPauseIsForThatAccountFromThatAddressOnly() {
        let throttle = LoginThrottle()
        for _ in 0..<5 { _ = throttle.fail(username: "Clerk", address: "10.0.0.1", now: start, threshold: 5, minutes: 15) }
        let cases: [(name: String, username: String, address: String, paused: Bool)] = [
            ("same account, same address", "clerk", "10.0.0.1", true),
            ("the name in another case", "CLERK", "10.0.0.1", true),
            ("same account from the owner's desk", "clerk", "10.0.0.2", false),
            ("another account from the same address", "leader", "10.0.0.1", false),
        ]
        for c in cases {
            XCTAssertEqual(throttle.pausedUntil(username: c.username, address: c.address, now: start.addingTimeInterval(1)) != nil, c.paused, c.name)
        }
    }

    func testAnAddressTryingManyAccountsIsPausedForAll() {
        let throttle = LoginThrottle()
        var last = 0
        for i in 0..<20 { last = throttle.fail(username: "user\(i)", address: "10.9.9.9", now: start, threshold: 5, minutes: 15) }
        XCTAssertEqual(last, 0, "four times the threshold from one address")
        XCTAssertNotNil(throttle.pausedUntil(username: "someone-else", address: "10.9.9.9", now: start))
        XCTAssertNil(throttle.pausedUntil(username: "someone-else", address: "10.9.9.8", now: start))
        // The owner's unlock clears account pauses, not the address's.
        throttle.clear(username: "someone-else")
        XCTAssertNotNil(throttle.pausedUntil(username: "someone-else", address: "10.9.9.9", now: start))
    }

    func testOldFailuresAreForgottenAndSuccessOrUnlockClearsTheCount() {
        let throttle = LoginThrottle()
        for _ in 0..<4 { _ = throttle.fail(username: "clerk", address: "a", now: start, threshold: 5, minutes: 15) }
        let afterWindow = throttle.fail(username: "clerk", address: "a", now: start.addingTimeInterval(15 * 60 + 1), threshold: 5, minutes: 15)
        XCTAssertEqual(afterWindow, 4, "failures older than the window no longer count")

        for _ in 0..<3 { _ = throttle.fail(username: "leader", address: "b", now: start, threshold: 5, minutes: 15) }
        throttle.succeed(username: "leader", address: "b")
        XCTAssertEqual(throttle.fail(username: "leader", address: "b", now: start, threshold: 5, minutes: 15), 4,
                       "a success starts the account's count again")

        for _ in 0..<5 { _ = throttle.fail(username: "jijian", address: "c", now: start, threshold: 5, minutes: 15) }
        for _ in 0..<5 { _ = throttle.fail(username: "jijian", address: "d", now: start, threshold: 5, minutes: 15) }
        throttle.clear(username: "JIJIAN")
        XCTAssertNil(throttle.pausedUntil(username: "jijian", address: "c", now: start))
        XCTAssertNil(throttle.pausedUntil(username: "jijian", address: "d", now: start))
    }
}

/// `NewUserInput`: what the system administrator's form and the CLI refuse when making an account.
final class NewUserInputTests: XCTestCase {
    func testEachBadAccountFieldIsNamed() async throws {
        try await withFixture { app, f in
            let valid = NewUserInput(username: "wang.wu", displayName: "王五", unitCode: "TA", adminRole: "")
            let cases: [(name: String, change: (inout NewUserInput) -> Void, roles: Set<Role>?, expected: [String])] = [
                ("no user name", { $0.username = " " }, nil, ["«用户名»：不能为空"]),
                ("two letters", { $0.username = "ab" }, nil, ["«用户名»：须为3到32位字母、数字、下划线、点或短横线"]),
                ("33 letters", { $0.username = String(repeating: "a", count: 33) }, nil, ["«用户名»：须为3到32位字母、数字、下划线、点或短横线"]),
                ("Chinese user name", { $0.username = "王五五" }, nil, ["«用户名»：须为3到32位字母、数字、下划线、点或短横线"]),
                ("space inside", { $0.username = "wang wu" }, nil, ["«用户名»：须为3到32位字母、数字、下划线、点或短横线"]),
                ("taken", { $0.username = "clerkA" }, nil, ["«用户名»：「clerkA」已存在"]),
                ("51-character name", { $0.displayName = String(repeating: "王", count: 51) }, nil, ["«姓名»：不能超过50个字"]),
                ("no unit", { $0.unitCode = "" }, nil, ["«所属单位»：不能为空"]),
                ("unit out of scope", { $0.unitCode = "TB" }, nil, ["«所属单位»：代码「TB」不存在或不在您的管理范围内"]),
                ("business role as account type", { $0.adminRole = "clerk" }, nil, ["«账号类型»：「clerk」不是可选的账号类型"]),
                ("unknown account type", { $0.adminRole = "root" }, nil, ["«账号类型»：「root」不是可选的账号类型"]),
                ("two administrator roles", { _ in }, [.sysadmin, .auditor], ["«角色»：系统管理员、审计管理员必须由不同账号担任（三员分立）"]),
                ("administrator with a business role", { _ in }, [.secadmin, .leader], ["«角色»：安全管理员账号不能同时担任业务角色（三员分立）"]),
            ]
            for c in cases {
                var input = valid
                c.change(&input)
                let errors = try await fieldErrors { _ = try await input.check(scope: f.townA.unitPath, roles: c.roles, on: app.db) }
                XCTAssertEqual(errors, c.expected, c.name)
            }
            // Without a scope (the command line) any unit will do; an empty name becomes the user name.
            var cli = valid
            cli.unitCode = "TB-V1"
            cli.displayName = ""
            cli.adminRole = "auditor"
            let checked = try await cli.check(scope: nil, on: app.db)
            XCTAssertEqual(checked.unit.id, f.villageB.id)
            XCTAssertEqual(checked.displayName, "wang.wu")
            XCTAssertEqual(checked.roles, [.auditor])
        }
    }
}

/// The system and security administrators' account pages, over a real socket.
final class AccountAdminTests: XCTestCase {
    func testCreatingAnAccountShowsItsPasswordOnceAndAuditsIt() async throws {
        try await withRunningFixture { app, _, port, _ in
            let sys = SocketBrowser(port: port)
            try await sys.login("sys")
            try await sys.get("/admin/users/new")
            let refused = try await sys.post("/admin/users", [("username", "x"), ("unitCode", "NOPE")])
            XCTAssertEqual(refused.status, 422)
            XCTAssertEqual(formErrors(in: refused.text),
                           ["«用户名»：须为3到32位字母、数字、下划线、点或短横线", "«所属单位»：代码「NOPE」不存在或不在您的管理范围内"])
            let none = try await User.query(on: app.db).filter(\.$username == "x").count()
            XCTAssertEqual(none, 0)

            let created = try await sys.post("/admin/users", [("username", "zhao.liu"), ("displayName", "赵六"), ("unitCode", "TA"), ("adminRole", "")])
            XCTAssertEqual(created.status, 200)
            let account = try await user(app, "zhao.liu")
            XCTAssertTrue(account.mustChangePassword)
            XCTAssertEqual(account.roles, [], "business roles come from the security administrator")
            let password = try XCTUnwrap(created.text.slice(after: "<code class=\"token\">", before: "</code>"))
            XCTAssertTrue(try Bcrypt.verify(password, created: account.passwordHash), "the password shown is the one stored")
            let audit = try await AuditEntry.query(on: app.db).filter(\.$objectType == "user").filter(\.$objectID == String(account.id!)).all()
            XCTAssertEqual(audit.map(\.action), ["create"])
            XCTAssertFalse((audit.first?.after ?? "").contains(password), "the password is not in the audit trail")
            let again = try await sys.get("/admin/users/\(account.id!)")
            XCTAssertFalse(again.text.contains(password), "shown once only")
        }
    }

    func testTheAccountListSearchesNamesAndShowsEachAccountsState() async throws {
        try await withFixture { app, f in
            let disabled = try await user(app, "reviewerB")
            disabled.disabled = true
            try await disabled.update(on: app.db)
            let hash = try Bcrypt.hash(Fixture.password, cost: 4)
            try await User.make(.init(username: "newcomer", displayName: "新同事", unit: f.townA, roles: []),
                                passwordHash: hash, mustChange: true, now: Date()).create(on: app.db)
            let sys = try await Browser.signedIn(app, "sys")
            let cases: [(query: String, rows: [String])] = [
                ("clerk", ["clerk|经办人|正常", "clerk2|经办人、审核人|正常", "clerkA|经办人|正常", "clerkB|经办人|正常"]),
                ("reviewer", ["reviewer|审核人|正常", "reviewerB|审核人|已停用"]),
                ("%E6%96%B0%E5%90%8C", ["newcomer|（未分配）|待改密码"]),
                ("%25", []),
                ("nobody", []),
            ]
            for c in cases {
                let page = try await sys.get("/admin/users?q=" + c.query)
                XCTAssertEqual(page.status, .ok, c.query)
                XCTAssertEqual(accountRows(page.body.string), c.rows, c.query)
            }
        }
    }

    /// "username|roles|state" of each row of the account list.
    func accountRows(_ page: String) -> [String] {
        guard let body = page.slice(after: "<tbody>", before: "</tbody>") else { return [] }
        return body.components(separatedBy: "<tr>").dropFirst().compactMap { row -> String? in
            let cells = row.components(separatedBy: "<td>").dropFirst().map { String($0.prefix { $0 != "<" }) }
            guard cells.count >= 5, let name = row.slice(after: "\">", before: "</a>") else { return nil }
            return "\(name)|\(cells[3])|\(cells[4])"
        }
    }

    func testTheAccountFormRefusesBadValuesAndChangesNothing() async throws {
        try await withRunningFixture { app, _, port, _ in
            let sys = SocketBrowser(port: port)
            try await sys.login("sys")
            let clerk = try await user(app, "clerkA")
            let me = try await user(app, "sys")
            let cases: [(name: String, id: Int, form: [(String, String)], expected: [String])] = [
                ("empty name", clerk.id!, [("displayName", " "), ("unitCode", "TA")], ["«姓名»：不能为空"]),
                ("51-character name", clerk.id!, [("displayName", String(repeating: "名", count: 51)), ("unitCode", "TA")], ["«姓名»：不能超过50个字"]),
                ("unknown unit", clerk.id!, [("displayName", "clerkA"), ("unitCode", "NOPE")], ["«所属单位»：代码「NOPE」不存在或不在您的管理范围内"]),
                ("disabling oneself", me.id!, [("displayName", "sys"), ("unitCode", "DIST"), ("disabled", "on")], ["«停用»：不能停用自己的账号"]),
            ]
            for c in cases {
                try await sys.get("/admin/users/\(c.id)")
                let res = try await sys.post("/admin/users/\(c.id)", c.form)
                XCTAssertEqual(res.status, 422, c.name)
                XCTAssertEqual(formErrors(in: res.text), c.expected, c.name)
            }
            let after = try await user(app, "clerkA")
            XCTAssertEqual(after.displayName, "clerkA")
            XCTAssertEqual(after.$unit.id, clerk.$unit.id)
            let stillActive = try await user(app, "sys")
            XCTAssertFalse(stillActive.disabled)
            let changes = try await AuditEntry.query(on: app.db).filter(\.$action == "update").count()
            XCTAssertEqual(changes, 0)
        }
    }

    func testDisablingABusinessAccountEndsItsSessionsAtOnce() async throws {
        try await withRunningFixture { app, f, port, _ in
            let clerk = SocketBrowser(port: port)
            try await clerk.login("clerkA")
            let inside = try await clerk.get("/people")
            XCTAssertEqual(inside.status, 200)
            let sys = SocketBrowser(port: port)
            try await sys.login("sys")
            let account = try await user(app, "clerkA")
            try await sys.get("/admin/users/\(account.id!)")
            let res = try await sys.post("/admin/users/\(account.id!)", [("displayName", "甲镇经办人"), ("unitCode", "TA-V1"), ("disabled", "on")])
            XCTAssertEqual(res.status, 303)
            let stored = try await user(app, "clerkA")
            XCTAssertTrue(stored.disabled)
            XCTAssertEqual(stored.displayName, "甲镇经办人")
            XCTAssertEqual(stored.$unit.id, f.villageA.id)
            let sessions = try await UserSession.query(on: app.db).filter(\.$user.$id == account.id!).count()
            XCTAssertEqual(sessions, 0)
            let out = try await clerk.get("/people")
            XCTAssertEqual(out.status, 303, "the disabled clerk's browser is sent to sign in")
            XCTAssertTrue(out.location.hasPrefix("/login"), out.location)
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "update").first()
            XCTAssertEqual(entry?.summary, "修改账号「clerkA」")
            XCTAssertTrue(entry?.before?.contains("\"disabled\":false") == true, entry?.before ?? "")
            XCTAssertTrue(entry?.after?.contains("\"disabled\":true") == true, entry?.after ?? "")
        }
    }

    func testSettingsAreCheckedBeforeTheyAreSavedAndAudited() async throws {
        try await withRunningFixture { app, _, port, _ in
            let sys = SocketBrowser(port: port)
            try await sys.login("sys")
            let cases: [(name: String, districtName: String, concurrency: String, expected: [String])] = [
                ("no number", "测试区", "", ["«同时进行的导入数»：应为1到8之间的整数（收到「」）"]),
                ("zero", "测试区", "0", ["«同时进行的导入数»：应为1到8之间的整数（收到「0」）"]),
                ("nine", "测试区", "9", ["«同时进行的导入数»：应为1到8之间的整数（收到「9」）"]),
                ("words", "测试区", "两个", ["«同时进行的导入数»：应为1到8之间的整数（收到「两个」）"]),
                ("41-character name", String(repeating: "区", count: 41), "2",
                 ["«单位全称»：不能超过40个字"]),
            ]
            let before = app.lvze.settings.int(ImportJobs.concurrencyKey)
            for c in cases {
                try await sys.get("/admin/settings")
                let res = try await sys.post("/admin/settings", [("districtName", c.districtName), ("importConcurrency", c.concurrency)])
                XCTAssertEqual(res.status, 422, c.name)
                XCTAssertEqual(formErrors(in: res.text), c.expected, c.name)
                XCTAssertEqual(app.lvze.settings.int(ImportJobs.concurrencyKey), before, c.name)
            }
            try await sys.get("/admin/settings")
            let saved = try await sys.post("/admin/settings", [("districtName", "中共示范区委员会"), ("importConcurrency", "３")])
            XCTAssertEqual(saved.status, 303)
            XCTAssertEqual(app.lvze.settings.int(ImportJobs.concurrencyKey), 3, "full-width digits are read")
            XCTAssertEqual(app.lvze.settings.string("site.district_name"), "中共示范区委员会")
            let audit = try await AuditEntry.query(on: app.db).filter(\.$action == "settings_changed").all()
            XCTAssertEqual(audit.count, 1)
            XCTAssertTrue(audit.first?.after?.contains("中共示范区委员会") == true)
        }
    }

    func testRolesAreRefusedForEveryReasonTheSecurityAdministratorMeets() async throws {
        try await withRunningFixture { app, _, port, _ in
            let sec = SocketBrowser(port: port)
            try await sec.login("sec")
            let clerk = try await user(app, "clerkA")
            let auditor = try await user(app, "aud")
            let me = try await user(app, "sec")
            let cases: [(name: String, id: Int, roles: [String], expected: [String])] = [
                ("unknown role", clerk.id!, ["boss"], ["«角色»：「boss」不是可选角色"]),
                ("administrator role", clerk.id!, ["auditor"], ["«角色»：审计管理员只能由系统管理员在新建账号时指定"]),
                ("administrator with a business role", clerk.id!, ["sysadmin", "clerk"],
                 ["«角色»：系统管理员只能由系统管理员在新建账号时指定", "«角色»：系统管理员账号不能同时担任业务角色（三员分立）"]),
                ("business role for an administrator", auditor.id!, ["leader"], ["«角色»：管理员账号不能分配业务角色（三员分立）"]),
                ("own roles", me.id!, [], ["«角色»：管理员账号不能分配业务角色（三员分立）", "«角色»：不能修改自己的角色"]),
            ]
            for c in cases {
                try await sec.get("/security/users/\(c.id)")
                let res = try await sec.post("/security/users/\(c.id)/roles", c.roles.map { ("roles[]", $0) })
                XCTAssertEqual(res.status, 422, c.name)
                XCTAssertEqual(formErrors(in: res.text), c.expected, c.name)
            }
            let unchanged = try await user(app, "clerkA")
            XCTAssertEqual(unchanged.roles, [.clerk])
            let noChange = try await AuditEntry.query(on: app.db).filter(\.$action == "roles_changed").count()
            XCTAssertEqual(noChange, 0)

            try await sec.get("/security/users/\(clerk.id!)")
            let granted = try await sec.post("/security/users/\(clerk.id!)/roles", [("roles[]", "clerk"), ("roles[]", "reviewer")])
            XCTAssertEqual(granted.status, 303)
            let changed = try await user(app, "clerkA")
            XCTAssertEqual(changed.roles, [.clerk, .reviewer])
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "roles_changed").first()
            XCTAssertEqual(entry?.summary, "「clerkA」的角色改为经办人、审核人")
            XCTAssertEqual(entry?.before, "[\"clerk\"]")
        }
    }

    func testThePolicyIsCheckedFieldByField() async throws {
        try await withRunningFixture { app, _, port, _ in
            let sec = SocketBrowser(port: port)
            try await sec.login("sec")
            let good: [String: String] = ["minLength": "12", "requiredClasses": "3", "expiryDays": "90", "lockoutThreshold": "5",
                                          "lockoutMinutes": "15", "idleMinutes": "30"]
            let cases: [(field: String, value: String, expected: String)] = [
                ("minLength", "十二", "«密码最小长度»：须为整数"),
                ("minLength", "7", "«密码最小长度»：须在8到64之间"),
                ("minLength", "65", "«密码最小长度»：须在8到64之间"),
                ("requiredClasses", "5", "«字符类别数»：须在1到4之间"),
                ("expiryDays", "366", "«密码有效期»：须在0到365天之间（0表示不过期）"),
                ("expiryDays", "-1", "«密码有效期»：须在0到365天之间（0表示不过期）"),
                ("lockoutThreshold", "2", "«锁定阈值»：须在3到10次之间"),
                ("lockoutThreshold", "", "«锁定阈值»：须为整数"),
                ("lockoutMinutes", "1441", "«锁定时长»：须在1到1440分钟之间"),
                ("idleMinutes", "4", "«空闲超时»：须在5到120分钟之间"),
                ("idleMinutes", "1.5", "«空闲超时»：须为整数"),
            ]
            for c in cases {
                var form = good
                form[c.field] = c.value
                try await sec.get("/security/policy")
                let res = try await sec.post("/security/policy", form.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
                XCTAssertEqual(res.status, 422, "\(c.field)=\(c.value)")
                XCTAssertEqual(formErrors(in: res.text), [c.expected], "\(c.field)=\(c.value)")
            }
            XCTAssertEqual(app.lvze.settings.passwordPolicy.minLength, 12)
            let noChange = try await AuditEntry.query(on: app.db).filter(\.$action == "policy_changed").count()
            XCTAssertEqual(noChange, 0)
            var stricter = good
            stricter["minLength"] = "１６"
            stricter["idleMinutes"] = "10"
            try await sec.get("/security/policy")
            let saved = try await sec.post("/security/policy", stricter.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
            XCTAssertEqual(saved.status, 303)
            XCTAssertEqual(app.lvze.settings.passwordPolicy.minLength, 16)
            XCTAssertEqual(app.lvze.settings.passwordPolicy.idleMinutes, 10)
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "policy_changed").first()
            XCTAssertTrue(entry?.before?.contains("\"security.password.min_length\":\"12\"") == true, entry?.before ?? "")
            XCTAssertTrue(entry?.after?.contains("\"security.password.min_length\":\"16\"") == true, entry?.after ?? "")
        }
    }

    func testChangingOnesPasswordNamesEveryProblemAndEndsOtherSessions() async throws {
        try await withRunningFixture { app, _, port, _ in
            let here = SocketBrowser(port: port)
            try await here.login("clerkA")
            let elsewhere = SocketBrowser(port: port)
            try await elsewhere.login("clerkA")
            let cases: [(name: String, current: String, new: String, confirm: String, expected: [String])] = [
                ("no current password", "", "Another-Passw0rd!", "Another-Passw0rd!", ["«当前密码»：不能为空"]),
                ("wrong current password", "wrong", "Another-Passw0rd!", "Another-Passw0rd!", ["«当前密码»：不正确"]),
                ("too short", Fixture.password, "Aa1!", "Aa1!", ["«新密码»：密码至少需要12位"]),
                ("too few kinds of character", Fixture.password, "abcdefghijklmn", "abcdefghijklmn",
                 ["«新密码»：密码须包含大写字母、小写字母、数字、符号中的至少3类"]),
                ("holds the user name", Fixture.password, "My-ClerkA-Passw0rd", "My-ClerkA-Passw0rd", ["«新密码»：密码不能包含用户名"]),
                ("same as now", Fixture.password, Fixture.password, Fixture.password, ["«新密码»：不能与当前密码相同"]),
                ("confirmation differs", Fixture.password, "Another-Passw0rd!", "Another-Passw0rd?", ["«确认新密码»：与新密码不一致"]),
            ]
            let hash = try await user(app, "clerkA").passwordHash
            for c in cases {
                try await here.get("/password")
                let res = try await here.post("/password", [("current", c.current), ("new", c.new), ("confirm", c.confirm)])
                XCTAssertEqual(res.status, 422, c.name)
                XCTAssertEqual(formErrors(in: res.text), c.expected, c.name)
            }
            let unchanged = try await user(app, "clerkA").passwordHash
            XCTAssertEqual(unchanged, hash)

            try await here.get("/password")
            let changed = try await here.post("/password", [("current", Fixture.password), ("new", "Another-Passw0rd!"), ("confirm", "Another-Passw0rd!")])
            XCTAssertEqual(changed.status, 303)
            let stillIn = try await here.get("/people")
            XCTAssertEqual(stillIn.status, 200, "the session that changed it stays")
            let out = try await elsewhere.get("/people")
            XCTAssertEqual(out.status, 303, "every other session ends")
            let actions = try await auditActions(app)
            XCTAssertEqual(actions.filter { $0 == "password_changed" }.count, 1)
            let fresh = SocketBrowser(port: port)
            let login = try await fresh.login("clerkA", "Another-Passw0rd!")
            XCTAssertEqual(login.status, 303)
        }
    }
}

/// Two-person changes of protected accounts: what the security administrator may not approve,
/// and what a refusal or a newer request leaves behind.
final class AccountRequestTests: XCTestCase {
    func testARequestIsDecidedOnceAndNeverByItsSubject() async throws {
        try await withRunningFixture { app, _, port, _ in
            let sys = SocketBrowser(port: port)
            try await sys.login("sys")
            let jijian = try await user(app, "jijian")
            let secUser = try await user(app, "sec")
            // Two requests to disable 纪检 make one; a request about the security administrator's own account.
            for _ in 0..<2 {
                try await sys.get("/admin/users/\(jijian.id!)")
                let res = try await sys.post("/admin/users/\(jijian.id!)", [("displayName", "jijian"), ("unitCode", "DIST"), ("disabled", "on")])
                XCTAssertEqual(res.status, 303)
            }
            let disables = try await AccountRequest.query(on: app.db).filter(\.$userID == jijian.id!).all()
            XCTAssertEqual(disables.map(\.action), ["disable"], "a second identical request is not filed")
            try await sys.get("/admin/users/\(secUser.id!)")
            _ = try await sys.post("/admin/users/\(secUser.id!)/reset", [])
            let ownRequest = try await AccountRequest.query(on: app.db).filter(\.$userID == secUser.id!).first()
            let own = try XCTUnwrap(ownRequest)

            let sec = SocketBrowser(port: port)
            try await sec.login("sec")
            try await sec.get("/security/users/\(jijian.id!)")
            let mine = try await sec.post("/security/requests/\(own.id!)/approve", [])
            XCTAssertEqual(mine.status, 403)
            XCTAssertTrue(mine.text.contains("不能审批关于本人账号的申请"), mine.text)
            let secAfter = try await user(app, "sec")
            XCTAssertEqual(secAfter.passwordHash, secUser.passwordHash)

            let refused = try await sec.post("/security/requests/\(disables[0].id!)/refuse", [])
            XCTAssertEqual(refused.status, 303)
            XCTAssertEqual(refused.location, "/security/users/\(jijian.id!)")
            let decided = try await AccountRequest.find(disables[0].id, on: app.db)
            XCTAssertEqual(decided?.status, "refused")
            XCTAssertEqual(decided?.decidedBy, secUser.id)
            let active = try await user(app, "jijian")
            XCTAssertFalse(active.disabled)
            try await sec.get("/security/users/\(jijian.id!)")
            let twice = try await sec.post("/security/requests/\(disables[0].id!)/approve", [])
            XCTAssertEqual(twice.status, 409)
            XCTAssertTrue(twice.text.contains("该申请已处理过"), twice.text)
            let stillActive = try await user(app, "jijian")
            XCTAssertFalse(stillActive.disabled)
            let missing = try await sec.post("/security/requests/999999/approve", [])
            XCTAssertEqual(missing.status, 404)
            XCTAssertTrue(missing.text.contains("申请不存在"))
            let summaries = try await AuditEntry.query(on: app.db).filter(\.$action == "update").sort(\.$seq).all().map(\.summary)
            XCTAssertEqual(summaries, ["申请停用账号：账号「jijian」，待安全管理员审批", "申请重置密码：账号「sec」，待安全管理员审批",
                                       "拒绝停用账号：账号「jijian」"])
        }
    }

    func testANewerResetReplacesTheOlderAndAMoveIsApprovedIntoItsUnit() async throws {
        try await withRunningFixture { app, f, port, _ in
            let sys = SocketBrowser(port: port)
            try await sys.login("sys")
            let jijian = try await user(app, "jijian")
            for _ in 0..<2 {
                try await sys.get("/admin/users/\(jijian.id!)")
                _ = try await sys.post("/admin/users/\(jijian.id!)/reset", [])
            }
            let resets = try await AccountRequest.query(on: app.db).filter(\.$userID == jijian.id!).sort(\.$id).all()
            XCTAssertEqual(resets.map(\.status), ["refused", "pending"], "only the latest reset waits")
            XCTAssertNil(resets[0].part, "the older half is erased")
            XCTAssertNotNil(resets[1].part)

            // The owner signed in keeps working until the move is approved, then is signed out.
            let owner = SocketBrowser(port: port)
            try await owner.login("jijian")
            try await sys.get("/admin/users/\(jijian.id!)")
            let move = try await sys.post("/admin/users/\(jijian.id!)", [("displayName", "纪检员"), ("unitCode", "TA")])
            XCTAssertEqual(move.status, 303)
            let renamed = try await user(app, "jijian")
            XCTAssertEqual(renamed.displayName, "纪检员", "the name changes at once")
            XCTAssertEqual(renamed.$unit.id, f.dist.id, "the move waits for approval")
            let moveRequest = try await AccountRequest.query(on: app.db).filter(\.$action == "move").first()
            let request = try XCTUnwrap(moveRequest)
            XCTAssertEqual(request.unitID, f.townA.id)

            let sec = SocketBrowser(port: port)
            try await sec.login("sec")
            try await sec.get("/security/users/\(jijian.id!)")
            let approved = try await sec.post("/security/requests/\(request.id!)/approve", [])
            XCTAssertEqual(approved.status, 200)
            XCTAssertTrue(approved.text.contains("已批准调整所属单位：账号「jijian」"), approved.text)
            let moved = try await user(app, "jijian")
            XCTAssertEqual(moved.$unit.id, f.townA.id)
            let out = try await owner.get("/people")
            XCTAssertEqual(out.status, 303, "the moved account's sessions end")
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "update").sort(\.$seq, .descending).first()
            let requester = try await user(app, "sys")
            XCTAssertEqual(entry?.summary, "批准调整所属单位：账号「jijian」（申请人#\(requester.id!)），调至「甲镇」")
        }
    }
}
