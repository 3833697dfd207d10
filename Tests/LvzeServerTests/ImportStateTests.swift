import Fluent
import Foundation
import LvzeCore
import LvzeOffice
@testable import LvzeServer
import SQLKit
import XCTest
import XCTVapor

/// A historical ledger imported with its states: closed items stay closed with their dates,
/// open and sent-back items come in as such, the history says what the sheet said, and every
/// column of the sheet is accounted for.
final class ImportStateTests: XCTestCase {
    static let header = "序号,排查时间,隐患描述,隐患等级,整改时限,是否销号,销号日期,整改进展,状态,延期次数,备注,天气"

    /// Imports `csv` as hazards of 甲镇 (written by clerkA unless `dryRun`).
    func importHazards(_ app: Application, _ csv: String, name: String = "隐患台账.csv", dryRun: Bool = false,
                       keepExtra: Bool = false) async throws -> LedgerImporter.Report {
        let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("import-state-\(UUID().uuidString).csv")
        try Data(csv.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let town = try await OrgUnit.query(on: app.db).filter(\.$code == "TA").first()!
        var importer = LedgerImporter(kind: kind, db: app.db, scope: town.unitPath, defaultUnit: town, readers: app.threadPool)
        importer.options.keepExtra = keepExtra
        let writer = dryRun ? nil : try await recordService(app, "clerkA")
        return try await importer.run(try LedgerImporter.open(url, name: name), fileName: name, writer: writer)
    }

    func testClosedOpenRequestedAndSentBackItemsKeepTheirStatesAndDates() async throws {
        try await withFixture { app, f in
            let csv = Self.header + "\n" + [
                "1,2025-03-05,配电箱未接地,一般隐患,2025-04-30,是,2025年11月3日,,,,已复查,晴",
                "2,2025/6/1,灭火器过期,一般隐患,2025-12-31,否,,60%,,,,阴",
                "3,2025.7.2,消防通道堵塞,一般隐患,2025-09-30,,,80,退回,1,,雨",
                "4,2025-08-01,仓库电线老化,重大隐患,2026-06-30,,,100%,申请销号,,,",
                "5,2025-09-01,安全出口指示灯损坏,一般隐患,2026-03-31,,,,,2,,",
                "6,2025-10-01,楼梯扶手松动,一般隐患,2026-01-31,已完成,2026-01-05,,,,,",
            ].joined(separator: "\n") + "\n"
            let dry = try await importHazards(app, csv, dryRun: true)
            XCTAssertEqual(dry.errors, [])
            XCTAssertEqual(dry.states.map { "\($0.state)\($0.count)" }, ["待整改1", "整改中2", "申请销号1", "已销号2", "其中销号申请被退回1"])
            // Every column of the sheet is named: where it goes, or not imported.
            XCTAssertEqual(dry.sheetColumns.map(\.header), Self.header.split(separator: ",").map(String.init))
            XCTAssertEqual(dry.sheetColumns.filter { !$0.imported }.map(\.header), ["序号", "天气"])
            XCTAssertEqual(dry.sheetColumns.first { $0.header == "是否销号" }?.target, "整改状态")
            XCTAssertEqual(dry.sheetColumns.first { $0.header == "备注" }?.target, "备注")
            XCTAssertEqual(dry.unimported, 2)
            let none = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(none, 0)

            let report = try await importHazards(app, csv)
            XCTAssertEqual(report.errors, [])
            XCTAssertEqual(report.committed, 6)
            let records = try await LedgerRecord.query(on: app.db).filter(\.$kind == "hazard").sort(\.$id).all()
            XCTAssertEqual(records.map(\.status), ["closed", "in_progress", "in_progress", "closure_requested", "pending", "closed"])
            XCTAssertEqual(records.map(\.closedOn), ["2025-11-03", nil, nil, nil, nil, "2026-01-05"])
            XCTAssertEqual(records.map(\.progress), [100, 60, 80, 100, nil, 100])
            XCTAssertEqual(records.map(\.awaiting), ["", "", "returned", "review", "", ""])
            XCTAssertEqual(records.map(\.behindOn).map { $0 == nil }, [true, false, false, true, false, true])
            XCTAssertEqual(records.map { WorkflowData.decode($0.workflow).extensions }, [0, 0, 1, 0, 2, 0])
            let clerk = try await User.query(on: app.db).filter(\.$username == "clerkA").first()!
            XCTAssertEqual(WorkflowData.decode(records[3].workflow).closure?.requester, clerk.id)
            let kind = app.lvze.catalogue["hazard"]!
            XCTAssertEqual(records[0].values(for: kind)["note"], .text("已复查"))

            // One 「导入」 line each, stating the sheet's state and where it came from.
            let events = try await RecordEvent.query(on: app.db).filter(\.$action == "import").sort(\.$recordID).all()
            XCTAssertEqual(events.map(\.recordID), records.map(\.id))
            XCTAssertEqual(events[0].note, "导入自「隐患台账.csv」第2行。表中状态：已销号（销号日期2025-11-03）（按原表记载，非本系统审批）")
            XCTAssertEqual(events[2].note, "导入自「隐患台账.csv」第4行。表中状态：整改中（进展80%，销号申请被退回）；延期1次（按原表记载，非本系统审批）")
            XCTAssertEqual(events[4].note, "导入自「隐患台账.csv」第6行。表中未写状态，按待整改导入；延期2次（按原表记载，非本系统审批）")
            let audit = try await AuditEntry.query(on: app.db).sort(\.$seq, .descending).first()
            XCTAssertEqual(audit?.summary, "从「隐患台账.csv」导入「隐患排查治理台账」6条记录（待整改1条，整改中2条，申请销号1条，已销号2条，其中销号申请被退回1条，按原表记载）")

            // 2025's report counts what the sheet says: closed by 31 December is one; the item
            // closed on 2026-01-05 was found in 2025 but not yet closed then.
            let figures = try await MetricTests.evaluate(app, f.townA, 2025, ["safety.hazards.found", "safety.hazards.rectified"])
            XCTAssertEqual(figures["safety.hazards.found"], "6")
            XCTAssertEqual(figures["safety.hazards.rectified"], "1")
        }
    }

    func testStatesThatCannotBeTrueAreNamedByRowAndColumn() async throws {
        try await withFixture { app, _ in
            let cases: [(row: String, expected: String)] = [
                ("1,2025-03-05,配电箱未接地,一般隐患,2025-04-30,是,,,,,,", "第2行 «是否销号»：已销号的事项须填写销号日期"),
                ("1,2025-03-05,配电箱未接地,一般隐患,2025-04-30,是,2025-02-01,,,,,", "第2行 «销号日期»：销号日期2025-02-01早于发现日期2025-03-05"),
                ("1,2025-03-05,配电箱未接地,一般隐患,2025-04-30,是,,,整改中,,,", "第2行 «状态»：与«是否销号»矛盾：一处为已完成或已销号，一处为未完成"),
                ("1,2025-03-05,配电箱未接地,一般隐患,2025-04-30,否,2025-04-01,,,,,", "第2行 «销号日期»：填写了销号日期，但«是否销号»为未完成"),
                ("1,2025-03-05,配电箱未接地,一般隐患,2025-04-30,,下月,,,,,", "第2行 «销号日期»：「下月」不是日期，可写作2025-03-05、2025/3/5、2025年3月5日或Excel日期"),
                ("1,2025-03-05,配电箱未接地,一般隐患,2025-04-30,也许,,,,,,", "第2行 «是否销号»：「也许」无法识别，应为“是/否”“已完成/未完成/正在整改”或“待整改/整改中/申请销号/已销号”"),
                ("1,2025-03-05,配电箱未接地,一般隐患,2025-04-30,,,150%,,,,", "第2行 «整改进展»：不能大于100"),
                ("1,2025-03-05,配电箱未接地,一般隐患,2025-04-30,,,,,三次,,", "第2行 «延期次数»：「三次」不是次数，应为0到99的整数"),
            ]
            for c in cases {
                let report = try await importHazards(app, Self.header + "\n" + c.row + "\n")
                XCTAssertEqual(report.errors, [c.expected], c.row)
                XCTAssertEqual(report.committed, 0)
            }
            let none = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(none, 0)
        }
    }

    func testEveryFormOfStateAndDateTheDomainUses() async throws {
        try await withFixture { app, _ in
            let header = "排查时间,隐患描述,隐患等级,整改时限,完成情况,整改进展,销号时间"
            let cases: [(cells: String, status: String, progress: Int?, closed: String?)] = [
                ("已完成,,2025-05-06", "closed", 100, "2025-05-06"),
                ("未完成,,", "pending", nil, nil),
                ("正在整改,,", "in_progress", nil, nil),
                (",已完成,2025/5/6", "closed", 100, "2025-05-06"),
                (",正在整改,", "in_progress", nil, nil),
                (",８０％,", "in_progress", 80, nil),
                (",0.5,", "in_progress", 50, nil),
                (",0,", "pending", 0, nil),
                (",,2025年5月6日", "closed", 100, "2025-05-06"),
                (",,2025.5.6", "closed", 100, "2025-05-06"),
                (",,20250506", "closed", 100, "2025-05-06"),
                (",,２０２５－０５－０６", "closed", 100, "2025-05-06"),
                ("已整改,100%,2025-05-06", "closed", 100, "2025-05-06"),
                ("待整改,,", "pending", nil, nil),
                ("申请销号,90,", "closure_requested", 90, nil),
                ("已办结,,2025-05-06", "closed", 100, "2025-05-06"),
            ]
            for (i, c) in cases.enumerated() {
                let csv = header + "\n2025-03-05,第\(i)项隐患,一般隐患,2025-06-30," + c.cells + "\n"
                let report = try await importHazards(app, csv)
                XCTAssertEqual(report.errors, [], c.cells)
                let record = try await LedgerRecord.query(on: app.db).filter(\.$title == "第\(i)项隐患").first()
                XCTAssertEqual(record?.status, c.status, c.cells)
                XCTAssertEqual(record?.progress, c.progress, c.cells)
                XCTAssertEqual(record?.closedOn, c.closed, c.cells)
            }
        }
    }

    func testColumnsThatMatchNothingCanBeKeptAsRemarks() async throws {
        try await withFixture { app, _ in
            let csv = "排查时间,隐患描述,隐患等级,整改时限,备注,天气,复核意见\n2025-03-05,配电箱未接地,一般隐患,2025-04-30,已通知,晴,同意\n"
                + "2025-03-06,灭火器过期,一般隐患,2025-04-30,,,\n"
            let dry = try await importHazards(app, csv, dryRun: true, keepExtra: true)
            XCTAssertEqual(dry.unimported, 0)
            XCTAssertEqual(dry.sheetColumns.first { $0.header == "天气" }?.target, "备注（原列名：值）")
            _ = try await importHazards(app, csv, keepExtra: true)
            let kind = app.lvze.catalogue["hazard"]!
            let records = try await LedgerRecord.query(on: app.db).sort(\.$id).all()
            XCTAssertEqual(records[0].values(for: kind)["note"], .text("已通知\n天气：晴\n复核意见：同意"))
            XCTAssertNil(records[1].values(for: kind)["note"])
            // A cell no 备注 may hold is named, and nothing is written.
            let bad = "排查时间,隐患描述,隐患等级,整改时限,天气\n2025-03-07,楼梯扶手松动,一般隐患,2025-04-30,晴\u{0}\n"
            let refused = try await importHazards(app, bad, keepExtra: true)
            XCTAssertEqual(refused.errors, ["第2行 «天气»：作为备注保存时：含有不可见的控制字符（U+0000），请删除后再提交"])
        }
    }

    /// What Lvze exports (状态, 销号日期, 延期次数) comes back in the same states.
    func testAnExportedWorkflowLedgerImportsBackInItsStates() async throws {
        try await withFixture { app, f in
            let csv = Self.header + "\n1,2025-03-05,配电箱未接地,一般隐患,2025-04-30,是,2025-04-20,,,,,\n2,2025-06-01,灭火器过期,一般隐患,2025-12-31,,,60%,,2,,\n"
            _ = try await importHazards(app, csv)
            let kind = app.lvze.catalogue["hazard"]!
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("state-export-\(UUID().uuidString).xlsx")
            defer { try? FileManager.default.removeItem(at: url) }
            _ = try await LedgerExporter(kind: kind, db: app.db, today: LocalDate(app.lvze.clock.now()))
                .write(RecordFilter(kind: kind, scope: f.townA.unitPath), format: .xlsx, to: url, threadPool: app.threadPool)
            try await LedgerRecord.query(on: app.db).delete()
            var importer = LedgerImporter(kind: kind, db: app.db, scope: f.townA.unitPath, defaultUnit: f.townA, readers: app.threadPool)
            importer.options.keepExtra = false
            let report = try await importer.run(try LedgerImporter.open(url, name: "导出.xlsx"), fileName: "导出.xlsx",
                                                writer: try await recordService(app, "clerkA"))
            XCTAssertEqual(report.errors, [])
            let records = try await LedgerRecord.query(on: app.db).sort(\.$recordDate).all()
            XCTAssertEqual(records.map(\.status), ["closed", "in_progress"])
            XCTAssertEqual(records.map(\.closedOn), ["2025-04-20", nil])
            XCTAssertEqual(records.map { WorkflowData.decode($0.workflow).extensions }, [0, 2])
        }
    }
}
