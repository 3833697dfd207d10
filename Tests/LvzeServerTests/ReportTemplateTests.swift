import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// The principal of a fixture account, as a handler would have it.
func principal(_ app: Application, _ username: String) async throws -> Principal {
    let account = try await user(app, username)
    let found = try await OrgUnit.find(account.$unit.id, on: app.db)
    return Principal(user: account, unit: try XCTUnwrap(found), session: nil, roles: account.roles)
}

/// Report templates and issued reports: what is refused, what is kept, and what the trail says.
final class ReportTemplateTests: XCTestCase {
    func testTheReportSelectionNamesWhatItCouldNotUse() async throws {
        try await withFixture { app, _ in
            let clerkA = try await principal(app, "clerkA")
            let thisYear = LocalDate(app.lvze.clock.now()).year
            let cases: [(name: String, query: String, unit: String, year: Int?, problems: [String])] = [
                ("nothing asked", "", "TA", nil, []),
                ("a village below", "unit=TA-V1&year=2024", "TA-V1", 2024, []),
                ("the other town", "unit=TB", "TA", nil, ["«单位»：「TB」不存在或不在您的管理范围内，已改为甲镇"]),
                ("a year before 2000", "year=1999", "TA", nil, ["«年度»：「1999」不是可选年度"]),
                ("next year", "year=\(thisYear + 1)", "TA", nil, ["«年度»：「\(thisYear + 1)」不是可选年度"]),
                ("a year in words", "year=去年", "TA", nil, ["«年度»：「去年」不是可选年度"]),
                ("an unknown template", "template=999999", "TA", nil, ["«模板»：所选模板不存在，已改用内置默认模板"]),
                ("a template by name", "template=abc", "TA", nil, ["«模板»：所选模板不存在，已改用内置默认模板"]),
            ]
            for c in cases {
                let req = handMadeRequest(app, "/reports?" + c.query.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed)!)
                let s = try await ReportController().selection(req, clerkA)
                XCTAssertEqual(s.problems, c.problems, c.name)
                XCTAssertEqual(s.unit.code, c.unit, c.name)
                XCTAssertEqual(s.year, c.year ?? ReportController.defaultYear(today: LocalDate(app.lvze.clock.now())), c.name)
                XCTAssertEqual(s.templateID == "default", true, c.name)
                XCTAssertEqual(s.templateText, ReportTemplate.defaultText, c.name)
            }
        }
    }

    func testATemplateIsRefusedForEachProblemAndNothingIsSaved() async throws {
        try await withRunningFixture { app, _, port, _ in
            let clerk = SocketBrowser(port: port)
            try await clerk.login("clerk")
            try await clerk.get("/reports/templates/new")
            let first = try await clerk.post("/reports/templates", [("name", "安全专报"), ("body", "%title 安全生产报告\n正文"), ("action", "save")])
            XCTAssertEqual(first.status, 303)
            let cases: [(name: String, templateName: String, body: String, expected: [String])] = [
                ("no name", "  ", "%title 报告\n正文", ["«模板名称»：不能为空"]),
                ("61-character name", String(repeating: "模", count: 61), "%title 报告\n正文", ["«模板名称»：不能超过60个字"]),
                ("no body", "新模板", " \n \n", ["«模板内容»：不能为空", "模板：缺少标题：请用「%title 标题文字」写明报告标题"]),
                ("a name already used", "安全专报", "%title 报告\n正文", ["«模板名称»：已有名为「安全专报」的模板"]),
            ]
            for c in cases {
                try await clerk.get("/reports/templates/new")
                let res = try await clerk.post("/reports/templates", [("name", c.templateName), ("body", c.body), ("action", "save")])
                XCTAssertEqual(res.status, 422, c.name)
                XCTAssertEqual(formErrors(in: res.text), c.expected, c.name)
            }
            let rows = try await ReportTemplateRow.query(on: app.db).all()
            XCTAssertEqual(rows.map(\.name), ["安全专报"])
            let audits = try await AuditEntry.query(on: app.db).filter(\.$objectType == "report_template").all()
            XCTAssertEqual(audits.map(\.action), ["create"])

            // "Preview" never saves, whatever the form holds.
            try await clerk.get("/reports/templates/\(rows[0].id!)")
            let preview = try await clerk.post("/reports/templates/\(rows[0].id!)", [("name", "改名"), ("body", "%title 改\n"), ("action", "preview")])
            XCTAssertEqual(preview.status, 200)
            let unchanged = try await ReportTemplateRow.find(rows[0].id, on: app.db)
            XCTAssertEqual(unchanged?.name, "安全专报")
        }
    }

    func testSavingAgainAuditsBeforeAndAfterAndDeletingKeepsWhatItWas() async throws {
        try await withRunningFixture { app, _, port, _ in
            let clerk = SocketBrowser(port: port)
            try await clerk.login("clerk")
            try await clerk.get("/reports/templates/new")
            _ = try await clerk.post("/reports/templates", [("name", "季度报告"), ("body", "%title 季度报告\r\n第一段\r\n"), ("action", "save")])
            let saved = try await ReportTemplateRow.query(on: app.db).first()
            let row = try XCTUnwrap(saved)
            XCTAssertEqual(row.body, "%title 季度报告\n第一段\n", "Windows line ends are kept as plain new lines")
            XCTAssertEqual(row.updatedBy, "clerk")
            try await clerk.get("/reports/templates/\(row.id!)")
            let again = try await clerk.post("/reports/templates/\(row.id!)", [("name", "季度报告"), ("body", "%title 季度报告\n第二段\n"), ("action", "save")])
            XCTAssertEqual(again.status, 303)
            XCTAssertEqual(again.location, "/reports/templates/\(row.id!)")
            let ids = try await ReportTemplateRow.query(on: app.db).count()
            XCTAssertEqual(ids, 1, "saving under its own name is not a duplicate")
            let update = try await AuditEntry.query(on: app.db).filter(\.$objectType == "report_template").filter(\.$action == "update").first()
            XCTAssertTrue(update?.before?.contains("第一段") == true, update?.before ?? "")
            XCTAssertTrue(update?.after?.contains("第二段") == true, update?.after ?? "")

            // A reviewer reads templates but neither saves nor deletes them.
            let reviewer = SocketBrowser(port: port)
            try await reviewer.login("reviewer")
            try await reviewer.get("/reports/templates/\(row.id!)")
            let refused = try await reviewer.post("/reports/templates/\(row.id!)/delete", [])
            XCTAssertEqual(refused.status, 403)
            let stillThere = try await ReportTemplateRow.find(row.id, on: app.db)
            XCTAssertNotNil(stillThere)

            try await clerk.get("/reports/templates/\(row.id!)")
            let deleted = try await clerk.post("/reports/templates/\(row.id!)/delete", [])
            XCTAssertEqual(deleted.status, 303)
            XCTAssertEqual(deleted.location, "/reports/templates")
            let gone = try await ReportTemplateRow.find(row.id, on: app.db)
            XCTAssertNil(gone)
            let entry = try await AuditEntry.query(on: app.db).filter(\.$objectType == "report_template").filter(\.$action == "delete").first()
            XCTAssertEqual(entry?.summary, "删除报告模板「季度报告」")
            XCTAssertTrue(entry?.before?.contains("第二段") == true)
            let download = try await clerk.get("/reports/templates/\(row.id!)/download")
            XCTAssertEqual(download.status, 404)
        }
    }

    func testUploadedTemplatesAreReadAsUTF8WithTheirFileNames() async throws {
        try await withRunningFixture { app, _, port, _ in
            let leader = SocketBrowser(port: port)
            try await leader.login("leader")
            try await leader.get("/reports/templates")
            let empty = try await leader.postMultipart("/reports/templates/upload", [("name", "")],
                                                       files: [("file", "空.txt", "text/plain", Data())])
            XCTAssertEqual(empty.status, 303)
            XCTAssertEqual(empty.location, "/reports/templates")
            let none = try await ReportTemplateRow.query(on: app.db).count()
            XCTAssertEqual(none, 0)

            var bom = Data([0xEF, 0xBB, 0xBF])
            bom.append(Data("%title 年度报告\r\n一、总体情况\r\n".utf8))
            let res = try await leader.postMultipart("/reports/templates/upload", [("name", " ")],
                                                     files: [("file", "年度报告模板.txt", "text/plain", bom)])
            XCTAssertEqual(res.status, 303)
            let saved = try await ReportTemplateRow.query(on: app.db).first()
            let row = try XCTUnwrap(saved)
            XCTAssertEqual(row.name, "年度报告模板", "the file's name without .txt")
            XCTAssertEqual(row.body, "%title 年度报告\n一、总体情况\n", "no byte-order mark, plain new lines")

            let bad = try await leader.postMultipart("/reports/templates/upload", [("name", "坏模板")],
                                                     files: [("file", "坏.txt", "text/plain", Data("%title 报告\n查出{{safety.hazard.found}}条\n".utf8))])
            XCTAssertEqual(bad.status, 422)
            XCTAssertEqual(formErrors(in: bad.text), ["第2行：未知的指标「safety.hazard.found」，是否为「safety.hazards.found」？"])
            let count = try await ReportTemplateRow.query(on: app.db).count()
            XCTAssertEqual(count, 1)
        }
    }

    func testATemplateWithProblemsCannotBeIssuedAndIssuedReportsStayInScope() async throws {
        try await withRunningFixture { app, f, port, _ in
            // A template saved before a figure was renamed: its placeholder no longer exists.
            let stale = ReportTemplateRow()
            stale.name = "旧模板"
            stale.body = "%title 旧报告\n查出隐患{{safety.hazards.old_count}}条\n"
            stale.unitID = f.dist.id
            stale.updatedBy = "clerk"
            stale.updatedAt = Date()
            try await stale.create(on: app.db)
            let leader = SocketBrowser(port: port)
            try await leader.login("leader")
            try await leader.get("/reports?unit=DIST&year=2025&template=\(stale.id!)")
            let refused = try await leader.post("/reports/issue?unit=DIST&year=2025&template=\(stale.id!)", [])
            XCTAssertEqual(refused.status, 303)
            XCTAssertTrue(refused.location.hasPrefix("/reports?"), refused.location)
            let none = try await ReportSnapshot.query(on: app.db).count()
            XCTAssertEqual(none, 0)

            try await leader.get("/reports?unit=TA&year=2025")
            let issued = try await leader.post("/reports/issue?unit=TA&year=2025", [])
            XCTAssertEqual(issued.status, 303)
            let first = try await ReportSnapshot.query(on: app.db).first()
            let snap = try XCTUnwrap(first)
            XCTAssertEqual(issued.location, "/reports/snapshots/\(snap.id!)")
            XCTAssertEqual(snap.$unit.id, f.townA.id)
            let reports = try await AuditEntry.query(on: app.db).filter(\.$action == "report").count()
            XCTAssertEqual(reports, 1)

            let visits: [(username: String, status: Int)] = [("clerkA", 200), ("clerk", 200), ("clerkB", 404), ("reviewerB", 404)]
            for v in visits {
                let b = SocketBrowser(port: port)
                try await b.login(v.username)
                let page = try await b.get("/reports/snapshots/\(snap.id!)")
                XCTAssertEqual(page.status, v.status, v.username)
                let download = try await b.get("/reports/snapshots/\(snap.id!)/download")
                XCTAssertEqual(download.status, v.status, "\(v.username) download")
                let list = try await b.get("/reports/snapshots")
                XCTAssertEqual(list.text.contains("/reports/snapshots/\(snap.id!)\""), v.status == 200, "\(v.username) list")
            }
        }
    }

    func testADrillDownShowsOnlyTheRecordsInTheAskersScope() async throws {
        try await withFixture { app, _ in
            let token = try await apiToken(app, "clerk")
            func hazard(_ unit: String, _ description: String) async throws -> Int {
                try await MetricTests.create(app, token, "hazard", unit, ["source": "检查发现", "found_on": "2025-05-01",
                                                                         "description": description, "level": "一般隐患", "deadline": "2025-12-01"])
            }
            let inA = try await hazard("TA-V1", "甲村配电箱未接地")
            let inB = try await hazard("TB-V1", "乙村灭火器过期")
            let cases: [(username: String, query: String, shown: [Int], hidden: [Int], problem: String?)] = [
                ("clerk", "unit=DIST", [inA, inB], [], nil),
                ("clerk", "unit=TB", [inB], [inA], nil),
                ("clerkA", "unit=TA", [inA], [inB], nil),
                ("clerkA", "unit=TB", [inA], [inB], "«单位»：「TB」不存在或不在您的管理范围内，已改为甲镇"),
            ]
            for c in cases {
                let browser = try await Browser.signedIn(app, c.username)
                let page = try await browser.get("/reports/drill?metric=safety.hazards.found&year=2025&\(c.query)")
                XCTAssertEqual(page.status, .ok, "\(c.username) \(c.query)")
                let body = page.body.string
                for id in c.shown { XCTAssertTrue(body.contains("/ledgers/hazard/\(id)\""), "\(c.username) \(c.query) shows #\(id)") }
                for id in c.hidden { XCTAssertFalse(body.contains("/ledgers/hazard/\(id)\""), "\(c.username) \(c.query) hides #\(id)") }
                if let problem = c.problem { XCTAssertTrue(body.contains(problem), "\(c.username) \(c.query)") }
            }
            let clerk = try await Browser.signedIn(app, "clerk")
            let unknown = try await clerk.get("/reports/drill?metric=safety.no_such_figure")
            XCTAssertEqual(unknown.status, .notFound)
            XCTAssertEqual(unknown.body.string.slice(after: "</h1>\n  <p>", before: "</p>"), "没有编号为「safety.no_such_figure」的指标")
        }
    }
}
