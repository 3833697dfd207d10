import Fluent
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

final class UnitTests: XCTestCase {
    func testCreateValidatesEveryField() async throws {
        try await withFixture { app, _ in
            let browser = try await Browser.signedIn(app, "clerk")
            try await browser.get("/units/new")
            let bad = try await browser.post("/units", ["parentCode": "NOPE", "code": "TA", "name": "", "kind": "castle",
                                                        "foundedOn": "2025-02-30", "sortOrder": "x"])
            XCTAssertEqual(bad.status, .unprocessableEntity)
            let body = bad.body.string
            XCTAssertTrue(body.contains("«上级单位»：代码「NOPE」不存在"))
            XCTAssertTrue(body.contains("«单位代码»：「TA」已被「甲镇」使用"))
            XCTAssertTrue(body.contains("«单位名称»：不能为空"))
            XCTAssertTrue(body.contains("«单位类型»：「castle」不是可选的单位类型"))
            XCTAssertTrue(body.contains("«成立日期»：「2025-02-30」不是有效日期"))
            XCTAssertTrue(body.contains("«排序号»：须为0到99999之间的整数"))
            let value1 = try await OrgUnit.query(on: app.db).count()
            XCTAssertEqual(value1, 5, "nothing half-saved")
            let ok = try await browser.post("/units", ["parentCode": "TA", "code": "TA-LS", "name": "甲镇临时党支部",
                                                       "kind": "temporary_party", "foundedOn": "2025年7月5日"])
            XCTAssertEqual(ok.status, .seeOther)
            let unit = try await OrgUnit.query(on: app.db).filter(\.$code == "TA-LS").first()!
            XCTAssertEqual(unit.foundedOn, "2025-07-05")
            let townA = try await OrgUnit.query(on: app.db).filter(\.$code == "TA").first()!
            XCTAssertEqual(unit.path, townA.path + "\(unit.id!)/")
            XCTAssertEqual(unit.depth, 2)
        }
    }

    func testEditKeepsAuditBeforeAndAfter() async throws {
        try await withFixture { app, f in
            let browser = try await Browser.signedIn(app, "clerk")
            try await browser.get("/units/\(f.villageA.id!)/edit")
            let res = try await browser.post("/units/\(f.villageA.id!)", ["code": "TA-V1", "name": "甲一社区", "kind": "village",
                                                                        "dissolvedOn": "2020-01-01", "foundedOn": "2021-01-01"])
            XCTAssertEqual(res.status, .unprocessableEntity)
            XCTAssertTrue(res.body.string.contains("«撤销日期»：不能早于成立日期"))
            let ok = try await browser.post("/units/\(f.villageA.id!)", ["code": "TA-V1", "name": "甲一社区", "kind": "village"])
            XCTAssertEqual(ok.status, .seeOther)
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "update").first()!
            XCTAssertTrue(entry.before!.contains("甲一村"))
            XCTAssertTrue(entry.after!.contains("甲一社区"))
        }
    }

    func testDeleteRefusedWithChildrenOrRecords() async throws {
        try await withFixture { app, f in
            let browser = try await Browser.signedIn(app, "clerk")
            try await browser.get("/units/\(f.townA.id!)")
            let withChildren = try await browser.post("/units/\(f.townA.id!)/delete", [:])
            XCTAssertEqual(withChildren.status, .seeOther)
            let page = try await browser.get(withChildren.location)
            XCTAssertTrue(page.body.string.contains("「甲镇」下还有1个下级单位"), page.body.string)
            let withPeople = try await browser.post("/units/\(f.villageA.id!)/delete", [:])
            let page2 = try await browser.get(withPeople.location)
            XCTAssertTrue(page2.body.string.contains("「甲一村」已有1名人员，不能删除"))
            // A unit with ledger records is kept too.
            try await clerk2Record(app, unitCode: "TB-V1")
            let withRecords = try await browser.post("/units/\(f.villageB.id!)/delete", [:])
            let page3 = try await browser.get(withRecords.location)
            XCTAssertTrue(page3.body.string.contains("1条台账记录"), page3.body.string)
            let value2 = try await OrgUnit.query(on: app.db).count()
            XCTAssertEqual(value2, 5)
            // A leaf with nothing recorded goes, and the trail keeps what it was.
            try await browser.get("/units/new")
            _ = try await browser.post("/units", ["parentCode": "TA", "code": "TA-X", "name": "空单位", "kind": "other"])
            let leaf = try await OrgUnit.query(on: app.db).filter(\.$code == "TA-X").first()!
            let gone = try await browser.post("/units/\(leaf.id!)/delete", [:])
            XCTAssertEqual(gone.location, "/units/\(f.townA.id!)")
            let value3 = try await OrgUnit.find(leaf.id, on: app.db)
            XCTAssertNil(value3)
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "delete").first()!
            XCTAssertTrue(entry.before!.contains("空单位"))
        }
    }

    func testMoveSubtreeRewritesPaths() async throws {
        try await withFixture { app, f in
            let browser = try await Browser.signedIn(app, "clerk")
            try await browser.get("/units/new")
            _ = try await browser.post("/units", ["parentCode": "TA-V1", "code": "TA-V1-B", "name": "甲一村支部", "kind": "branch"])
            // A unit cannot go under its own descendant.
            try await browser.get("/units/\(f.townA.id!)/move")
            let loop = try await browser.post("/units/\(f.townA.id!)/move", ["target": "TA-V1-B"])
            XCTAssertEqual(loop.status, .unprocessableEntity)
            XCTAssertTrue(loop.body.string.contains("不能移到本单位或其下级单位之下"))
            let res = try await browser.post("/units/\(f.villageA.id!)/move", ["target": "TB"])
            XCTAssertEqual(res.status, .seeOther)
            let village = try await OrgUnit.find(f.villageA.id, on: app.db)!
            let branch = try await OrgUnit.query(on: app.db).filter(\.$code == "TA-V1-B").first()!
            XCTAssertEqual(village.$parent.id, f.townB.id)
            XCTAssertEqual(village.path, f.townB.path + "\(village.id!)/")
            XCTAssertEqual(branch.path, village.path + "\(branch.id!)/")
            XCTAssertEqual(branch.depth, 3)
            let inB = try await OrgUnit.query(on: app.db).within(f.townB.unitPath).all().map(\.code).sorted()
            XCTAssertEqual(inB, ["TA-V1", "TA-V1-B", "TB", "TB-V1"])
            // Town A's clerk no longer sees the village.
            let clerkA = try await Browser.signedIn(app, "clerkA")
            let value4 = try await clerkA.get("/units/\(village.id!)").status
            XCTAssertEqual(value4, .notFound)
            let value5 = try await clerkA.get("/people/\(f.personA.id!)").status
            XCTAssertEqual(value5, .notFound)
        }
    }

    func testFlagsAreSetAndClearedWithDates() async throws {
        try await withFixture { app, f in
            let browser = try await Browser.signedIn(app, "clerk")
            try await browser.get("/units/\(f.villageA.id!)")
            let bad = try await browser.post("/units/\(f.villageA.id!)/flags", ["flag": "weak", "date": "2099-01-01"])
            XCTAssertEqual(bad.status, .unprocessableEntity)
            XCTAssertTrue(bad.body.string.contains("«认定日期»：不能晚于今天"))
            let ok = try await browser.post("/units/\(f.villageA.id!)/flags", ["flag": "weak", "date": "2024-03-01", "reason": "班子涣散"])
            XCTAssertEqual(ok.status, .seeOther)
            let twice = try await browser.post("/units/\(f.villageA.id!)/flags", ["flag": "weak", "date": "2024-04-01"])
            XCTAssertTrue(twice.body.string.contains("已有未解除的「软弱涣散」标记"))
            let flag = try await UnitFlag.query(on: app.db).first()!
            let early = try await browser.post("/units/\(f.villageA.id!)/flags/\(flag.id!)/clear", ["date": "2024-01-01"])
            XCTAssertTrue(early.body.string.contains("不能早于认定日期2024-03-01"))
            let cleared = try await browser.post("/units/\(f.villageA.id!)/flags/\(flag.id!)/clear", ["date": "2025-06-30", "reason": "整顿合格"])
            XCTAssertEqual(cleared.status, .seeOther)
            let value6 = try await UnitFlag.find(flag.id, on: app.db)?.clearedOn
            XCTAssertEqual(value6, "2025-06-30")
            // The year's transformed count follows the clearing date.
            let figures = try await reportFigures(app, scope: f.dist.unitPath, year: 2025)
            XCTAssertEqual(figures.first { $0.id == "party.weak_orgs.transformed" }?.value, "1")
            let other = try await reportFigures(app, scope: f.dist.unitPath, year: 2024)
            XCTAssertEqual(other.first { $0.id == "party.weak_orgs.transformed" }?.value, "0")
            // Flags are business data: the system administrator cannot set them.
            let sys = try await Browser.signedIn(app, "sys")
            try await sys.get("/units/\(f.villageA.id!)")
            let value7 = try await sys.post("/units/\(f.villageA.id!)/flags", ["flag": "weak", "date": "2024-03-01"]).status
            XCTAssertEqual(value7, .forbidden)
        }
    }
}

final class PersonTests: XCTestCase {
    func testPeopleAndPositionsAnswerWhoHeldAPostOnADay() async throws {
        try await withFixture { app, f in
            let browser = try await Browser.signedIn(app, "clerk")
            try await browser.get("/people/new")
            let bad = try await browser.post("/people", ["name": "", "gender": "未知", "birthDate": "明天", "education": "博士", "unitCode": "TA-V1"])
            XCTAssertEqual(bad.status, .unprocessableEntity)
            for message in ["«姓名»：不能为空", "«性别»：请选择男或女", "«出生日期»：「明天」不是有效日期", "«学历»：「博士」不是可选值"] {
                XCTAssertTrue(bad.body.string.contains(message), message)
            }
            let created = try await browser.post("/people", ["name": "王丙", "gender": "女", "birthDate": "1990/3/5", "education": "本科",
                                                             "origin": "退役军人", "unitCode": "TB-V1"])
            XCTAssertEqual(created.status, .seeOther)
            let wang = try await Person.query(on: app.db).filter(\.$name == "王丙").first()!
            XCTAssertEqual(wang.birthDate, "1990-03-05")
            try await browser.get("/people/\(wang.id!)")
            let pos1 = try await browser.post("/people/\(f.personA.id!)/positions", ["unitCode": "TA-V1", "post": "secretary", "startOn": "2021-01-10"])
            XCTAssertEqual(pos1.status, .seeOther)
            _ = try await browser.post("/people/\(f.personB.id!)/positions", ["unitCode": "TB-V1", "post": "secretary", "startOn": "2015-01-10", "endOn": "2025-05-01"])
            _ = try await browser.post("/people/\(wang.id!)/positions", ["unitCode": "TB-V1", "post": "secretary", "startOn": "2025-05-01"])
            let badPos = try await browser.post("/people/\(wang.id!)/positions", ["unitCode": "TB-V1", "post": "", "startOn": "2025-05-01", "endOn": "2024-01-01"])
            XCTAssertTrue(badPos.body.string.contains("«职务类别»：请选择"))
            XCTAssertTrue(badPos.body.string.contains("«离任日期»：不能早于任职日期"))

            // On 31 December 2025: 张甲 (45, 大专) and 王丙 (35, 本科).
            let page = try await browser.get("/incumbents?date=2025-12-31&post=secretary&kind=village")
            let body = page.body.string
            XCTAssertTrue(body.contains("张甲"))
            XCTAssertTrue(body.contains("王丙"))
            XCTAssertFalse(body.contains("李乙"))
            XCTAssertTrue(body.contains("40.0"), "mean of 45 and 35")
            XCTAssertTrue(body.contains("100.0%"))
            // On 31 December 2024 the secretary in 乙一村 was 李乙 (54, 高中).
            let figures = try await reportFigures(app, scope: f.dist.unitPath, year: 2024)
            XCTAssertEqual(figures.first { $0.id == "party.village_secretaries.avg_age" }?.value, "49.0")
            XCTAssertEqual(figures.first { $0.id == "party.village_secretaries.college_share" }?.value, "50.0")
            // Ending a position.
            let positions = try await Position.query(on: app.db).filter(\.$person.$id == f.personA.id!).all()
            try await browser.get("/people/\(f.personA.id!)")
            let ended = try await browser.post("/people/\(f.personA.id!)/positions/\(positions[0].id!)/end", ["endOn": "2026-01-05"])
            XCTAssertEqual(ended.status, .seeOther)
            let value8 = try await Position.find(positions[0].id, on: app.db)?.endOn
            XCTAssertEqual(value8, "2026-01-05")
        }
    }

    func testDeletingAPersonRemovesPositionsAndIsAudited() async throws {
        try await withFixture { app, f in
            let browser = try await Browser.signedIn(app, "clerk")
            try await browser.get("/people/\(f.personA.id!)")
            _ = try await browser.post("/people/\(f.personA.id!)/positions", ["unitCode": "TA-V1", "post": "secretary", "startOn": "2021-01-10"])
            let res = try await browser.post("/people/\(f.personA.id!)/delete", [:])
            XCTAssertEqual(res.location, "/people")
            let value9 = try await Person.find(f.personA.id, on: app.db)
            XCTAssertNil(value9)
            let value10 = try await Position.query(on: app.db).count()
            XCTAssertEqual(value10, 0)
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "delete").first()!
            XCTAssertTrue(entry.summary.contains("张甲"))
        }
    }
}

/// Adds one meeting record at a unit through the API, as a clerk.
func clerk2Record(_ app: Application, unitCode: String) async throws {
    let token = try await apiToken(app, "clerk")
    let res = try await sendJSON(app, .POST, "/api/v1/records/meeting", token: token, body: [
        "unit": unitCode, "fields": ["held_on": "2025-03-01", "body": "常委会", "kind": "专题研究", "topic_system": "安全生产", "topic": "安全生产形势分析"]])
    XCTAssertEqual(res.status, .created, res.body.string)
}
