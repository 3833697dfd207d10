import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// What signing in answers, case by case, what it writes to the trail, and the API tokens made afterwards.
final class LoginAnswerTests: XCTestCase {
    /// The status and message of an API login.
    func apiLogin(_ app: Application, _ username: String, _ password: String) async throws -> (HTTPStatus, String) {
        let res = try await send(app, .POST, "/api/v1/login", json: ["username": username, "password": password])
        let json = try JSONSerialization.jsonObject(with: Data(res.body.readableBytesView)) as? [String: Any]
        let message = (json?["error"] as? [String: Any])?["message"] as? String ?? ""
        return (res.status, message)
    }

    func testEachLoginAnswerAndWhatTheTrailSays() async throws {
        try await withFixture { app, _ in
            let disabled = try await user(app, "reviewerB")
            disabled.disabled = true
            try await disabled.update(on: app.db)
            let cases: [(name: String, username: String, password: String, status: HTTPStatus, message: String, audit: String?)] = [
                ("no user name", "", Fixture.password, .badRequest, "请输入用户名和密码", nil),
                ("no password", "clerk", "", .badRequest, "请输入用户名和密码", nil),
                ("wrong password", "clerk", "nope", .unauthorized, "用户名或密码错误（再失败4次将暂停从本机登录15分钟）", "密码错误"),
                ("wrong again", "clerk", "nope", .unauthorized, "用户名或密码错误（再失败3次将暂停从本机登录15分钟）", "密码错误"),
                ("unknown user answers alike", "nobody", "nope", .unauthorized, "用户名或密码错误（再失败4次将暂停从本机登录15分钟）", "用户名不存在"),
                ("disabled account, wrong password", "reviewerB", "nope", .unauthorized,
                 "用户名或密码错误（再失败4次将暂停从本机登录15分钟）", "密码错误"),
                ("disabled account, right password", "reviewerB", Fixture.password, .forbidden, "账号已停用，请联系系统管理员", "账号已停用"),
            ]
            for c in cases {
                let before = try await AuditEntry.query(on: app.db).count()
                let (status, message) = try await apiLogin(app, c.username, c.password)
                XCTAssertEqual(status, c.status, c.name)
                XCTAssertEqual(message, c.message, c.name)
                let added = try await AuditEntry.query(on: app.db).filter(\.$seq > before).all()
                XCTAssertEqual(added.map(\.summary), c.audit.map { [$0] } ?? [], c.name)
                if c.audit != nil { XCTAssertEqual(added.first?.action, "login_failed", c.name) }
            }
            // A right password after failures: signed in, the count cleared, the login written down.
            let (status, _) = try await apiLogin(app, " clerk ", Fixture.password)
            XCTAssertEqual(status, .ok, "the user name is trimmed")
            let clerk = try await user(app, "clerk")
            XCTAssertNotNil(clerk.lastLoginAt)
            XCTAssertEqual(clerk.failedCount, 0)
            let last = try await AuditEntry.query(on: app.db).sort(\.$seq, .descending).first()
            XCTAssertEqual(last?.action, "login")
            XCTAssertEqual(last?.summary, "接口登录")
            let (again, message) = try await apiLogin(app, "clerk", "nope")
            XCTAssertEqual(again, .unauthorized)
            XCTAssertEqual(message, "用户名或密码错误（再失败4次将暂停从本机登录15分钟）", "success started the count again")
        }
    }

    func testTheFifthFailureLocksTheAccountForTheSecurityAdministratorToSee() async throws {
        try await withFixture { app, _ in
            for _ in 0..<4 { _ = try await apiLogin(app, "leader", "nope") }
            let (status, message) = try await apiLogin(app, "leader", "nope")
            XCTAssertEqual(status, .forbidden)
            XCTAssertEqual(message, "连续登录失败5次，已暂停从本机登录15分钟")
            let leader = try await user(app, "leader")
            XCTAssertTrue(leader.isLocked(at: app.lvze.clock.now()))
            let locked = try await AuditEntry.query(on: app.db).filter(\.$action == "account_locked").all()
            XCTAssertEqual(locked.count, 1)
            XCTAssertTrue(locked.first?.summary.hasSuffix("连续5次登录失败，暂停从该地址登录15分钟") == true, locked.first?.summary ?? "")
            app.lvze.clock.advance(by: 5 * 60)
            let (paused, pausedMessage) = try await apiLogin(app, "leader", Fixture.password)
            XCTAssertEqual(paused, .forbidden)
            XCTAssertEqual(pausedMessage, "连续登录失败次数过多，已暂停从本机登录，请10分钟后再试或联系安全管理员解锁")
            let tried = try await AuditEntry.query(on: app.db).filter(\.$action == "login_locked").count()
            XCTAssertEqual(tried, 1)

            let sec = try await Browser.signedIn(app, "sec")
            let page = try await sec.get("/security/users")
            XCTAssertTrue(page.body.string.contains("已锁定至"), "the list shows the lock")
            try await sec.get("/security/users/\(leader.id!)")
            let unlocked = try await sec.post("/security/users/\(leader.id!)/unlock", [:])
            XCTAssertEqual(unlocked.status, .seeOther)
            let (open, _) = try await apiLogin(app, "leader", Fixture.password)
            XCTAssertEqual(open, .ok)
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "account_unlocked").first()
            XCTAssertEqual(entry?.summary, "解锁账号「leader」")
        }
    }

    func testOnlySameSitePathsAreFollowedAfterLogin() {
        let cases: [(String, String)] = [
            ("/ledgers/hazard?year=2025", "/ledgers/hazard?year=2025"),
            ("/", "/"),
            ("", "/"),
            ("//evil.example/", "/"),
            ("https://evil.example/", "/"),
            ("/\\evil.example", "/"),
            ("/login", "/"),
            ("/login?next=/x", "/"),
            ("ledgers", "/"),
        ]
        for (next, expected) in cases {
            XCTAssertEqual(safeNext(next), expected, next)
        }
    }

    func testTokensAreCheckedMadeWithAnEndAndKeptToTheirOwner() async throws {
        try await withFixture { app, _ in
            let leader = try await Browser.signedIn(app, "leader")
            let cases: [(name: String, days: String, expected: [String])] = [
                ("", "", ["«令牌名称»：不能为空"]),
                (String(repeating: "令", count: 51), "", ["«令牌名称»：不能超过50个字"]),
                ("脚本", "0", ["«有效期（天）»：须为1到3650之间的整数，留空表示长期有效"]),
                ("脚本", "3651", ["«有效期（天）»：须为1到3650之间的整数，留空表示长期有效"]),
                ("脚本", "一年", ["«有效期（天）»：须为1到3650之间的整数，留空表示长期有效"]),
            ]
            for c in cases {
                try await leader.get("/tokens")
                let res = try await leader.post("/tokens", ["name": c.name, "days": c.days])
                XCTAssertEqual(res.status, .unprocessableEntity, "\(c.name)/\(c.days)")
                XCTAssertEqual(formErrors(in: res.body.string), c.expected, "\(c.name)/\(c.days)")
            }
            let none = try await APIToken.query(on: app.db).count()
            XCTAssertEqual(none, 0)

            try await leader.get("/tokens")
            let made = try await leader.post("/tokens", ["name": "同步脚本", "days": "３"])
            let plain = try XCTUnwrap(made.body.string.slice(after: "<code class=\"token\">", before: "</code>"))
            XCTAssertTrue(plain.hasPrefix("lvze_"))
            let stored = try await APIToken.query(on: app.db).first()
            let token = try XCTUnwrap(stored)
            XCTAssertNotEqual(token.tokenHash, plain, "only a hash is kept")
            XCTAssertEqual(token.expiresAt?.timeIntervalSince(token.createdAt) ?? 0, 3 * 86_400, accuracy: 1, "full-width days are read")
            let me = try await send(app, .GET, "/api/v1/me", token: plain)
            XCTAssertEqual(me.status, .ok)
            app.lvze.clock.advance(by: 3 * 86_400 + 1)
            let expired = try await send(app, .GET, "/api/v1/me", token: plain)
            XCTAssertEqual(expired.status, .unauthorized, "an expired token opens nothing")

            // Another account cannot revoke it.
            let clerk = try await Browser.signedIn(app, "clerk")
            try await clerk.get("/tokens")
            let foreign = try await clerk.post("/tokens/\(token.id!)/revoke", [:])
            XCTAssertEqual(foreign.status, .notFound)
            let kept = try await APIToken.find(token.id, on: app.db)
            XCTAssertNil(kept?.revokedAt)
            let created = try await AuditEntry.query(on: app.db).filter(\.$action == "token_created").first()
            XCTAssertEqual(created?.summary, "创建接口令牌「同步脚本」")
            XCTAssertFalse(created?.summary.contains(plain) ?? true)
        }
    }
}
