import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import SQLKit
import Vapor
import XCTest
import XCTVapor

/// Reminders that escalate (三色预警), 催办, decisions, and the message centre.
final class NoticeTests: XCTestCase {
    func hazard(_ app: Application, _ title: String, dueIn days: Int, foundAgo: Int = 10) -> [String: String] {
        let today = LocalDate(app.lvze.clock.now())
        return ["found_on": today.adding(days: -foundAgo).iso, "description": title, "level": "一般隐患",
                "deadline": today.adding(days: days).iso, "source": "检查发现"]
    }

    func userID(_ app: Application, _ name: String) async throws -> Int {
        try await User.query(on: app.db).filter(\.$username == name).first()!.id!
    }

    func notices(_ app: Application, _ name: String) async throws -> [Notice] {
        let id = try await userID(app, name)
        return try await Notice.query(on: app.db).filter(\.$userID == id).sort(\.$id).all()
    }

    func advance(_ app: Application, days: Int) { app.lvze.clock.advance(by: TimeInterval(days) * 86_400) }

    func testEachStepOfTheLadderIsSentOnceToItsRecipient() async throws {
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let (record, _) = try await recordService(app, "clerkA").create(kind, unitRef: f.villageA.code, raw: hazard(app, "配电箱未接地", dueIn: 15))
            // The steps as the days pass: (days advanced, step expected, who gets it).
            let ladder: [(Int, ReminderStep, String)] = [
                (0, .green, "clerkA"), (6, .yellow, "clerkA"), (10, .red, "clerkA"), (7, .unitLeader, "leader"), (30, .district, "leader"),
            ]
            for (days, step, recipient) in ladder {
                advance(app, days: days)
                let before = try await notices(app, recipient).count
                let report = try await app.runReminders()
                XCTAssertEqual(report.steps, [step: 1], "\(step)")
                let after = try await notices(app, recipient)
                XCTAssertEqual(after.count, before + 1, "\(step) goes to \(recipient)")
                XCTAssertEqual(after.last?.title, "\(step.label)：配电箱未接地")
                XCTAssertEqual(after.last?.kind, step.recipient == .handler ? "reminder" : "escalation")
                XCTAssertEqual(after.last?.href, "/ledgers/hazard/\(record.id!)")
                // A second run the same day sends nothing.
                let again = try await app.runReminders()
                XCTAssertEqual(again, Reminders.Report(), "\(step) is sent once")
            }
            // The clerk of the district is not the handler: the town's clerk is nearer.
            let districtClerk = try await notices(app, "clerk")
            XCTAssertEqual(districtClerk.count, 0)
            // Each step is a line in the record's history, written by the system.
            let history = try await RecordEvent.query(on: app.db).filter(\.$recordID == record.id!).filter(\.$action == "remind").all()
            XCTAssertEqual(history.count, 5)
            XCTAssertTrue(history.last?.note.contains("已提醒主要领导") ?? false, history.last?.note ?? "")
            advance(app, days: 100)
            let done = try await app.runReminders()
            XCTAssertEqual(done.items, 0, "nothing after the last step")
        }
    }

    func testASkippedStepIsNotSentLateAndManyItemsMakeOneSummary() async throws {
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let clerk = try await recordService(app, "clerkA")
            // Entered 40 days overdue: only the district step, never the ones it skipped.
            _ = try await clerk.create(kind, unitRef: f.villageA.code, raw: hazard(app, "久拖未改的隐患", dueIn: -40, foundAgo: 100))
            for i in 1...5 { _ = try await clerk.create(kind, unitRef: f.villageA.code, raw: hazard(app, "即将到期隐患\(i)", dueIn: 5)) }
            let report = try await app.runReminders()
            XCTAssertEqual(report.steps, [.district: 1, .yellow: 5])
            let clerkA = try await notices(app, "clerkA")
            XCTAssertEqual(clerkA.map(\.title), ["黄色预警：5项整改事项"], "five items of one step are one notice")
            XCTAssertTrue(clerkA[0].body.contains("「即将到期隐患1」"), clerkA[0].body)
            XCTAssertEqual(clerkA[0].href, "/supervision")
            let leader = try await notices(app, "leader")
            XCTAssertEqual(leader.map(\.title), ["逾期区级督办：久拖未改的隐患"])
        }
    }

    /// Items are read a page at a time and steps recorded a chunk a transaction: every item gets
    /// its step and one history line, and the summary counts them all.
    func testAPassInSeveralTransactionsRecordsEveryItemOnce() async throws {
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let clerk = try await recordService(app, "clerkA")
            for i in 1...5 { _ = try await clerk.create(kind, unitRef: f.villageA.code, raw: hazard(app, "分批提醒隐患\(i)", dueIn: -1 - i)) }
            let now = app.lvze.clock.now()
            var pass = Reminders(db: app.db, catalogue: app.lvze.catalogue.catalogue, settings: .standard, today: LocalDate(now), now: now)
            pass.chunk = 2
            pass.pageSize = 2
            let report = try await pass.run()
            XCTAssertEqual(report.steps, [.red: 5])
            let reminded = try await LedgerRecord.query(on: app.db).all().map(\.reminded)
            XCTAssertEqual(reminded, Array(repeating: ReminderStep.red.rawValue, count: 5))
            let lines = try await RecordEvent.query(on: app.db).filter(\.$action == "remind").count()
            XCTAssertEqual(lines, 5)
            let again = try await pass.run()
            XCTAssertEqual(again.items, 0)
            let notices = try await notices(app, "clerkA")
            XCTAssertEqual(notices.map(\.title), ["红色预警：5项整改事项"])
        }
    }

    func testTheServerRunsThePassOnceADayAndTheCommandCanTryItFirst() async throws {
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            _ = try await recordService(app, "clerkA").create(kind, unitRef: f.villageA.code, raw: hazard(app, "消防通道堵塞", dueIn: 3))
            // A dry run reports and changes nothing.
            var context = CommandContext(console: Terminal(), input: CommandInput(arguments: ["lvze", "--dry-run"]))
            context.application = app
            try await RemindCommand().run(using: &context)
            let afterDry = try await Notice.query(on: app.db).count()
            XCTAssertEqual(afterDry, 0)
            let reminded = try await LedgerRecord.query(on: app.db).first()!.reminded
            XCTAssertEqual(reminded, 0)
            // The server's daily check: the first of a day runs, the next waits for tomorrow.
            let first = try await app.runRemindersIfDue()
            XCTAssertEqual(first?.steps, [.yellow: 1])
            let second = try await app.runRemindersIfDue()
            XCTAssertNil(second)
            advance(app, days: 4)
            let tomorrow = try await app.runRemindersIfDue()
            XCTAssertEqual(tomorrow?.steps, [.red: 1])
        }
    }

    func testADecisionTellsWhoeverAsked() async throws {
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let clerk = try await recordService(app, "clerkA")
            let (record, unit) = try await clerk.create(kind, unitRef: f.villageA.code, raw: hazard(app, "安全出口标识缺失", dueIn: 30))
            let later = LocalDate(app.lvze.clock.now()).adding(days: 60).iso
            try await clerk.step(kind, record, unit: unit, command: WorkflowCommand(action: "request_extension", reason: "施工队未进场", deadline: later))
            try await recordService(app, "reviewer").step(kind, record, unit: unit, command: WorkflowCommand(action: "refuse_extension", reason: "可先临时整改"))
            let got = try await notices(app, "clerkA")
            XCTAssertEqual(got.map(\.title), ["延期申请未同意：安全出口标识缺失"])
            XCTAssertEqual(got.first?.kind, "decision")
            XCTAssertTrue(got.first?.body.contains("可先临时整改") ?? false)
            XCTAssertEqual(got.first?.sender, "reviewer")
        }
    }

    /// 催办 and the message centre as a browser uses them, over a real socket.
    func testUrgeReachesTheHandlerAndTheMessageCentreLeadsToTheRecord() async throws {
        try await withRunningFixture { app, f, port, _ in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let (record, _) = try await recordService(app, "clerkB").create(kind, unitRef: f.villageB.code, raw: hazard(app, "危化品仓库通风不良", dueIn: -3))
            let path = "/ledgers/hazard/\(record.id!)"
            let leader = SocketBrowser(port: port)
            try await leader.login("leader")
            let page = try await leader.get(path)
            XCTAssertTrue(page.text.contains("id=\"urge\""), "the record offers 催办 to a leader")

            // Refusals first: nothing is sent.
            let empty = try await leader.post(path + "/urge", [("note", "  ")])
            XCTAssertEqual(empty.status, 422)
            XCTAssertTrue(empty.text.contains("请写明催办的要求"))
            // U+0000 is refused before any handler (400); other control characters by the service (422).
            let nul = try await leader.post(path + "/urge", [("note", "请\u{0}尽快")])
            XCTAssertEqual(nul.status, 400)
            XCTAssertTrue(nul.text.contains("不可见的控制字符"))
            let control = try await leader.post(path + "/urge", [("note", "请\u{7}尽快")])
            XCTAssertEqual(control.status, 422)
            XCTAssertTrue(control.text.contains("含有不可见的控制字符"))
            let clerkPage = SocketBrowser(port: port)
            try await clerkPage.login("clerkB")
            let asClerk = try await clerkPage.get(path)
            XCTAssertFalse(asClerk.text.contains("id=\"urge\""), "a clerk is not offered 催办")
            let byClerk = try await clerkPage.post(path + "/urge", [("note", "自己催自己")])
            XCTAssertEqual(byClerk.status, 403)
            let sentBefore = try await Notice.query(on: app.db).count()
            XCTAssertEqual(sentBefore, 0)

            let ok = try await leader.post(path + "/urge", [("note", "请于本周五前报送整改进展")])
            XCTAssertEqual(ok.status, 303, ok.text)
            // The town's clerk and the district's leader (the town has none) — but not the sender himself.
            let toClerk = try await notices(app, "clerkB")
            XCTAssertEqual(toClerk.map(\.title), ["催办：危化品仓库通风不良"])
            XCTAssertEqual(toClerk.first?.body, "leader：请于本周五前报送整改进展")
            let toLeader = try await notices(app, "leader")
            XCTAssertEqual(toLeader.count, 0)
            let history = try await RecordEvent.query(on: app.db).filter(\.$recordID == record.id!).filter(\.$action == "urge").all()
            XCTAssertEqual(history.map(\.note), ["请于本周五前报送整改进展"])

            // The clerk sees the count, opens the message, lands on the record, and it is read.
            let home = try await clerkPage.get("/")
            XCTAssertTrue(home.text.contains("aria-label=\"1条未读\""), "the navigation counts unread messages")
            let list = try await clerkPage.get("/notices")
            XCTAssertTrue(list.text.contains("催办：危化品仓库通风不良"))
            let noticeID = toClerk[0].id!
            let opened = try await clerkPage.get("/notices/\(noticeID)/open")
            XCTAssertEqual(opened.status, 303)
            XCTAssertEqual(opened.header("Location"), path)
            let read = try await Notice.find(noticeID, on: app.db)
            XCTAssertNotNil(read?.readAt)
            // The count is kept between pages until the next write: opening the message was one.
            let afterReading = try await clerkPage.get("/")
            XCTAssertFalse(afterReading.text.contains("条未读"), "the count drops as soon as the message is read")
            // Another user's message does not exist for the leader.
            let foreign = try await leader.get("/notices/\(noticeID)/open")
            XCTAssertEqual(foreign.status, 404)
            // 全部标为已读.
            try await leader.post(path + "/urge", [("note", "再次催办")])
            let unread = try await Notice.query(on: app.db).filter(\.$readAt == nil).count()
            XCTAssertEqual(unread, 1)
            let all = try await clerkPage.post("/notices/read", [])
            XCTAssertEqual(all.status, 303)
            let left = try await Notice.query(on: app.db).filter(\.$readAt == nil).count()
            XCTAssertEqual(left, 0)
        }
    }

    /// Fifty messages a page, newest first, 更早的消息 for the rest; 只看未读 keeps to the unread.
    func testTheMessageCentrePagesAndFiltersTheUsersOwnMessages() async throws {
        try await withFixture { app, _ in
            let clerk = try await userID(app, "clerkA"), other = try await userID(app, "clerkB")
            for i in 1...55 {
                let draft = NoticeDraft(kind: .urge, recordID: nil, title: "消息\(i)", body: "", href: "/", sender: "leader", dedupe: nil)
                try await Notices.send(draft, to: [clerk], at: app.lvze.clock.now(), on: app.db)
            }
            try await Notices.send(NoticeDraft(kind: .urge, recordID: nil, title: "别人的消息", body: "", href: "/", sender: "leader", dedupe: nil),
                                   to: [other], at: app.lvze.clock.now(), on: app.db)
            try await Notice.query(on: app.db).filter(\.$title ~~ ["消息1", "消息2"]).set(\.$readAt, to: app.lvze.clock.now()).update()
            let browser = try await Browser.signedIn(app, "clerkA")
            func titles(_ path: String) async throws -> (titles: [String], next: String?) {
                let body = try await browser.get(path).body.string
                let links = try NSRegularExpression(pattern: #"<a href="/notices/\d+/open">([^<]*)</a>"#)
                let found = links.matches(in: body, range: NSRange(body.startIndex..., in: body)).map { String(body[Range($0.range(at: 1), in: body)!]) }
                let next = body.range(of: #"/notices\?before=\d+[^"]*"#, options: .regularExpression).map { String(body[$0]).replacingOccurrences(of: "&amp;", with: "&") }
                return (found, next)
            }
            let first = try await titles("/notices")
            XCTAssertEqual(first.titles.count, 50)
            XCTAssertEqual(first.titles.first, "消息55", "newest first")
            let rest = try await titles(try XCTUnwrap(first.next))
            XCTAssertEqual(rest.titles, ["消息5", "消息4", "消息3", "消息2", "消息1"])
            XCTAssertNil(rest.next)
            let unread = try await titles("/notices?unread=1")
            XCTAssertFalse(unread.titles.contains("消息1") || unread.titles.contains("别人的消息"))
            let unreadRest = try await titles(try XCTUnwrap(unread.next))
            XCTAssertEqual(unreadRest.titles, ["消息5", "消息4", "消息3"], "the next page keeps to the unread")
            let bad = try await browser.post("/notices/read", ["id": "abc"])
            XCTAssertEqual(bad.status, .badRequest)
        }
    }
}
