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

    /// Reminders and 整改督办 read imported states like any other: a closed item, however far
    /// past its deadline, is never chased; the open one is.
    func testRemindersAndSupervisionTreatImportedStatesLikeAnyOther() async throws {
        try await withFixture { app, f in
            let csv = Self.header + "\n1,2025-03-05,配电箱未接地,一般隐患,2025-04-30,是,2025-04-20,,,,,\n"
                + "2,2025-03-06,灭火器过期,一般隐患,2025-04-30,否,,50%,,,,\n"
                + "3,2025-03-07,消防通道堵塞,一般隐患,2025-04-30,,,,申请销号,,,\n"
            _ = try await importHazards(app, csv)
            let report = try await app.runReminders()
            XCTAssertEqual(report.steps.values.reduce(0, +), 2, "the closed item is not chased: \(report.steps)")
            let chased = try await RecordEvent.query(on: app.db).filter(\.$action == "remind").all()
            let titles = try await LedgerRecord.query(on: app.db).filter(\.$id ~~ chased.map(\.recordID)).all().map(\.title)
            XCTAssertEqual(Set(titles), ["灭火器过期", "消防通道堵塞"])
            let leader = try await Browser.signedIn(app, "leader")
            let page = try await leader.get("/supervision?unit=\(f.townA.id!)")
            XCTAssertFalse(page.body.string.contains("配电箱未接地"), "a closed item is not in 整改督办")
            XCTAssertTrue(page.body.string.contains("灭火器过期"))
            let waiting = try await leader.get("/supervision?waiting=1")
            XCTAssertTrue(waiting.body.string.contains("消防通道堵塞"), "a request from the sheet waits for a reviewer")
        }
    }

    /// An Excel 97–2003 file (written by LibreOffice, see Fixtures/make_fixtures.py) imports
    /// like an XLSX: title row, date cells and texts, a percentage cell, states, 合计 skipped.
    func testAnXLSLedgerImportsWithItsStates() async throws {
        try await withFixture { app, f in
            let data = try fixture("hazard-states.xls")
            let url = FileManager.default.temporaryDirectory.appendingPathComponent("states-\(UUID().uuidString).xls")
            try data.write(to: url)
            defer { try? FileManager.default.removeItem(at: url) }
            let kind = app.lvze.catalogue["hazard"]!
            let importer = LedgerImporter(kind: kind, db: app.db, scope: f.townA.unitPath, defaultUnit: f.townA, readers: app.threadPool)
            let report = try await importer.run(try LedgerImporter.open(url, name: "隐患台账.xls"), fileName: "隐患台账.xls",
                                                writer: try await recordService(app, "clerkA"))
            XCTAssertEqual(report.errors, [])
            XCTAssertEqual([report.headerRow, report.committed, report.skipped], [2, 3, 1])
            let records = try await LedgerRecord.query(on: app.db).sort(\.$id).all()
            XCTAssertEqual(records.map(\.recordDate), ["2025-03-05", "2025-06-01", "2025-07-02"])
            XCTAssertEqual(records.map(\.dueDate), ["2025-04-30", "2025-12-31", "2025-09-30"])
            XCTAssertEqual(records.map(\.status), ["closed", "in_progress", "in_progress"])
            XCTAssertEqual(records.map(\.closedOn), ["2025-11-03", nil, nil])
            XCTAssertEqual(records.map(\.progress), [100, 60, 80])
            XCTAssertEqual(records.map(\.awaiting), ["", "", "returned"])
            XCTAssertEqual(records.map(\.f2), ["一般隐患", "一般隐患", "重大隐患"])
            XCTAssertEqual(records[2].values(for: kind)["note"], .text("复查未通过"))
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

/// A sheet sent again: rows matched to records by the kind's natural key, never duplicated;
/// changed records listed with their fields and changed only when asked, through the workflow's rules.
final class ReimportTests: XCTestCase {
    static let header = "序号,排查时间,隐患部位,隐患描述,隐患等级,整改时限,整改进展,是否销号,销号日期"
    static let rows = [
        "1,2025-03-05,配电房,配电箱未接地,一般隐患,2025-04-30,100%,是,2025-04-20",
        "2,2025-06-01,仓库,灭火器过期,一般隐患,2025-12-31,60%,否,",
        "3,2025-06-01,仓库,灭火器过期,一般隐患,2025-12-31,60%,否,",
        "4,2025-07-01,食堂,燃气报警器失灵,一般隐患,2026-03-31,,否,",
    ]

    func run(_ app: Application, _ lines: [String], dryRun: Bool = false, update: Bool = false) async throws -> LedgerImporter.Report {
        let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("reimport-\(UUID().uuidString).csv")
        try Data(([Self.header] + lines).joined(separator: "\n").utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let town = try await OrgUnit.query(on: app.db).filter(\.$code == "TA").first()!
        var importer = LedgerImporter(kind: kind, db: app.db, scope: town.unitPath, defaultUnit: town, readers: app.threadPool)
        importer.options.update = update
        return try await importer.run(try LedgerImporter.open(url, name: "隐患台账.csv"), fileName: "隐患台账.csv",
                                      writer: dryRun ? nil : try await recordService(app, "clerkA"))
    }

    func testTheSameSheetTwiceAddsNothingTheSecondTime() async throws {
        try await withFixture { app, _ in
            let first = try await run(app, Self.rows)
            XCTAssertEqual([first.new, first.changed, first.unchanged, first.committed], [4, 0, 0, 4])
            // Renumbered (序号 is not part of the key) and sent again.
            let renumbered = Self.rows.enumerated().map { i, r in String(10 + i) + r.drop { $0 != "," } }
            let dry = try await run(app, renumbered, dryRun: true)
            XCTAssertEqual([dry.new, dry.changed, dry.unchanged], [0, 0, 4])
            let again = try await run(app, renumbered, update: true)
            XCTAssertEqual([again.new, again.changed, again.unchanged, again.committed], [0, 0, 4, 0])
            let count = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(count, 4, "two identical rows are two records, and stay two")
            let events = try await RecordEvent.query(on: app.db).count()
            XCTAssertEqual(events, 4, "nothing written the second time")
            let audits = try await AuditEntry.query(on: app.db).filter(\.$objectType == "hazard").count()
            XCTAssertEqual(audits, 1, "not even an audit entry")
        }
    }

    func testChangedRowsAreListedAndChangedOnlyWhenAsked() async throws {
        try await withFixture { app, _ in
            _ = try await run(app, Self.rows)
            let kind = app.lvze.catalogue["hazard"]!
            // Entered in Lvze after the first import: a field the sheet does not have.
            let target = try await LedgerRecord.query(on: app.db).filter(\.$title == "燃气报警器失灵").first()!
            var values = target.values(for: kind)
            values["responsible_person"] = .text("王五")
            try await app.db.sql.raw("UPDATE records SET data = \(bind: FieldJSON.encode(values)) WHERE id = \(bind: target.id!)").run()

            var next = Self.rows
            next[3] = "4,2025-07-01,食堂,燃气报警器失灵,重大隐患,2026-03-31,30%,否,"
            next.removeFirst()  // a row no longer in the sheet: its record stays
            next.append("5,2025-08-01,车间,配电柜门未关闭,一般隐患,2025-10-31,,否,")
            let dry = try await run(app, next, dryRun: true)
            XCTAssertEqual([dry.new, dry.changed, dry.unchanged], [1, 1, 2])
            XCTAssertEqual(dry.changes, ["第4行：隐患等级 一般隐患→重大隐患；整改进展（%） （空）→30；状态 待整改→整改中"])

            let kept = try await run(app, next)
            XCTAssertEqual([kept.committed, kept.changed], [1, 1])
            let untouched = try await LedgerRecord.find(target.id, on: app.db)!
            XCTAssertEqual(untouched.f2, "一般隐患", "without update a changed record is only reported")

            let updated = try await run(app, next, update: true)
            XCTAssertEqual([updated.new, updated.changed, updated.unchanged, updated.committed], [0, 1, 3, 0])
            let record = try await LedgerRecord.find(target.id, on: app.db)!
            XCTAssertEqual(record.f2, "重大隐患")
            XCTAssertEqual(record.progress, 30)
            XCTAssertEqual(record.status, "in_progress")
            XCTAssertEqual(record.version, target.version + 1)
            XCTAssertEqual(record.values(for: kind)["responsible_person"], .text("王五"), "a field the sheet lacks keeps what was entered")
            let line = try await RecordEvent.query(on: app.db).filter(\.$recordID == target.id!).sort(\.$id, .descending).first()!
            XCTAssertEqual(line.action, "import")
            XCTAssertEqual(line.note, "按「隐患台账.csv」第4行更新")
            XCTAssertTrue(line.changes.contains("\"level\":[\"一般隐患\",\"重大隐患\"]"), line.changes)
            let count = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(count, 5, "nothing deleted because a row is missing")
            let audit = try await AuditEntry.query(on: app.db).sort(\.$seq, .descending).first()
            XCTAssertEqual(audit?.summary, "按「隐患台账.csv」更新「隐患排查治理台账」已有记录1条")
        }
    }

    func testAStateChangedInTheSheetFollowsTheWorkflow() async throws {
        try await withFixture { app, _ in
            _ = try await run(app, Self.rows)
            // An open item the sheet now says is closed: a close-out request for a reviewer.
            var closing = Self.rows
            closing[3] = "4,2025-07-01,食堂,燃气报警器失灵,一般隐患,2026-03-31,100%,是,2025-11-03"
            let report = try await run(app, closing, update: true)
            XCTAssertEqual(report.errors, [])
            XCTAssertEqual(report.changed, 1)
            let record = try await LedgerRecord.query(on: app.db).filter(\.$title == "燃气报警器失灵").first()!
            XCTAssertEqual(record.status, "closure_requested")
            XCTAssertNil(record.closedOn, "closed only when a reviewer approves")
            XCTAssertEqual(record.awaiting, "review")
            XCTAssertEqual(WorkflowData.decode(record.workflow).closure?.description, "表格更新：表中为已销号（销号日期2025-11-03）")
            let line = try await RecordEvent.query(on: app.db).filter(\.$recordID == record.id!).sort(\.$id, .descending).first()!
            XCTAssertEqual(line.note, "按「隐患台账.csv」第5行更新；表中为已销号（销号日期2025-11-03），已作为销号申请提交审核")

            // A closed item the sheet says is open: refused, naming the row; nothing written.
            var reopening = Self.rows
            reopening[0] = "1,2025-03-05,配电房,配电箱未接地,一般隐患,2025-04-30,50%,否,"
            let refused = try await run(app, reopening, update: true)
            XCTAssertEqual(refused.errors, ["第2行 «是否销号»：系统中该事项已于2025-04-20销号，表中为整改中；重新打开须由审核人在系统中办理，请改正表格或在系统中处理"])
            let closed = try await LedgerRecord.query(on: app.db).filter(\.$title == "配电箱未接地").first()!
            XCTAssertEqual(closed.status, "closed")
        }
    }

    func testThePageOffersTheUpdateAndSaysWhatMatched() async throws {
        try await withFixture { app, _ in
            _ = try await run(app, Self.rows)
            var next = Self.rows
            next[1] = "2,2025-06-01,仓库,灭火器过期,一般隐患,2025-12-31,80%,否,"
            let csv = Data(([Self.header] + next).joined(separator: "\n").utf8)
            let clerk = try await Browser.signedIn(app, "clerkA")
            let page = try await clerk.get("/ledgers/hazard/import")
            XCTAssertTrue(page.body.string.contains("name=\"update\""))
            let dry = try await importResult(clerk, try await clerk.postMultipart("/ledgers/hazard/import", ["unit": "TA", "mode": "dry", "update": "1"],
                                                                                   files: [("file", "隐患台账.csv", csv)]))
            let body = dry.body.string
            XCTAssertTrue(body.contains("按责任单位、排查时间、隐患部位、隐患描述识别同一条记录"), body)
            XCTAssertTrue(body.contains("<strong>新增0条</strong>，将更新<strong>1条</strong>，无变化3条"), body)
            XCTAssertTrue(body.contains("第3行：整改进展（%） 60→80"), body)
            XCTAssertTrue(body.contains("确认导入（新增0条，更新1条）"), body)
            let form = try XCTUnwrap(body.range(of: "action=\"/ledgers/hazard/import/").map { body[$0.upperBound...].prefix(36) })
            let done = try await importResult(clerk, try await clerk.post("/ledgers/hazard/import/\(form)/commit", [:]))
            XCTAssertTrue(done.body.string.contains(">更新已有记录1条。"), done.body.string)
            let progress = try await LedgerRecord.query(on: app.db).filter(\.$progress == 80).count()
            XCTAssertEqual(progress, 1, "the first of two identical rows matched the first record")

            // The same sheet once more: nothing to add or change, so nothing to confirm.
            let again = try await importResult(clerk, try await clerk.postMultipart("/ledgers/hazard/import", ["unit": "TA", "mode": "dry", "update": "1"],
                                                                                     files: [("file", "隐患台账.csv", csv)]))
            XCTAssertTrue(again.body.string.contains("表中没有新的记录，也没有与系统中不同的记录，无需导入。"), again.body.string)
            XCTAssertFalse(again.body.string.contains("确认导入"), again.body.string)
            // Changed rows without 按表格更新: the page says how to update them.
            var later = next
            later[1] = "2,2025-06-01,仓库,灭火器过期,一般隐患,2025-12-31,90%,否,"
            let unticked = try await importResult(clerk, try await clerk.postMultipart("/ledgers/hazard/import", ["unit": "TA", "mode": "dry"],
                files: [("file", "隐患台账.csv", Data(([Self.header] + later).joined(separator: "\n").utf8))]))
            XCTAssertTrue(unticked.body.string.contains("表中没有新的记录，无需导入。如需按表格更新与系统中不同的1条，请勾选“按表格更新已有记录”后重新试导入。"),
                          unticked.body.string)
        }
    }
}
