import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// 述职评议 over a real socket: a session with named speakers, ratings and 点评意见 from the
/// leaders and the 考核组, the tally, and a comment turned into the speaker's town's
/// rectification item in one step — linked back, counted by the town's metric, made once.
final class ReviewSessionTests: XCTestCase {
    func testCommentsBecomeTheTownsRectificationItems() async throws {
        try await withRunningFixture { app, f, port, _ in
            try await AssessmentFlowTests.makeAssessor(app, f)
            let today = LocalDate(app.lvze.clock.now())
            let leader = SocketBrowser(port: port)
            try await leader.login("leader")
            let form = try await leader.get("/reviews")
            XCTAssertTrue(form.text.contains("召开述职评议"))

            let bad = try await leader.post("/reviews", [("title", ""), ("year", String(today.year)), ("system", "party"),
                                                         ("held_on", today.description), ("speakers", "TA 张甲\nNOPE 李乙 书记")])
            XCTAssertEqual(bad.status, 422)
            for message in ["«名称»：请填写", "«述职人»第1行：应为「单位代码 姓名 职务」三项", "«述职人»第2行：单位代码「NOPE」不存在"] {
                XCTAssertTrue(bad.text.contains(message), message)
            }
            let none = try await ReviewSession.query(on: app.db).count()
            XCTAssertEqual(none, 0)

            let title = "\(today.year)年度镇党委书记抓基层党建工作述职评议"
            let made = try await leader.post("/reviews", [("title", title), ("year", String(today.year)), ("system", "party"),
                                                          ("held_on", today.description), ("speakers", "TA 张甲 甲镇党委书记\nTB 李乙 乙镇党委书记")])
            XCTAssertEqual(made.status, 303, made.text)
            let path = made.location
            let speakers = try await ReviewSpeaker.query(on: app.db).sort(\.$sortOrder).all()
            XCTAssertEqual(speakers.map(\.name), ["张甲", "李乙"])
            let (a, b) = (speakers[0].id!, speakers[1].id!)

            let wrong = try await leader.post("\(path)/ratings", [("speaker", String(a)), ("rating", "很好"), ("comment", "")])
            XCTAssertEqual(wrong.status, 422)
            XCTAssertTrue(wrong.text.contains("«评价»：请在好、较好、一般、差中选择一项"))
            let comment = "村级组织阵地提档进度慢，党员教育流于形式"
            let rated = try await leader.post("\(path)/ratings", [("speaker", String(a)), ("rating", "较好"), ("comment", comment)])
            XCTAssertEqual(rated.status, 303, rated.text)
            let kaohe = SocketBrowser(port: port)
            try await kaohe.login("kaohe")
            _ = try await kaohe.get(path)
            let v1 = try await kaohe.post("\(path)/ratings", [("speaker", String(a)), ("rating", "一般"), ("comment", "")]).status
            XCTAssertEqual(v1, 303)
            let v2 = try await kaohe.post("\(path)/ratings", [("speaker", String(b)), ("rating", "好"), ("comment", "")]).status
            XCTAssertEqual(v2, 303)
            let clerk = SocketBrowser(port: port)
            try await clerk.login("clerk")
            let v3 = try await clerk.post("\(path)/ratings", [("speaker", String(b)), ("rating", "差"), ("comment", "")]).status
            XCTAssertEqual(v3, 403,
                           "a clerk reads but does not rate")

            let page = try await leader.get(path).text
            XCTAssertTrue(page.contains("<td class=\"num\">0</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">0</td><td class=\"num\">2</td><td class=\"num\">50%</td>"),
                          "张甲: one 较好, one 一般")

            // Each town sees its own secretary's ratings, not the other's.
            let townA = SocketBrowser(port: port)
            try await townA.login("clerkA")
            let seenA = try await townA.get(path)
            XCTAssertEqual(seenA.status, 200)
            XCTAssertTrue(seenA.text.contains(comment))
            XCTAssertFalse(seenA.text.contains("李乙"))
            let v4 = try await townA.get("/reviews").text.contains("尚无述职评议")
            XCTAssertFalse(v4)

            // The comment becomes 甲镇's rectification item, once.
            let rating = try await ReviewRating.query(on: app.db).filter(\.$comment == comment).first()!
            let due = today.adding(days: 60).description
            let turned = try await leader.post("\(path)/ratings/\(rating.id!)/rectify", [("deadline", due)])
            XCTAssertEqual(turned.status, 303, turned.text)
            let linked = try await ReviewRating.find(rating.id!, on: app.db)!
            let recordID = try XCTUnwrap(linked.recordID)
            let record = try await LedgerRecord.find(recordID, on: app.db)!
            XCTAssertEqual(record.kind, "rectification")
            XCTAssertEqual(record.$unit.id, f.townA.id)
            let values = FieldJSON.decode(record.data, kind: app.lvze.catalogue["rectification"]!)
            XCTAssertEqual(values["source"], .text("上级点评"))
            XCTAssertEqual(values["subject"], .text("镇街"))
            XCTAssertEqual(values["batch"], .text(title))
            XCTAssertEqual(values["description"], .text(comment))
            let again = try await leader.post("\(path)/ratings/\(rating.id!)/rectify", [("deadline", due)])
            XCTAssertEqual(again.location, "/ledgers/rectification/\(recordID)")
            let items = try await LedgerRecord.query(on: app.db).filter(\.$kind == "rectification").count()
            XCTAssertEqual(items, 1)
            let v5 = try await leader.get(path).text.contains("已转为整改事项（待整改）")
            XCTAssertTrue(v5)
            let changed = try await leader.post("\(path)/ratings", [("speaker", String(a)), ("rating", "较好"), ("comment", "改写")])
            XCTAssertEqual(changed.status, 409, "a comment already turned into an item stays as it was")

            // The town's own metric counts it for next year's assessment: open at the year's end.
            let values2 = try await MetricEvaluator(db: app.db, kinds: app.lvze.catalogue.catalogue, metrics: app.lvze.catalogue.metrics,
                                                    scope: f.townA.unitPath, year: today.year).evaluate(["party.rectification.comments_open"])
            XCTAssertEqual(values2["party.rectification.comments_open"]?.number, 1)

            let closed = try await leader.post("\(path)/close", [])
            XCTAssertEqual(closed.status, 303)
            let late = try await kaohe.post("\(path)/ratings", [("speaker", String(b)), ("rating", "较好"), ("comment", "")])
            let v6 = try await kaohe.get(late.location).text.contains("述职评议已结束")
            XCTAssertTrue(v6)
            let problem = try await app.lvze.audit.verify(on: app.db).problem
            XCTAssertNil(problem)
        }
    }
}
