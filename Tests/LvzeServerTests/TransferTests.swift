import Fluent
import LvzeCore
import LvzeOffice
@testable import LvzeServer
import XCTest
import XCTVapor

func fixture(_ name: String) throws -> Data {
    guard let url = Bundle.module.url(forResource: name, withExtension: nil, subdirectory: "Fixtures") else {
        throw XCTSkip("fixture \(name) missing")
    }
    return try Data(contentsOf: url)
}

/// Follows an import to its job page and waits until the job is done.
func importResult(_ browser: Browser, _ res: XCTHTTPResponse) async throws -> XCTHTTPResponse {
    guard res.status == .seeOther else { return res }
    for _ in 0..<200 {
        let page = try await browser.get(res.location)
        if page.headers.first(name: "Refresh") == nil { return page }
        try await Task.sleep(nanoseconds: 20_000_000)
    }
    XCTFail("import did not finish")
    return res
}

/// Import and export with real files written by openpyxl (see Fixtures/make_fixtures.py).
final class TransferTests: XCTestCase {
    func testImportReadsRealLedgerFile() async throws {
        try await withFixture { app, f in
            let clerk = try await Browser.signedIn(app, "clerkA")
            try await clerk.get("/ledgers/rectification/import")
            let data = try fixture("rectification-good.xlsx")
            // Dry run: nothing saved, every row shown as importable.
            let dry = try await importResult(clerk, try await clerk.postMultipart("/ledgers/rectification/import", ["unit": "TA", "mode": "dry"],
                                                    files: [("file", "整改台账.xlsx", data)]))
            XCTAssertEqual(dry.status, .ok, dry.body.string)
            XCTAssertTrue(dry.body.string.contains("表头在第3行；可导入4条，跳过空行和合计行1行"), dry.body.string)
            let count = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(count, 0)
            let done = try await importResult(clerk, try await clerk.postMultipart("/ledgers/rectification/import", ["unit": "TA", "mode": "commit"],
                                                     files: [("file", "整改台账.xlsx", data)]))
            XCTAssertTrue(done.body.string.contains("已导入4条记录"), done.body.string)
            let records = try await LedgerRecord.query(on: app.db).sort(\.$id).all()
            XCTAssertEqual(records.map(\.title), ["村务公开不及时", "河道垃圾未清理", "会议记录不规范", "学习不够深入"])
            XCTAssertEqual(records.map(\.recordDate), ["2025-03-05", "2025-03-06", "2025-03-07", "2025-04-01"])
            XCTAssertEqual(records.map(\.dueDate), ["2025-06-30", "2025-07-31", "2025-09-30", "2025-12-31"])
            XCTAssertEqual(records.map(\.progress), [0, 50, 100, 20])
            XCTAssertEqual(records.map { $0.$unit.id }, [f.villageA.id, f.townA.id, f.townA.id, f.townA.id])
            XCTAssertEqual(records[1].status, "in_progress")
            let kind = app.lvze.catalogue["rectification"]!
            XCTAssertEqual(records[1].values(for: kind)["responsible_person"], .text("李四"))
            let v1 = try await RecordEvent.query(on: app.db).filter(\.$action == "import").count()
            XCTAssertEqual(v1, 4)
            let v2 = try await auditActions(app).contains("create")
            XCTAssertTrue(v2)
        }
    }

    func testImportWithAnyErrorImportsNothingAndNamesEveryProblem() async throws {
        try await withFixture { app, _ in
            let clerk = try await Browser.signedIn(app, "clerkA")
            try await clerk.get("/ledgers/rectification/import")
            let res = try await importResult(clerk, try await clerk.postMultipart("/ledgers/rectification/import", ["unit": "TA", "mode": "commit"],
                                                    files: [("file", "有错误.xlsx", try fixture("rectification-errors.xlsx"))]))
            XCTAssertEqual(res.status, .unprocessableEntity)
            let body = res.body.string
            for message in ["第5行 «问题来源»：「传闻」不是可选值", "第5行 «具体问题表述»：不能为空", "第5行 «责任单位»：「乙镇」不存在或不在您的管理范围内",
                            "第5行 «发现时间»：「2025/2/30」不是有效日期", "第5行 «整改进展»：不能大于100",
                            "第6行 «责任单位»：「不存在的村」不存在", "第6行 «整改时限（整改时限）»"] .dropLast() {
                XCTAssertTrue(body.contains(message), message)
            }
            XCTAssertTrue(body.contains("第6行 «整改时限»：不能早于发现日期"), body)
            XCTAssertTrue(body.contains("本次没有导入任何记录"))
            let count = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(count, 0, "all or nothing")
        }
    }

    func testAProblemAfterManyWrittenRowsImportsNothing() async throws {
        try await withFixture { app, _ in
            // setup: more rows than one batch, the only problem in the last one
            let clerk = try await Browser.signedIn(app, "clerk")
            try await clerk.get("/ledgers/hazard/import")
            var csv = "排查时间,隐患描述,隐患等级,整改期限,责任单位\n"
            for i in 1...(2 * RecordBulkInsert.batchSize + 500) {
                csv += "2025-05-01,隐患\(i),\(i % 7 == 0 ? "重大隐患" : "一般"),2025-06-01,\(i % 2 == 0 ? "TA" : "TB-V1")\n"
            }
            let bad = csv + "2025-05-02,最后一条,特大,2025-06-01,TA\n"
            // act
            let refused = try await importResult(clerk, try await clerk.postMultipart("/ledgers/hazard/import", ["unit": "TA", "mode": "commit"],
                                                                                        files: [("file", "隐患.csv", Data(bad.utf8))]))
            // check: the batches already written were rolled back with the rest
            XCTAssertEqual(refused.status, .unprocessableEntity)
            XCTAssertTrue(refused.body.string.contains("第2502行 «隐患等级»：「特大」不是可选值"), refused.body.string)
            let none = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(none, 0, "all or nothing")
            let noEvents = try await RecordEvent.query(on: app.db).count()
            XCTAssertEqual(noEvents, 0)
            // The file without that row imports whole, with its history, audit entry and filter columns.
            let done = try await importResult(clerk, try await clerk.postMultipart("/ledgers/hazard/import", ["unit": "TA", "mode": "commit"],
                                                                                     files: [("file", "隐患.csv", Data(csv.utf8))]))
            XCTAssertTrue(done.body.string.contains("已导入2500条记录"), done.body.string)
            let count = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(count, 2_500)
            let events = try await RecordEvent.query(on: app.db).filter(\.$action == "import").count()
            XCTAssertEqual(events, 2_500)
            let majors = try await LedgerRecord.query(on: app.db).filter(\.$f2 == "重大隐患").count()
            XCTAssertEqual(majors, 2_500 / 7)
            let audits = try await AuditEntry.query(on: app.db).filter(\.$summary == "从「隐患.csv」导入「隐患排查治理台账」2500条记录").count()
            XCTAssertEqual(audits, 1)
        }
    }

    func testImportGB18030CSVAndRefusesBrokenFiles() async throws {
        try await withFixture { app, _ in
            let clerk = try await Browser.signedIn(app, "clerk")
            try await clerk.get("/ledgers/rectification/import")
            let csv = try await importResult(clerk, try await clerk.postMultipart("/ledgers/rectification/import", ["unit": "TA", "mode": "commit"],
                                                    files: [("file", "台账.csv", try fixture("rectification-gb18030.csv"))]))
            XCTAssertTrue(csv.body.string.contains("已导入2条记录"), csv.body.string)
            let broken = try await importResult(clerk, try await clerk.postMultipart("/ledgers/rectification/import", ["unit": "TA", "mode": "dry"],
                                                       files: [("file", "坏文件.xlsx", Data("PK\u{3}\u{4}garbage".utf8))]))
            XCTAssertEqual(broken.status, .unprocessableEntity)
            XCTAssertTrue(broken.body.string.contains("«文件»"), broken.body.string)
            let noHeader = try await importResult(clerk, try await clerk.postMultipart("/ledgers/rectification/import", ["unit": "TA", "mode": "dry"],
                                                         files: [("file", "无表头.csv", Data("甲,乙\n1,2\n".utf8))]))
            XCTAssertTrue(noHeader.body.string.contains("找不到表头"))
        }
    }

    func testMoneyInTheOtherScaleIsConvertedAndOtherUnitsAreRefused() async throws {
        try await withFixture { app, _ in
            let clerk = try await Browser.signedIn(app, "clerk")
            try await clerk.get("/ledgers/hazard/import")
            // 整改资金 is kept in 万元; this sheet writes 元. No 问题来源 column: the default applies.
            let csv = "排查时间,隐患描述,隐患等级,整改期限,整改资金（元）\n2025-05-01,配电房无防鼠板,一般,2025-06-01,15000\n"
            let done = try await importResult(clerk, try await clerk.postMultipart("/ledgers/hazard/import", ["unit": "TA", "mode": "commit"],
                                                                                     files: [("file", "隐患.csv", Data(csv.utf8))]))
            XCTAssertTrue(done.body.string.contains("已导入1条记录"), done.body.string)
            let record = try await LedgerRecord.query(on: app.db).first()
            XCTAssertEqual(record?.amount, 1.5)
            let kind = app.lvze.catalogue["hazard"]!
            XCTAssertEqual(record?.values(for: kind)["source"], .text("检查发现"))
            XCTAssertEqual(record?.values(for: kind)["level"], .text("一般隐患"))
            let area = "排查时间,隐患描述,隐患等级,整改期限,整改资金（美元）\n2025-05-01,x,一般,2025-06-01,1\n"
            let refused = try await importResult(clerk, try await clerk.postMultipart("/ledgers/hazard/import", ["unit": "TA", "mode": "dry"],
                                                                                        files: [("file", "隐患.csv", Data(area.utf8))]))
            XCTAssertTrue(refused.body.string.contains("单位是美元"), refused.body.string)
        }
    }

    func testExportReadsBackWithTheSameValues() async throws {
        try await withFixture { app, _ in
            let clerk = try await Browser.signedIn(app, "clerk")
            try await clerk.get("/ledgers/hazard/new")
            for (i, desc) in ["=HYPERLINK(\"http://x\")", "配电房无防鼠板", "消防通道堵塞"].enumerated() {
                let res = try await clerk.postMultipart("/ledgers/hazard", [
                    "unit": "TA-V1", "f_found_on": "2025-05-0\(i + 1)", "f_description": desc, "f_level": "一般隐患",
                    "f_source": "检查发现", "f_deadline": "2025-08-01", "f_funds": "1.25"])
                XCTAssertEqual(res.status, .seeOther, res.body.string)
            }
            let xlsx = try await clerk.get("/ledgers/hazard/export?format=xlsx&f_found_on_from=2025-05-02")
            XCTAssertEqual(xlsx.status, .ok)
            XCTAssertTrue(xlsx.headers.first(name: .contentDisposition)?.contains("attachment") ?? false)
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("export-\(UUID().uuidString).xlsx")
            try Data(buffer: xlsx.body).write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            var rows: [SpreadsheetRow] = []
            try XLSXReader(url: url).forEachRow { rows.append($0) }
            XCTAssertEqual(rows.count, 3, "header and the two filtered records")
            XCTAssertEqual(rows[0].text(1), "责任单位")
            XCTAssertTrue(rows[0].texts.contains("整改资金（万元）"))
            let found = rows[0].texts.firstIndex(of: "排查时间")!
            XCTAssertEqual(rows[1][found]?.date, LocalDate(year: 2025, month: 5, day: 3))
            XCTAssertTrue(rows[1][found]?.isDateFormatted ?? false, "a real date cell")
            let funds = rows[0].texts.firstIndex(of: "整改资金（万元）")!
            XCTAssertEqual(rows[1][funds]?.number, 1.25)
            let csv = try await clerk.get("/ledgers/hazard/export?format=csv")
            XCTAssertTrue(csv.body.string.hasPrefix("\u{FEFF}"))
            XCTAssertTrue(csv.body.string.contains("'=HYPERLINK"), "formula neutralised")
            let v3 = try await AuditEntry.query(on: app.db).filter(\.$action == "export").count()
            XCTAssertEqual(v3, 2)
        }
    }
}
