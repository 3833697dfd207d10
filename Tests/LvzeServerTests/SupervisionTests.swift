import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import SQLKit
import XCTest
import XCTVapor

/// 整改督办 by responsible unit, and the columns the record service keeps for it.
final class SupervisionTests: XCTestCase {
    /// A hazard found `foundAgo` days before today with its deadline `dueIn` days from today.
    func hazard(_ title: String, foundAgo: Int, dueIn: Int, source: String = "检查发现", progress: Int? = nil) -> [String: String] {
        let today = LocalDate(Date())
        var raw = ["found_on": today.adding(days: -foundAgo).iso, "description": title, "level": "一般隐患",
                   "deadline": today.adding(days: dueIn).iso, "source": source]
        if let progress { raw["progress"] = String(progress) }
        return raw
    }

    func watch(_ app: Application, _ id: Int) async throws -> (behindOn: String?, awaiting: String, source: String?, system: String?, reminded: Int) {
        let r = try await LedgerRecord.find(id, on: app.db)!
        return (r.behindOn, r.awaiting, r.source, r.system, r.reminded)
    }

    func testTheRecordServiceKeepsTheWatchColumnsThroughEveryStep() async throws {
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let clerk = try await recordService(app, "clerkA")
            let reviewer = try await recordService(app, "reviewer")
            let today = LocalDate(Date())
            // Found 50 days ago, due in 50: at 0% it fell behind on the first day of its period.
            let (record, unit) = try await clerk.create(kind, unitRef: f.villageA.code, raw: hazard("配电箱未接地", foundAgo: 50, dueIn: 50))
            var w = try await watch(app, record.id!)
            XCTAssertEqual(w.behindOn, today.adding(days: -49).iso)
            XCTAssertEqual(w.awaiting, "")
            XCTAssertEqual(w.source, "检查发现")
            XCTAssertEqual(w.system, "safety")

            // Progress at 60% moves the day it falls behind to when 序时进度 passes 60% (day 61 of 100).
            try await clerk.step(kind, record, unit: unit, command: WorkflowCommand(action: "start"))
            try await clerk.step(kind, record, unit: unit, command: WorkflowCommand(action: "progress", percent: "60"))
            w = try await watch(app, record.id!)
            XCTAssertEqual(w.behindOn, today.adding(days: -50 + 61).iso)

            // An extension request waits for a reviewer; refused, the item is the unit's turn again.
            try await clerk.step(kind, record, unit: unit, command: WorkflowCommand(action: "request_extension", reason: "设备到货延迟",
                                                                                     deadline: today.adding(days: 80).iso))
            let waiting = try await watch(app, record.id!)
            XCTAssertEqual(waiting.awaiting, "review")
            try await reviewer.step(kind, record, unit: unit, command: WorkflowCommand(action: "refuse_extension", reason: "理由不充分"))
            let returned = try await watch(app, record.id!)
            XCTAssertEqual(returned.awaiting, "returned")
            // The unit's next step clears it.
            try await clerk.step(kind, record, unit: unit, command: WorkflowCommand(action: "progress", percent: "70"))
            let cleared = try await watch(app, record.id!)
            XCTAssertEqual(cleared.awaiting, "")

            // A new deadline restarts the reminder ladder.
            try await app.db.sql.raw("UPDATE records SET reminded = 3 WHERE id = \(bind: record.id!)").run()
            record.reminded = 3
            try await clerk.step(kind, record, unit: unit, command: WorkflowCommand(action: "request_extension", reason: "设备到货延迟",
                                                                                     deadline: today.adding(days: 80).iso))
            try await reviewer.step(kind, record, unit: unit, command: WorkflowCommand(action: "approve_extension", note: "同意"))
            w = try await watch(app, record.id!)
            XCTAssertEqual(w.reminded, 0)
            XCTAssertEqual(w.awaiting, "")

            // A shared ledger's record takes its system from its 责任制 field.
            let rect = try XCTUnwrap(app.lvze.catalogue["rectification"])
            let (item, _) = try await clerk.create(rect, unitRef: f.villageA.code, raw: [
                "found_on": today.adding(days: -3).iso, "source": "巡察", "description": "三会一课记录不全", "system": "基层党建",
                "deadline": today.adding(days: 30).iso])
            w = try await watch(app, item.id!)
            XCTAssertEqual(w.system, "party")
            XCTAssertEqual(w.source, "巡察")
        }
    }

    /// The district's leader sees one line per town, worst first, and each town's items one click away.
    /// A database from before migration 008 gets the columns filled from its records.
    func testTheMigrationFillsTheColumnsOfExistingRecords() async throws {
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let clerk = try await recordService(app, "clerkA")
            let (behind, _) = try await clerk.create(kind, unitRef: f.villageA.code, raw: hazard("迁移前的隐患", foundAgo: 30, dueIn: 30, source: "督导"))
            let (waiting, unit) = try await clerk.create(kind, unitRef: f.villageA.code, raw: hazard("迁移前的延期申请", foundAgo: 5, dueIn: 30))
            try await clerk.step(kind, waiting, unit: unit, command: WorkflowCommand(action: "request_extension", reason: "等待验收",
                                                                                       deadline: LocalDate(Date()).adding(days: 60).iso))
            let expected = [try await watch(app, behind.id!), try await watch(app, waiting.id!)].map { "\($0.behindOn ?? "-")|\($0.awaiting)|\($0.source ?? "-")|\($0.system ?? "-")" }
            XCTAssertEqual(expected.map { $0.split(separator: "|", omittingEmptySubsequences: false).count }, [4, 4])
            try await app.db.sql.raw("UPDATE records SET behind_on = NULL, awaiting = '', source = NULL, system = NULL").run()
            try await M008_DailyLoop(kinds: app.lvze.catalogue.catalogue.kinds).backfill(on: app.db)
            let after = [try await watch(app, behind.id!), try await watch(app, waiting.id!)].map { "\($0.behindOn ?? "-")|\($0.awaiting)|\($0.source ?? "-")|\($0.system ?? "-")" }
            XCTAssertEqual(after, expected)
            XCTAssertTrue(after[0].hasSuffix("|督导|safety"), after[0])
            XCTAssertTrue(after[1].contains("|review|"), after[1])
        }
    }

    func testTheLeaderSeesEachTownsCountsWorstFirstAndItsItems() async throws {
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let clerkA = try await recordService(app, "clerkA")
            let clerkB = try await recordService(app, "clerkB")
            // 甲镇: one overdue, one on time. 乙镇: two overdue (one 督导), one behind, one closed.
            _ = try await clerkA.create(kind, unitRef: f.villageA.code, raw: hazard("甲镇逾期隐患", foundAgo: 40, dueIn: -5))
            _ = try await clerkA.create(kind, unitRef: f.villageA.code, raw: hazard("甲镇正常隐患", foundAgo: 1, dueIn: 60, progress: 50))
            _ = try await clerkB.create(kind, unitRef: f.villageB.code, raw: hazard("乙镇逾期隐患一", foundAgo: 40, dueIn: -3))
            _ = try await clerkB.create(kind, unitRef: f.townB.code, raw: hazard("乙镇逾期隐患二", foundAgo: 40, dueIn: -9, source: "督导"))
            _ = try await clerkB.create(kind, unitRef: f.villageB.code, raw: hazard("乙镇滞后隐患", foundAgo: 30, dueIn: 30))
            let (closed, closedUnit) = try await clerkB.create(kind, unitRef: f.villageB.code, raw: hazard("乙镇已销号隐患", foundAgo: 40, dueIn: -1))
            try await app.db.sql.raw("UPDATE records SET status = 'closed', closed_on = '2026-01-01' WHERE id = \(bind: closed.id!)").run()
            _ = closedUnit

            let leader = try await Browser.signedIn(app, "leader")
            let page = try await leader.get("/supervision")
            XCTAssertEqual(page.status, .ok)
            let lines = try await linesOf(app, leader)
            XCTAssertEqual(lines.map(\.name), ["乙镇", "甲镇"], "the town with more overdue items first")
            XCTAssertEqual(lines[0].counts, .init(open: 3, overdue: 2, behind: 1, waiting: 0))
            XCTAssertEqual(lines[1].counts, .init(open: 2, overdue: 1, behind: 0, waiting: 0))
            // The overview lists the earliest deadlines of the scope, overdue first.
            let body = page.body.string
            let order = ["乙镇逾期隐患二", "甲镇逾期隐患", "乙镇逾期隐患一", "乙镇滞后隐患"].map { body.range(of: $0)?.lowerBound }
            XCTAssertFalse(order.contains(nil), "every item needing supervision is listed")
            XCTAssertEqual(order.compactMap { $0 }, order.compactMap { $0 }.sorted())
            XCTAssertFalse(body.contains("甲镇正常隐患"), "an item on schedule is not supervised")
            XCTAssertFalse(body.contains("乙镇已销号隐患"))

            // Drill-down: 乙镇's subtree, its own line's counts.
            let drill = try await leader.get("/supervision?unit=\(f.townB.id!)")
            XCTAssertEqual(drill.status, .ok)
            XCTAssertTrue(drill.body.string.contains("乙镇逾期隐患一"))
            XCTAssertFalse(drill.body.string.contains("甲镇逾期隐患"))
            // Filter by source: only the 督导 item and its town.
            let byLines = try await linesOf(app, leader, query: "source=%E7%9D%A3%E5%AF%BC")
            XCTAssertEqual(byLines.map(\.name), ["乙镇"])
            XCTAssertEqual(byLines[0].counts, .init(open: 1, overdue: 1, behind: 0, waiting: 0))
            // Filter by system: no party-building items.
            let party = try await linesOf(app, leader, query: "system=party")
            XCTAssertEqual(party.count, 0)
            let safety = try await linesOf(app, leader, query: "system=safety")
            XCTAssertEqual(safety.count, 2)

            // The export holds the lines and every item of the filter.
            let csv = try await leader.get("/supervision/export").body.string
            XCTAssertTrue(csv.contains("乙镇,3,2,1,0"), csv)
            XCTAssertTrue(csv.contains("甲镇逾期隐患"))
            XCTAssertTrue(csv.contains("逾期5天"))
        }
    }

    func testAClerkSeesTheirTownsVillagesAndNothingOutside() async throws {
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            _ = try await recordService(app, "clerkA").create(kind, unitRef: f.villageA.code, raw: hazard("甲一村逾期", foundAgo: 40, dueIn: -2))
            _ = try await recordService(app, "clerkB").create(kind, unitRef: f.villageB.code, raw: hazard("乙一村逾期", foundAgo: 40, dueIn: -2))
            let clerkA = try await Browser.signedIn(app, "clerkA")
            let lines = try await linesOf(app, clerkA)
            XCTAssertEqual(lines.map(\.name), ["甲一村"], "a town's user counts by village")
            let page = try await clerkA.get("/supervision").body.string
            XCTAssertFalse(page.contains("乙一村逾期"))
            // Another town's unit is not found; bad filters are named.
            let cases: [(String, HTTPStatus, String)] = [
                ("/supervision?unit=\(f.townB.id!)", .notFound, "管辖范围内没有这个单位"),
                ("/supervision?unit=abc", .notFound, "管辖范围内没有这个单位"),
                ("/supervision?system=space", .badRequest, "责任制「space」不存在"),
                ("/supervision?source=%3Cscript%3E", .badRequest, "问题来源「&lt;script&gt;」不在可选范围内"),
                ("/supervision/export?unit=\(f.townB.id!)", .notFound, "管辖范围内没有这个单位"),
            ]
            for (path, status, message) in cases {
                let res = try await clerkA.get(path)
                XCTAssertEqual(res.status, status, path)
                XCTAssertTrue(res.body.string.contains(message), "\(path): \(res.body.string.prefix(300))")
            }
        }
    }

    func testANewItemShowsOnTheNextViewDespiteTheCache() async throws {
        try await withFixture { app, f in
            let leader = try await Browser.signedIn(app, "leader")
            let before = try await linesOf(app, leader)
            XCTAssertEqual(before.count, 0)
            let clerk = try await Browser.signedIn(app, "clerkA")
            try await clerk.get("/ledgers/hazard/new")
            var form = Dictionary(uniqueKeysWithValues: hazard("新发现的逾期隐患", foundAgo: 30, dueIn: -1).map { ("f_" + $0.key, $0.value) })
            form["unit"] = f.villageA.code
            let created = try await clerk.postMultipart("/ledgers/hazard", form)
            XCTAssertEqual(created.status, .seeOther, created.body.string)
            let lines = try await linesOf(app, leader)
            XCTAssertEqual(lines.first?.counts.overdue, 1)
        }
    }

    /// The lines as the page computed them (read back from the cache the page filled).
    struct Line { var name: String; var counts: Supervision.Counts }
    func linesOf(_ app: Application, _ browser: Browser, query: String = "") async throws -> [Line] {
        let res = try await browser.get("/supervision" + (query.isEmpty ? "" : "?" + query))
        XCTAssertEqual(res.status, .ok, res.body.string)
        // Rows of the units table: name, then four numbers.
        let body = res.body.string
        guard let start = body.range(of: "<h2>各责任单位</h2>"), let end = body.range(of: "</table>", range: start.upperBound..<body.endIndex) else {
            return []
        }
        let table = String(body[start.upperBound..<end.lowerBound])
        let pattern = try NSRegularExpression(pattern: #"<td><a href="[^"]*">([^<]*)</a></td><td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td><td class="num">(\d+)</td>"#)
        return pattern.matches(in: table, range: NSRange(table.startIndex..., in: table)).map { m in
            func g(_ i: Int) -> String { String(table[Range(m.range(at: i), in: table)!]) }
            return Line(name: g(1), counts: .init(open: Int(g(2))!, overdue: Int(g(3))!, behind: Int(g(4))!, waiting: Int(g(5))!))
        }
    }
}
