import Fluent
import Foundation
import LvzeCore
@testable import LvzeDemo
@testable import LvzeServer
import SQLKit
import XCTest
import XCTVapor
import ZIPFoundation

/// The annual report: every figure from the records and equal to its drill-down, claims
/// checked, issued reports frozen, templates checked by line, dashboards scoped by role.
final class ReportTests: XCTestCase {
    func testDemoReportHasEveryFigureAndEachEqualsItsDrillDown() async throws {
        let app = try await makeTestApp()
        do {
            _ = try await loadDemoIfEmpty(app)
            let root = try await OrgUnit.query(on: app.db).filter(\.$code == "DEMO").first()!
            let year = LocalDate(app.lvze.clock.now()).year - 1
            let report = try await ReportBuilder(app: app, unit: root, year: year, templateText: ReportTemplate.defaultText).build()
            XCTAssertEqual(report.problems, [])
            // Last year is complete in the demo: every figure has data and every claim holds.
            XCTAssertEqual(report.attention, [])
            let json = try JSONSerialization.jsonObject(with: try report.json()) as! [String: Any]
            let listed = (json["metrics"] as! [[String: Any]]).map { $0["id"] as! String }
            XCTAssertTrue(Set(listed).isSuperset(of: report.template.metricIDs))
            XCTAssertGreaterThanOrEqual(report.template.metricIDs.count, 94)

            let evaluator = MetricEvaluator(db: app.db, kinds: app.lvze.catalogue.catalogue, metrics: report.metrics, scope: root.unitPath,
                                            year: year, settings: report.settings)
            var checked = 0
            for metric in report.metrics.metrics {
                guard let q = evaluator.query(metric), let value = report.values[metric.id]?.number else { continue }
                let rows = try await drillDownRows(app, q, scope: root.unitPath)
                let fields = rows.map { FieldJSON.decode($0.data, kind: q.kind) }
                let number = fieldNumber
                switch metric.aggregate {
                case .count:
                    XCTAssertEqual(Decimal(rows.count), value, metric.id)
                case .sum(let ids):
                    let sum = fields.reduce(Decimal(0)) { total, f in ids.reduce(total) { $0 + number(f[$1]) } }
                    XCTAssertEqual(MetricFormat.round(sum, decimals: 2), MetricFormat.round(value, decimals: 2), metric.id)
                case .distinct(let f):
                    let distinct = Set(fields.compactMap { v -> String? in
                        switch v[f] {
                        case .text(let t): return t.trimmingCharacters(in: .whitespaces)
                        case .reference(let id): return String(id)
                        default: return nil
                        }
                    }.filter { !$0.isEmpty })
                    XCTAssertEqual(Decimal(distinct.count), value, metric.id)
                default:
                    XCTAssertFalse(rows.isEmpty, metric.id)
                }
                checked += 1
            }
            XCTAssertGreaterThan(checked, 80)

            // The drill-down page says the same number as the report.
            let browser = Browser(app)
            try await browser.login("lingdao", DemoDistrict.password)
            let found = report.values["safety.hazards.found"]!.number!
            let page = try await browser.get("/reports/drill?metric=safety.hazards.found&unit=DEMO&year=\(year)")
            XCTAssertEqual(page.status, .ok)
            XCTAssertTrue(page.body.string.contains("共\(found)条记录，即这一数值"), page.body.string)
            let export = try await browser.get("/reports/drill/export?metric=safety.hazards.found&unit=DEMO&year=\(year)")
            XCTAssertEqual(export.status, .ok)
            XCTAssertEqual(Array(Data(buffer: export.body).prefix(2)), Array("PK".utf8))
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    func testTheReportPageOpensOnTheYearBeingDrafted() {
        let cases: [(String, Int)] = [("2026-01-05", 2025), ("2026-09-30", 2025), ("2026-10-01", 2026), ("2026-12-31", 2026)]
        for (day, year) in cases {
            XCTAssertEqual(ReportController.defaultYear(today: LocalDate.parse(day)!), year, day)
        }
    }

    func testUnsupportedClaimIsFlaggedInThePageAndTheFiles() async throws {
        try await withFixture { app, f in
            let clerk = try await apiToken(app, "clerk")
            try await MetricTests.create(app, clerk, "accident", "TA", ["occurred_on": "2025-03-01", "name": "某厂爆炸事故", "deaths": 3,
                                                                         "serious_injuries": 0, "direct_loss": 100_000])
            let leader = try await Browser.signedIn(app, "leader")
            let page = try await leader.get("/reports?unit=DIST&year=2025")
            XCTAssertEqual(page.status, .ok)
            let body = page.body.string
            XCTAssertTrue(body.contains("class=\"claim-problem\""))
            XCTAssertTrue(body.contains("未发生较大及以上生产安全事故"))
            XCTAssertTrue(body.contains("记录显示本年度发生了1起较大及以上生产安全事故"))
            // Ledgers the district never kept show as no data, never as 0.
            XCTAssertTrue(body.contains("【无数据】"))
            XCTAssertTrue(body.contains("「党员干部教育现场教学点」无数据"))

            let json = try await leader.get("/reports/download?unit=DIST&year=2025&format=json")
            let object = try JSONSerialization.jsonObject(with: Data(buffer: json.body)) as! [String: Any]
            let claim = (object["claims"] as! [[String: Any]]).first { $0["id"] as? String == "safety.accidents.no_major" }!
            XCTAssertEqual(claim["supported"] as? Bool, false)
            let count = (object["metrics"] as! [[String: Any]]).first { $0["id"] as? String == "safety.accidents.count" }!
            XCTAssertEqual((count["value"] as? NSNumber)?.intValue, 1)
            let teaching = (object["metrics"] as! [[String: Any]]).first { $0["id"] as? String == "party.teaching_sites.count" }!
            XCTAssertTrue(teaching["value"] is NSNull)

            let token = try await apiToken(app, "leader")
            let api = try await send(app, .GET, "/api/v1/report?unit=DIST&year=2025", token: token)
            XCTAssertEqual(api.status, .ok)
            XCTAssertEqual(((jsonObject(api)["claims"] as? [[String: Any]])?.first { $0["id"] as? String == "safety.accidents.no_major" })?["supported"] as? Bool, false)
            let outside = try await send(app, .GET, "/api/v1/report?unit=NOPE&year=2025", token: token)
            XCTAssertEqual(outside.status, .badRequest)
            XCTAssertTrue(outside.body.string.contains("不存在或不在您的管理范围内"))
            let docx = try await leader.get("/reports/download?unit=DIST&year=2025&format=docx")
            XCTAssertEqual(docx.status, .ok)
            let archive = try Archive(data: Data(buffer: docx.body), accessMode: .read)
            var xml = Data()
            _ = try archive.extract(archive["word/document.xml"]!) { xml.append($0) }
            let text = String(decoding: xml, as: UTF8.self)
            XCTAssertTrue(text.contains("未发生较大及以上生产安全事故"))
            XCTAssertTrue(text.contains("FF0000"), "the unsupported claim is marked in the Word file")
            let actions = try await auditActions(app)
            XCTAssertTrue(actions.contains("export"))
        }
    }

    func testIssuedReportDoesNotMoveWhenRecordsChange() async throws {
        try await withFixture { app, f in
            let clerk = try await apiToken(app, "clerk")
            func hazard(_ n: Int) async throws {
                try await MetricTests.create(app, clerk, "hazard", "TA", ["source": "检查发现", "found_on": "2025-05-0\(n)",
                                                                           "description": "隐患\(n)", "level": "一般隐患", "deadline": "2025-12-01"])
            }
            try await hazard(1)
            try await hazard(2)
            let clerkPage = try await Browser.signedIn(app, "clerk")
            try await clerkPage.get("/reports?unit=DIST&year=2025")
            let refused = try await clerkPage.post("/reports/issue?unit=DIST&year=2025", [:])
            XCTAssertEqual(refused.status, .forbidden, "only the leader issues")

            let leader = try await Browser.signedIn(app, "leader")
            try await leader.get("/reports?unit=DIST&year=2025")
            let issued = try await leader.post("/reports/issue?unit=DIST&year=2025", [:])
            XCTAssertEqual(issued.status, .seeOther)
            let snap = try await ReportSnapshot.query(on: app.db).first()!
            XCTAssertEqual(issued.location, "/reports/snapshots/\(snap.id!)")
            let frozen = ReportSnapshots.decodeValues(snap.metricValues)
            XCTAssertEqual(frozen["safety.hazards.found"], .number(2))
            XCTAssertEqual(ReportSnapshots.decodeIDs(snap.recordIDs)["safety.hazards.found"]?.count, 2)
            let quiet = try await leader.get("/reports/snapshots/\(snap.id!)")
            XCTAssertTrue(quiet.body.string.contains("校验一致"))
            XCTAssertTrue(quiet.body.string.contains("都没有变化"))

            // A record added afterwards moves the figure now, not the issued report.
            try await hazard(3)
            let moved = try await leader.get("/reports/snapshots/\(snap.id!)")
            let body = moved.body.string
            XCTAssertTrue(body.contains("safety.hazards.found"))
            XCTAssertTrue(body.contains("<td class=\"num\">2</td><td class=\"num\">3</td><td class=\"num\">+1</td>"), body)
            let again = try await ReportSnapshot.find(snap.id, on: app.db)!
            XCTAssertEqual(again.metricValues, snap.metricValues)
            XCTAssertEqual(again.sha256, snap.sha256)
            XCTAssertTrue(body.contains("校验一致"))
            // The database refuses to change an issued report.
            do {
                try await app.db.sql.raw("UPDATE report_snapshots SET title = 'x' WHERE id = \(bind: snap.id!)").run()
                XCTFail("an issued report must not be updatable")
            } catch {}
            let docx = try await leader.get("/reports/snapshots/\(snap.id!)/download")
            XCTAssertEqual(docx.status, .ok)
            let actions = try await auditActions(app)
            XCTAssertTrue(actions.contains("report"))
        }
    }

    func testTemplatesAreCheckedLineByLineAndNothingBadIsSaved() async throws {
        try await withFixture { app, _ in
            let clerk = try await Browser.signedIn(app, "clerk")
            try await clerk.get("/reports/templates/new")
            let bad = try await clerk.post("/reports/templates", ["name": "安全专报", "action": "save",
                                                                   "body": "%title {{district.name}}安全生产报告\n查出隐患{{safety.hazard.found}}条\n整改{{safety.hazards.rectified 条"])
            XCTAssertEqual(bad.status, .unprocessableEntity)
            let text = bad.body.string
            XCTAssertTrue(text.contains("第2行"), text)
            XCTAssertTrue(text.contains("safety.hazards.found"), "suggests the close id")
            XCTAssertTrue(text.contains("第3行"))
            let none = try await ReportTemplateRow.query(on: app.db).count()
            XCTAssertEqual(none, 0)

            let good = try await clerk.post("/reports/templates", ["name": "安全专报", "action": "save",
                                                                    "body": "%title 安全生产报告\n%set district.name = 测试区\n查出隐患{{safety.hazards.found}}条，{{claim:safety.accidents.no_major}}。"])
            XCTAssertEqual(good.status, .seeOther)
            let row = try await ReportTemplateRow.query(on: app.db).first()!
            let download = try await clerk.get("/reports/templates/\(row.id!)/download")
            XCTAssertTrue(download.body.string.contains("查出隐患{{safety.hazards.found}}条"))
            let builtIn = try await clerk.get("/reports/templates/default/download")
            XCTAssertEqual(builtIn.body.string, ReportTemplate.defaultText)
            // The list of templates renders, with the saved one.
            let list = try await clerk.get("/reports/templates")
            XCTAssertEqual(list.status, .ok)
            XCTAssertTrue(list.body.string.contains("安全专报"))
            XCTAssertTrue(list.body.string.contains("以此新建"))
            let upload = try await clerk.postMultipart("/reports/templates/upload", ["name": "GBK"],
                                                       files: [("file", "gbk.txt", Data([0xB0, 0xB2, 0xC8, 0xAB, 0xFF]))])
            XCTAssertEqual(upload.status, .seeOther)
            let after = try await clerk.get("/reports/templates")
            XCTAssertTrue(after.body.string.contains("不是 UTF-8 编码的文本文件"))
            let preview = try await clerk.post("/reports/templates/preview", ["body": "%title 报告\n共{{safety.hazards.found}}条"])
            XCTAssertTrue(preview.body.string.contains("模板检查通过"))
            XCTAssertTrue(preview.body.string.contains("<code>{{safety.hazards.found}}</code>"))
            // The report page can use the saved template.
            let page = try await clerk.get("/reports?unit=DIST&year=2025&template=\(row.id!)")
            XCTAssertTrue(page.body.string.contains("安全生产报告"))
        }
    }

    func testDisciplineDetailStaysWithTheDisciplineRole() async throws {
        try await withFixture { app, _ in
            let jijian = try await apiToken(app, "jijian")
            try await MetricTests.create(app, jijian, "discipline_action", "TA", ["decided_on": "2025-04-01", "person_name": "王某",
                                                                                   "form": "第二种形态", "measure": "党内警告"])
            let leader = try await Browser.signedIn(app, "leader")
            let page = try await leader.get("/reports/drill?metric=integrity.four_forms.total&unit=DIST&year=2025")
            XCTAssertEqual(page.status, .ok)
            XCTAssertTrue(page.body.string.contains("明细记录只有"))
            XCTAssertFalse(page.body.string.contains("王某"))
            let export = try await leader.get("/reports/drill/export?metric=integrity.four_forms.total&unit=DIST&year=2025")
            XCTAssertEqual(export.status, .notFound)
            let board = try await leader.get("/dashboards/integrity?year=2025")
            XCTAssertFalse(board.body.string.contains("四种形态”（人次）"))

            let discipline = try await Browser.signedIn(app, "jijian")
            let shown = try await discipline.get("/reports/drill?metric=integrity.four_forms.total&unit=DIST&year=2025")
            XCTAssertTrue(shown.body.string.contains("王某"))
            let chart = try await discipline.get("/dashboards/integrity?year=2025")
            XCTAssertTrue(chart.body.string.contains("四种形态”（人次）"))
            XCTAssertTrue(chart.body.string.contains("<svg"))
        }
    }

    func testDashboardFollowsNewRecords() async throws {
        try await withFixture { app, _ in
            let clerk = try await apiToken(app, "clerk")
            let leader = try await Browser.signedIn(app, "leader")
            let year = LocalDate(app.lvze.clock.now()).year
            func hazard(_ day: String) async throws {
                try await MetricTests.create(app, clerk, "hazard", "TA", ["source": "检查发现", "found_on": day, "description": "隐患",
                                                                           "level": "一般隐患", "deadline": "\(year)-12-31"])
            }
            try await hazard("\(year)-01-05")
            let first = try await leader.get("/dashboards/safety")
            XCTAssertEqual(first.status, .ok)
            XCTAssertTrue(first.body.string.contains("查出隐患</span><span class=\"kpi-value\">1<small>条</small>"), first.body.string)
            try await hazard("\(year)-01-06")
            let second = try await leader.get("/dashboards/safety")
            XCTAssertTrue(second.body.string.contains("查出隐患</span><span class=\"kpi-value\">2<small>条</small>"))
            XCTAssertTrue(second.body.string.contains("隐患排查和销号（按月）"))
            let missing = try await leader.get("/dashboards/nothing")
            XCTAssertEqual(missing.status, .notFound)
        }
    }
}
