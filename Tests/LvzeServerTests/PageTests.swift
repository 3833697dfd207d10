import Fluent
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// Every page renders for the role that uses it, in Chinese, with the navigation.
final class PageTests: XCTestCase {
    func testBusinessPagesRender() async throws {
        try await withFixture { app, f in
            let browser = try await Browser.signedIn(app, "clerk")
            let pages: [(String, String)] = [
                ("/", "<h2>待办</h2>"), ("/units", "组织架构"), ("/units?q=甲", "甲一村"), ("/units/\(f.townA.id!)", "下级单位"),
                ("/units/new", "新增单位"), ("/units/\(f.townA.id!)/edit", "编辑单位"), ("/units/\(f.townA.id!)/move", "移动"),
                ("/people", "张甲"), ("/people/new", "新增人员"), ("/people/\(f.personA.id!)", "任职经历"),
                ("/people/\(f.personA.id!)/edit", "编辑人员"), ("/incumbents", "在任查询"),
                ("/systems/party", "基层党建"), ("/systems/integrity", "党风廉政建设"), ("/systems/ideology", "意识形态"),
                ("/systems/safety", "安全生产"), ("/supervision", "整改督办"), ("/reports", "述职报告"),
                ("/tokens", "接口令牌"), ("/password", "修改密码"),
            ]
            for (path, text) in pages {
                let res = try await browser.get(path)
                XCTAssertEqual(res.status, .ok, path)
                XCTAssertTrue(res.body.string.contains(text), "\(path) should contain \(text)")
                XCTAssertTrue(res.body.string.contains("整改督办"), "\(path) has the navigation")
            }
            let value1 = try await browser.get("/systems/unknown").status
            XCTAssertEqual(value1, .notFound)
        }
    }

    func testAdministratorPagesRender() async throws {
        try await withFixture { app, _ in
            let clerk = try await User.query(on: app.db).filter(\.$username == "clerk").first()!
            let checks: [(String, [(String, String)])] = [
                ("sys", [("/admin", "账号管理"), ("/admin/users", "clerkA"), ("/admin/users/new", "账号类型"),
                         ("/admin/users/\(clerk.id!)", "重置密码"), ("/admin/settings", "单位全称")]),
                ("sec", [("/security/users", "角色与权限"), ("/security/users/\(clerk.id!)", "业务角色"), ("/security/policy", "空闲超时")]),
                ("aud", [("/audit", "审计日志")]),
            ]
            for (user, pages) in checks {
                let browser = Browser(app)
                try await browser.login(user)
                for (path, text) in pages {
                    let res = try await browser.get(path)
                    XCTAssertEqual(res.status, .ok, "\(user) \(path)")
                    XCTAssertTrue(res.body.string.contains(text), "\(user) \(path) should contain \(text)")
                    XCTAssertFalse(res.body.string.contains("href=\"/systems/party\""), "administrators do not see the business navigation")
                }
            }
        }
    }

    func testPolicyChangesApply() async throws {
        try await withFixture { app, _ in
            let sec = try await Browser.signedIn(app, "sec")
            try await sec.get("/security/policy")
            let form = ["minLength": "6", "requiredClasses": "3", "expiryDays": "90", "lockoutThreshold": "5",
                        "lockoutMinutes": "15", "idleMinutes": "abc"]
            let bad = try await sec.post("/security/policy", form)
            XCTAssertEqual(bad.status, .unprocessableEntity)
            XCTAssertTrue(bad.body.string.contains("«空闲超时»：须为整数"))
            var good = form
            good["idleMinutes"] = "10"
            good["minLength"] = "14"
            let bad2 = try await sec.post("/security/policy", ["minLength": "6", "requiredClasses": "3", "expiryDays": "90",
                                                              "lockoutThreshold": "5", "lockoutMinutes": "15", "idleMinutes": "10"])
            XCTAssertTrue(bad2.body.string.contains("«密码最小长度»：须在8到64之间"))
            let value2 = try await sec.post("/security/policy", good).status
            XCTAssertEqual(value2, .seeOther)
            XCTAssertEqual(app.lvze.settings.passwordPolicy.idleMinutes, 10)
            let leader = try await Browser.signedIn(app, "leader")
            app.lvze.clock.advance(by: 11 * 60)
            let value3 = try await leader.get("/").status
            XCTAssertEqual(value3, .seeOther)
            let value4 = try await auditActions(app).contains("policy_changed")
            XCTAssertTrue(value4)
        }
    }
}
