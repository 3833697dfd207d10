import Fluent
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

final class APITests: XCTestCase {
    func testLoginTokenAndBearerAccess() async throws {
        try await withFixture { app, _ in
            let token = try await apiToken(app, "clerk")
            XCTAssertTrue(token.hasPrefix("lvze_"))
            // Only the hash is stored.
            let stored = try await APIToken.query(on: app.db).all()
            XCTAssertEqual(stored.count, 1)
            XCTAssertNotEqual(stored[0].tokenHash, token)
            let me = try await send(app, .GET, "/api/v1/me", token: token)
            XCTAssertEqual(me.status, .ok)
            let body = try me.content.decode(APIController.Me.self)
            XCTAssertEqual(body.username, "clerk")
            XCTAssertEqual(body.roles, ["clerk"])
            let forged = try await send(app, .GET, "/api/v1/me", token: "lvze_forged")
            XCTAssertEqual(forged.status, .unauthorized)
            XCTAssertTrue(forged.body.string.contains("接口令牌无效"))
            XCTAssertTrue(forged.body.string.contains("reference"))
            let value1 = try await send(app, .GET, "/api/v1/me").status
            XCTAssertEqual(value1, .unauthorized)
            // A login token expires after a day.
            app.lvze.clock.advance(by: 86_401)
            let value2 = try await send(app, .GET, "/api/v1/me", token: token).status
            XCTAssertEqual(value2, .unauthorized)
        }
    }

    func testLoginErrorsAreJSONInChinese() async throws {
        try await withFixture { app, _ in
            let wrong = try await send(app, .POST, "/api/v1/login", json: ["username": "clerk", "password": "nope"])
            XCTAssertEqual(wrong.status, .unauthorized)
            XCTAssertEqual(wrong.headers.contentType, .json)
            XCTAssertTrue(wrong.body.string.contains("用户名或密码错误"))
            let broken = try await send(app, .POST, "/api/v1/login", rawBody: "{not json")
            XCTAssertEqual(broken.status, .badRequest)
            XCTAssertTrue(broken.body.string.contains("message"))
            XCTAssertFalse(broken.body.string.contains("Swift"))
        }
    }

    func testCreateUnitValidatesAndAudits() async throws {
        try await withFixture { app, _ in
            let token = try await apiToken(app, "clerk")
            let bad = try await send(app, .POST, "/api/v1/units", token: token,
                                     json: ["code": "bad code", "name": "", "kind": "department", "parentCode": "DIST"])
            XCTAssertEqual(bad.status, .unprocessableEntity)
            XCTAssertTrue(bad.body.string.contains("«单位代码»：只能由字母、数字、短横线和下划线组成"), bad.body.string)
            XCTAssertTrue(bad.body.string.contains("«单位名称»：不能为空"))
            let ok = try await send(app, .POST, "/api/v1/units", token: token,
                                    json: ["code": "API-1", "name": "接口单位", "kind": "department", "parentCode": "DIST"])
            XCTAssertEqual(ok.status, .created)
            XCTAssertEqual(try ok.content.decode(APIController.UnitDTO.self).code, "API-1")
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "create").first()
            XCTAssertEqual(entry?.username, "clerk")
        }
    }

    func testTokensPageCreatesShowsOnceAndRevokes() async throws {
        try await withFixture { app, _ in
            let browser = try await Browser.signedIn(app, "leader")
            try await browser.get("/tokens")
            let bad = try await browser.post("/tokens", ["name": "", "days": "0"])
            XCTAssertEqual(bad.status, .unprocessableEntity)
            XCTAssertTrue(bad.body.string.contains("«令牌名称»：不能为空"))
            XCTAssertTrue(bad.body.string.contains("«有效期（天）»：须为1到3650之间的整数"))
            let created = try await browser.post("/tokens", ["name": "同步脚本", "days": "30"])
            let body = created.body.string
            guard let start = body.range(of: "<code class=\"token\">")?.upperBound else { return XCTFail("no token shown") }
            let token = String(body[start...].prefix { $0 != "<" })
            let value3 = try await send(app, .GET, "/api/v1/me", token: token).status
            XCTAssertEqual(value3, .ok)
            let again = try await browser.get("/tokens")
            XCTAssertFalse(again.body.string.contains(token), "shown once only")
            let stored = try await APIToken.query(on: app.db).first()!
            _ = try await browser.post("/tokens/\(stored.id!)/revoke", [:])
            let value4 = try await send(app, .GET, "/api/v1/me", token: token).status
            XCTAssertEqual(value4, .unauthorized)
            let actions = try await auditActions(app)
            XCTAssertTrue(actions.contains("token_created"))
            XCTAssertTrue(actions.contains("token_revoked"))
        }
    }
}
