import Fluent
@testable import LvzeServer
import XCTest
import XCTVapor

final class AuthTests: XCTestCase {
    func testLoginStartsSessionAndShowsHome() async throws {
        try await withFixture { app, _ in
            // setup
            let browser = Browser(app)
            // act
            let res = try await browser.login("clerk")
            // check
            XCTAssertEqual(res.status, .seeOther)
            XCTAssertEqual(res.location, "/")
            let setCookie = res.headers[.setCookie].first { $0.hasPrefix("lvze_session=") } ?? ""
            XCTAssertTrue(setCookie.contains("HttpOnly"), setCookie)
            XCTAssertTrue(setCookie.contains("SameSite=Lax"), setCookie)
            let home = try await browser.get("/")
            XCTAssertEqual(home.status, .ok)
            XCTAssertTrue(home.body.string.contains("clerk，您好"))
            let value1 = try await auditActions(app).contains("login")
            XCTAssertTrue(value1)
        }
    }

    func testWrongPasswordIsRefusedAndAudited() async throws {
        try await withFixture { app, _ in
            let browser = Browser(app)
            let res = try await browser.login("clerk", "wrong-password")
            XCTAssertEqual(res.status, .unauthorized)
            XCTAssertTrue(res.body.string.contains("用户名或密码错误（再失败4次将暂停从本机登录15分钟）"), res.body.string)
            let unknown = try await browser.login("nobody", "whatever")
            XCTAssertTrue(unknown.body.string.contains("用户名或密码错误"))
            let entries = try await AuditEntry.query(on: app.db).filter(\.$action == "login_failed").all()
            XCTAssertEqual(entries.map(\.username).sorted(), ["clerk", "nobody"])
        }
    }

    func testLockoutAfterFiveFailuresForFifteenMinutes() async throws {
        try await withFixture { app, _ in
            let browser = Browser(app)
            for _ in 1...4 { _ = try await browser.login("clerk", "bad") }
            let fifth = try await browser.login("clerk", "bad")
            XCTAssertEqual(fifth.status, .forbidden)
            XCTAssertTrue(fifth.body.string.contains("已暂停从本机登录15分钟"), fifth.body.string)
            // The right password does not open a locked account.
            let locked = try await browser.login("clerk")
            XCTAssertEqual(locked.status, .forbidden)
            XCTAssertTrue(locked.body.string.contains("已暂停从本机登录"))
            // Nor does the API, which shares the lockout.
            let api = try await send(app, .POST, "/api/v1/login", json: ["username": "clerk", "password": Fixture.password])
            XCTAssertEqual(api.status, .forbidden)
            XCTAssertTrue(api.body.string.contains("已暂停从本机登录"))
            app.lvze.clock.advance(by: 14 * 60)
            let value2 = try await browser.login("clerk").status
            XCTAssertEqual(value2, .forbidden)
            app.lvze.clock.advance(by: 2 * 60)
            let value3 = try await browser.login("clerk").status
            XCTAssertEqual(value3, .seeOther)
            let actions = try await auditActions(app)
            XCTAssertEqual(actions.filter { $0 == "account_locked" }.count, 1)
            XCTAssertTrue(actions.contains("login_locked"))
        }
    }

    func testSecurityAdministratorUnlocks() async throws {
        try await withFixture { app, _ in
            let attacker = Browser(app)
            for _ in 1...5 { _ = try await attacker.login("clerkA", "bad") }
            let user = try await User.query(on: app.db).filter(\.$username == "clerkA").first()!
            XCTAssertNotNil(user.lockedUntil)
            let sec = try await Browser.signedIn(app, "sec")
            let home = try await sec.get("/")
            XCTAssertTrue(home.body.string.contains("账号「clerkA」连续登录失败"))
            try await sec.get("/security/users/\(user.id!)")
            let res = try await sec.post("/security/users/\(user.id!)/unlock", [:])
            XCTAssertEqual(res.status, .seeOther)
            let value4 = try await Browser(app).login("clerkA").status
            XCTAssertEqual(value4, .seeOther)
        }
    }

    func testIdleSessionExpiresAfterThirtyMinutes() async throws {
        try await withFixture { app, _ in
            let browser = try await Browser.signedIn(app, "leader")
            // Activity within the limit keeps the session alive.
            app.lvze.clock.advance(by: 20 * 60)
            let value5 = try await browser.get("/").status
            XCTAssertEqual(value5, .ok)
            app.lvze.clock.advance(by: 20 * 60)
            let value6 = try await browser.get("/").status
            XCTAssertEqual(value6, .ok)
            // Thirty-one idle minutes end it.
            app.lvze.clock.advance(by: 31 * 60)
            let res = try await browser.get("/units")
            XCTAssertEqual(res.status, .seeOther)
            XCTAssertTrue(res.location.hasPrefix("/login"), res.location)
            XCTAssertTrue(res.location.contains("expired=1"), res.location)
            let page = try await browser.get(res.location)
            XCTAssertTrue(page.body.string.contains("已自动退出"))
            let value7 = try await UserSession.query(on: app.db).count()
            XCTAssertEqual(value7, 0)
            let value8 = try await auditActions(app).contains("session_expired")
            XCTAssertTrue(value8)
        }
    }

    func testLoginIssuesNewSessionID() async throws {
        try await withFixture { app, _ in
            let browser = try await Browser.signedIn(app, "leader")
            let first = browser.cookies["lvze_session"]
            XCTAssertNotNil(first)
            try await browser.login("leader")
            let second = browser.cookies["lvze_session"]
            XCTAssertNotEqual(first, second)
            // The old id no longer works.
            let stale = Browser(app)
            stale.cookies["lvze_session"] = first
            let res = try await stale.get("/")
            XCTAssertEqual(res.status, .seeOther)
            let value9 = try await UserSession.query(on: app.db).count()
            XCTAssertEqual(value9, 1)
        }
    }

    func testLogoutEndsSession() async throws {
        try await withFixture { app, _ in
            let browser = try await Browser.signedIn(app, "leader")
            try await browser.get("/")
            let res = try await browser.post("/logout", [:])
            XCTAssertEqual(res.location, "/login")
            let value10 = try await browser.get("/").status
            XCTAssertEqual(value10, .seeOther)
            let value11 = try await auditActions(app).contains("logout")
            XCTAssertTrue(value11)
        }
    }

    func testFormsWithoutValidCSRFTokenAreRefused() async throws {
        try await withFixture { app, fixture in
            let browser = Browser(app)
            // Login form without the pre-login token.
            let noCookie = try await browser.post("/login", ["username": "clerk", "password": Fixture.password], includeCSRF: false)
            XCTAssertEqual(noCookie.status, .forbidden)
            XCTAssertTrue(noCookie.body.string.contains("CSRF"))
            try await browser.login("clerk")
            try await browser.get("/units/new")
            let form = ["parentCode": "DIST", "code": "NEW1", "name": "新单位", "kind": "department"]
            let missing = try await browser.post("/units", form, includeCSRF: false)
            XCTAssertEqual(missing.status, .forbidden)
            let wrong = try await browser.post("/units", form, csrf: "forged-token")
            XCTAssertEqual(wrong.status, .forbidden)
            let value12 = try await OrgUnit.query(on: app.db).filter(\.$code == "NEW1").count()
            XCTAssertEqual(value12, 0)
            let ok = try await browser.post("/units", form)
            XCTAssertEqual(ok.status, .seeOther)
            let value13 = try await OrgUnit.query(on: app.db).filter(\.$code == "NEW1").count()
            XCTAssertEqual(value13, 1)
            _ = fixture
        }
    }

    func testFirstLoginMustChangePassword() async throws {
        try await withFixture { app, _ in
            let user = try await User.query(on: app.db).filter(\.$username == "leader").first()!
            user.mustChangePassword = true
            try await user.update(on: app.db)
            let browser = try await Browser.signedIn(app, "leader")
            let home = try await browser.get("/")
            XCTAssertEqual(home.location, "/password")
            let page = try await browser.get("/password")
            XCTAssertTrue(page.body.string.contains("须先修改密码"))
            let weak = try await browser.post("/password", ["current": Fixture.password, "new": "short", "confirm": "short"])
            XCTAssertEqual(weak.status, .unprocessableEntity)
            XCTAssertTrue(weak.body.string.contains("密码至少需要12位"))
            let mismatch = try await browser.post("/password", ["current": Fixture.password, "new": "Another-Passw0rd", "confirm": "x"])
            XCTAssertTrue(mismatch.body.string.contains("«确认新密码»：与新密码不一致"))
            let ok = try await browser.post("/password", ["current": Fixture.password, "new": "Another-Passw0rd", "confirm": "Another-Passw0rd"])
            XCTAssertEqual(ok.status, .seeOther)
            let value14 = try await browser.get("/").status
            XCTAssertEqual(value14, .ok)
            let value15 = try await Browser(app).login("leader", "Another-Passw0rd").status
            XCTAssertEqual(value15, .seeOther)
        }
    }

    func testExpiredPasswordMustBeChanged() async throws {
        try await withFixture { app, _ in
            let browser = try await Browser.signedIn(app, "leader")
            app.lvze.clock.advance(by: 91 * 86_400)
            try await browser.login("leader")
            let res = try await browser.get("/")
            XCTAssertEqual(res.location, "/password")
            let value16 = try await browser.get("/password").body.string.contains("超过90天有效期")
            XCTAssertTrue(value16)
        }
    }

    func testSecurityHeadersAndNoInlineScript() async throws {
        try await withFixture { app, _ in
            let browser = Browser(app)
            let page = try await browser.get("/login")
            let csp = page.headers.first(name: "Content-Security-Policy") ?? ""
            XCTAssertTrue(csp.contains("script-src 'self'"))
            XCTAssertFalse(csp.contains("unsafe-inline"))
            XCTAssertEqual(page.headers.first(name: "X-Frame-Options"), "DENY")
            XCTAssertEqual(page.headers.first(name: "X-Content-Type-Options"), "nosniff")
            XCTAssertFalse(page.body.string.contains("<script>"), "inline script would be blocked by the CSP")
            XCTAssertFalse(page.body.string.contains("style=\""), "inline styles would be blocked by the CSP")
            XCTAssertFalse(page.body.string.contains("http://") || page.body.string.contains("https://"), "nothing from outside")
            let css = try await browser.get("/static/app.css")
            XCTAssertEqual(css.status, .ok)
            XCTAssertEqual(css.headers.contentType?.subType, "css")
        }
    }

    func testErrorPagesAreChineseWithReference() async throws {
        try await withFixture { app, _ in
            let browser = try await Browser.signedIn(app, "leader")
            let res = try await browser.get("/no/such/page")
            XCTAssertEqual(res.status, .notFound)
            XCTAssertTrue(res.body.string.contains("页面不存在"))
            XCTAssertTrue(res.body.string.contains("参考编号"))
            XCTAssertFalse(res.body.string.contains("Not Found"))
            let bad = try await browser.get("/units/abc")
            XCTAssertEqual(bad.status, .notFound)
        }
    }
}
