import Fluent
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// Scoping by the unit tree and the separation of the three administrators.
final class AccessTests: XCTestCase {
    func testTownClerkSeesOnlyTheirSubtree() async throws {
        try await withFixture { app, f in
            let browser = try await Browser.signedIn(app, "clerkA")
            let value1 = try await browser.get("/units/\(f.townA.id!)").status
            XCTAssertEqual(value1, .ok)
            let value2 = try await browser.get("/units/\(f.villageA.id!)").status
            XCTAssertEqual(value2, .ok)
            let value3 = try await browser.get("/people/\(f.personA.id!)").status
            XCTAssertEqual(value3, .ok)
            // Town B and its village and people: 404, as if they did not exist.
            let value4 = try await browser.get("/units/\(f.townB.id!)").status
            XCTAssertEqual(value4, .notFound)
            let value5 = try await browser.get("/units/\(f.villageB.id!)").status
            XCTAssertEqual(value5, .notFound)
            let value6 = try await browser.get("/units/\(f.villageB.id!)/edit").status
            XCTAssertEqual(value6, .notFound)
            let value7 = try await browser.get("/people/\(f.personB.id!)").status
            XCTAssertEqual(value7, .notFound)
            let value8 = try await browser.get("/units/\(f.dist.id!)").status
            XCTAssertEqual(value8, .notFound)
            let list = try await browser.get("/people")
            XCTAssertTrue(list.body.string.contains("张甲"))
            XCTAssertFalse(list.body.string.contains("李乙"))
            let tree = try await browser.get("/units")
            XCTAssertTrue(tree.body.string.contains("甲一村"))
            XCTAssertFalse(tree.body.string.contains("乙镇"))
            // Writing into town B is refused the same way.
            try await browser.get("/people/new")
            let res = try await browser.post("/people", ["name": "王五", "gender": "男", "unitCode": "TB-V1"])
            XCTAssertEqual(res.status, .unprocessableEntity)
            XCTAssertTrue(res.body.string.contains("«所在单位»：代码「TB-V1」不存在或不在您的管理范围内"))
            let move = try await browser.post("/units/\(f.villageA.id!)/move", ["target": "TB"])
            XCTAssertEqual(move.status, .unprocessableEntity)
            let value9 = try await OrgUnit.find(f.villageA.id, on: app.db)?.$parent.id
            XCTAssertEqual(value9, f.townA.id)
        }
    }

    func testAPIIsScopedToo() async throws {
        try await withFixture { app, f in
            let token = try await apiToken(app, "clerkA")
            let unit = try await send(app, .GET, "/api/v1/units/TB", token: token)
            XCTAssertEqual(unit.status, .notFound)
            XCTAssertTrue(unit.body.string.contains("不在您的权限范围内"))
            let value10 = try await send(app, .GET, "/api/v1/people/\(f.personB.id!)", token: token).status
            XCTAssertEqual(value10, .notFound)
            let list = try await send(app, .GET, "/api/v1/units", token: token)
            XCTAssertEqual(list.status, .ok)
            let page = try list.content.decode(APIController.Page<APIController.UnitDTO>.self)
            XCTAssertEqual(Set(page.items.map(\.code)), ["TA", "TA-V1"])
        }
    }

    func testThreeAdministratorsAreKeptApart() async throws {
        try await withFixture { app, f in
            let sys = try await Browser.signedIn(app, "sys")
            let value11 = try await sys.get("/admin/users").status
            XCTAssertEqual(value11, .ok)
            let value12 = try await sys.get("/units").status
            XCTAssertEqual(value12, .ok)
            let value13 = try await sys.get("/people").status
            XCTAssertEqual(value13, .forbidden, "no business data for the system administrator")
            let value14 = try await sys.get("/people/\(f.personA.id!)").status
            XCTAssertEqual(value14, .forbidden)
            let value15 = try await sys.get("/audit").status
            XCTAssertEqual(value15, .forbidden)
            let value16 = try await sys.get("/security/policy").status
            XCTAssertEqual(value16, .forbidden)
            let value17 = try await sys.get("/systems/party").status
            XCTAssertEqual(value17, .forbidden)

            let sec = try await Browser.signedIn(app, "sec")
            let value18 = try await sec.get("/security/users").status
            XCTAssertEqual(value18, .ok)
            let value19 = try await sec.get("/security/policy").status
            XCTAssertEqual(value19, .ok)
            let value20 = try await sec.get("/admin/users").status
            XCTAssertEqual(value20, .forbidden)
            let value21 = try await sec.get("/audit").status
            XCTAssertEqual(value21, .forbidden)
            let value22 = try await sec.get("/units").status
            XCTAssertEqual(value22, .forbidden)
            let value23 = try await sec.get("/people").status
            XCTAssertEqual(value23, .forbidden)

            let aud = try await Browser.signedIn(app, "aud")
            let value24 = try await aud.get("/audit").status
            XCTAssertEqual(value24, .ok)
            let value25 = try await aud.get("/admin/users").status
            XCTAssertEqual(value25, .forbidden)
            let value26 = try await aud.get("/security/users").status
            XCTAssertEqual(value26, .forbidden)
            let value27 = try await aud.get("/units").status
            XCTAssertEqual(value27, .forbidden)
            let value28 = try await aud.get("/people").status
            XCTAssertEqual(value28, .forbidden)

            // Business users see none of the administrators' areas.
            let leader = try await Browser.signedIn(app, "leader")
            for path in ["/admin", "/admin/users", "/security/users", "/security/policy", "/audit"] {
                let value29 = try await leader.get(path).status
                XCTAssertEqual(value29, .forbidden, path)
            }
        }
    }

    func testNoAccountHoldsTwoAdministratorRoles() async throws {
        try await withFixture { app, _ in
            XCTAssertNotNil(Role.separationProblem([.sysadmin, .auditor]))
            XCTAssertNotNil(Role.separationProblem([.secadmin, .clerk]))
            XCTAssertNil(Role.separationProblem([.clerk, .reviewer, .leader]))
            // The security administrator cannot grant an administrator role …
            let sec = try await Browser.signedIn(app, "sec")
            let clerk = try await User.query(on: app.db).filter(\.$username == "clerk").first()!
            try await sec.get("/security/users/\(clerk.id!)")
            let grant = try await sec.post("/security/users/\(clerk.id!)/roles", ["roles[]": "auditor"])
            XCTAssertEqual(grant.status, .unprocessableEntity)
            XCTAssertTrue(grant.body.string.contains("审计管理员只能由系统管理员在新建账号时指定"))
            // … nor give an administrator account business roles.
            let aud = try await User.query(on: app.db).filter(\.$username == "aud").first()!
            let mix = try await sec.post("/security/users/\(aud.id!)/roles", ["roles[]": "leader"])
            XCTAssertEqual(mix.status, .unprocessableEntity)
            let value30 = try await User.find(aud.id, on: app.db)?.roles
            XCTAssertEqual(value30, [.auditor])
            // Business roles are granted, and the change is audited as a permission change.
            let ok = try await sec.post("/security/users/\(clerk.id!)/roles", ["roles[]": "reviewer"])
            XCTAssertEqual(ok.status, .seeOther)
            let value31 = try await User.find(clerk.id, on: app.db)?.roles
            XCTAssertEqual(value31, [.reviewer])
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "roles_changed").first()
            XCTAssertEqual(entry?.before, "[\"clerk\"]")
            XCTAssertEqual(entry?.after, "[\"reviewer\"]")
        }
    }

    func testSystemAdministratorCreatesAccountsWithoutBusinessRoles() async throws {
        try await withFixture { app, _ in
            let sys = try await Browser.signedIn(app, "sys")
            try await sys.get("/admin/users/new")
            let res = try await sys.post("/admin/users", ["username": "newbie", "displayName": "新人", "unitCode": "TA", "adminRole": ""])
            XCTAssertEqual(res.status, .ok)
            XCTAssertTrue(res.body.string.contains("初始密码"))
            let user = try await User.query(on: app.db).filter(\.$username == "newbie").first()!
            XCTAssertEqual(user.roles, [])
            XCTAssertTrue(user.mustChangePassword)
            let bad = try await sys.post("/admin/users", ["username": "x", "unitCode": "NOPE", "adminRole": "leader"])
            XCTAssertEqual(bad.status, .unprocessableEntity)
            let body = bad.body.string
            XCTAssertTrue(body.contains("«用户名»：须为3到32位"))
            XCTAssertTrue(body.contains("«所属单位»：代码「NOPE」不存在"))
            XCTAssertTrue(body.contains("«账号类型»：「leader」不是可选的账号类型"))
        }
    }
}

/// A token from the API login.
func apiToken(_ app: Application, _ username: String, password: String = Fixture.password) async throws -> String {
    let res = try await send(app, .POST, "/api/v1/login", json: ["username": username, "password": password])
    XCTAssertEqual(res.status, .ok, res.body.string)
    return (try? res.content.decode(APIController.TokenResponse.self).token) ?? ""
}
