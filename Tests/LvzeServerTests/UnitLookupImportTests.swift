import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// Unit fields that take a name or a code, with type-ahead; an import confirmed after a
/// clean dry run without choosing the file again.
final class UnitLookupImportTests: XCTestCase {
    func testUnitSearchIsScopedAndTheListFilterTakesANameOrACode() async throws {
        try await withRunningFixture { app, f, port, _ in
            let clerkA = SocketBrowser(port: port)
            try await clerkA.login("clerkA")
            // Search: a code prefix and a name part, inside the clerk's town only, as JSON.
            let cases: [(String, [String])] = [("TA", ["TA", "TA-V1"]), ("一村", ["TA-V1"]), ("乙", []), ("TB", []), ("%", []), ("", [])]
            for (q, codes) in cases {
                let res = try await clerkA.get("/units/search?q=" + SocketBrowser.encode(q))
                XCTAssertEqual(res.status, 200, q)
                let units = try JSONSerialization.jsonObject(with: Data(res.text.utf8)) as? [[String: String]] ?? []
                XCTAssertEqual(units.map { $0["code"] ?? "" }, codes, "q=\(q)")
            }
            let byCode = try await clerkA.get("/units/search?q=TA-V1")
            let named = try JSONSerialization.jsonObject(with: Data(byCode.text.utf8)) as? [[String: String]]
            XCTAssertEqual(named?.first?["label"], "甲镇 · 甲一村")

            // The list's unit filter: a code, a name, an unknown or foreign one named in the message.
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let user = try await User.query(on: app.db).filter(\.$username == "clerkA").first()!
            let service = app.records(as: RecordActor(Principal(user: user, unit: f.townA, session: nil, roles: user.roles), address: "t"))
            let today = LocalDate(Date())
            _ = try await service.create(kind, unitRef: f.villageA.code, raw: ["found_on": today.iso, "description": "村委楼灭火器过期",
                                                                                "level": "一般隐患", "deadline": today.adding(days: 30).iso, "source": "检查发现"])
            _ = try await service.create(kind, unitRef: f.townA.code, raw: ["found_on": today.iso, "description": "镇政府配电房积水",
                                                                             "level": "一般隐患", "deadline": today.adding(days: 30).iso, "source": "检查发现"])
            for q in ["TA-V1", "甲一村"] {
                let page = try await clerkA.get("/ledgers/hazard?unit=" + SocketBrowser.encode(q)).text
                XCTAssertTrue(page.contains("村委楼灭火器过期"), q)
                XCTAssertFalse(page.contains("镇政府配电房积水"), q)
            }
            for (q, message) in [("乙一村", "「乙一村」不存在或不在您的管理范围内"), ("无此村", "「无此村」不存在或不在您的管理范围内")] {
                let page = try await clerkA.get("/ledgers/hazard?unit=" + SocketBrowser.encode(q)).text
                XCTAssertTrue(page.contains(message), q)
            }
            // The record form and the list offer the type-ahead.
            let form = try await clerkA.get("/ledgers/hazard/new")
            XCTAssertTrue(form.text.contains("data-unit-search"))
        }
    }

    func testACleanDryRunCanBeConfirmedOnceWithoutChoosingTheFileAgain() async throws {
        try await withRunningFixture { app, f, port, _ in
            let csv = """
                问题来源,具体问题表述,整改措施,发现时间,整改时限
                巡察,村务公开不及时,按月公开,2026-03-01,2026-06-30
                巡察,河道垃圾未清理,组织清理,2026-03-02,2026-05-31

                """
            let clerkA = SocketBrowser(port: port)
            try await clerkA.login("clerkA")
            try await clerkA.get("/ledgers/rectification/import")
            // The unit by its name.
            let dry = try await socketImportResult(clerkA, try await clerkA.postMultipart("/ledgers/rectification/import",
                [("unit", "甲一村"), ("mode", "dry")], files: [("file", "整改台账.csv", "text/csv", Data(csv.utf8))]))
            XCTAssertEqual(dry.status, 200, dry.text)
            guard let range = dry.text.range(of: #"/ledgers/rectification/import/[0-9A-F-]+/commit"#, options: .regularExpression) else {
                return XCTFail("a clean dry run offers the confirmation: \(dry.text)")
            }
            let commit = String(dry.text[range])
            XCTAssertTrue(dry.text.contains("确认导入这2条记录"))
            let none = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(none, 0, "a dry run saves nothing")

            // Another clerk cannot confirm it.
            let clerkB = SocketBrowser(port: port)
            try await clerkB.login("clerkB")
            try await clerkB.get("/ledgers/rectification/import")
            let foreign = try await clerkB.post(commit, [])
            XCTAssertEqual(foreign.status, 404)

            let done = try await socketImportResult(clerkA, try await clerkA.post(commit, []))
            XCTAssertTrue(done.text.contains("已导入2条记录"), done.text)
            let records = try await LedgerRecord.query(on: app.db).sort(\.$id).all()
            XCTAssertEqual(records.map(\.title), ["村务公开不及时", "河道垃圾未清理"])
            XCTAssertEqual(Set(records.map { $0.$unit.id }), [f.villageA.id!])
            // A second confirmation imports nothing more.
            let again = try await clerkA.post(commit, [])
            XCTAssertEqual(again.status, 303)
            XCTAssertEqual(again.header("Location"), "/ledgers/rectification/import")
            let count = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(count, 2)

            // A dry run with an error offers no confirmation.
            let bad = csv.replacingOccurrences(of: "2026-05-31", with: "2026-02-30")
            let refused = try await socketImportResult(clerkA, try await clerkA.postMultipart("/ledgers/rectification/import",
                [("unit", "TA"), ("mode", "dry")], files: [("file", "整改台账.csv", "text/csv", Data(bad.utf8))]))
            XCTAssertFalse(refused.text.contains("/commit\""), "no confirmation after errors")
        }
    }
}
