import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import SQLKit
import XCTest
import XCTVapor

/// The home page's 待办 by role, and 已办.
final class InboxTests: XCTestCase {
    func hazard(_ title: String, dueIn: Int, foundAgo: Int = 20) -> [String: String] {
        let today = LocalDate(Date())
        return ["found_on": today.adding(days: -foundAgo).iso, "description": title, "level": "一般隐患",
                "deadline": today.adding(days: dueIn).iso, "source": "检查发现"]
    }

    /// The home page's groups: title → the titles of its entries.
    func inbox(_ browser: Browser) async throws -> [String: [String]] {
        let body = try await browser.get("/").body.string
        guard let start = body.range(of: "<h2>待办</h2>"), let end = body.range(of: "</section>", range: start.upperBound..<body.endIndex) else { return [:] }
        let section = String(body[start.upperBound..<end.lowerBound])
        var out: [String: [String]] = [:]
        for part in section.components(separatedBy: "<h3>").dropFirst() {
            let title = String(part.prefix { $0 != " " && $0 != "<" })
            let links = try NSRegularExpression(pattern: #"<li[^>]*><a href="[^"]*">([^<]*)</a>"#)
            out[title] = links.matches(in: part, range: NSRange(part.startIndex..., in: part)).map { String(part[Range($0.range(at: 1), in: part)!]) }
        }
        return out
    }

    func done(_ browser: Browser) async throws -> [String] {
        let body = try await browser.get("/").body.string
        guard let start = body.range(of: "<ul class=\"todo done\">"), let end = body.range(of: "</ul>", range: start.upperBound..<body.endIndex) else { return [] }
        let part = String(body[start.upperBound..<end.lowerBound])
        let links = try NSRegularExpression(pattern: #"<a href="[^"]*">([^<]*)</a><span class="muted">([^<]*)</span>"#)
        return links.matches(in: part, range: NSRange(part.startIndex..., in: part)).map {
            String(part[Range($0.range(at: 1), in: part)!]) + "|" + String(part[Range($0.range(at: 2), in: part)!])
        }
    }

    func testEachRoleFindsItsOwnWorkOnTheHomePage() async throws {
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let clerkA = try await recordService(app, "clerkA")
            let later = LocalDate(Date()).adding(days: 90).iso
            // setup: a returned item, a near-deadline one, one far off; a request by a clerk who also reviews.
            let (sentBack, unitA) = try await clerkA.create(kind, unitRef: f.villageA.code, raw: hazard("被驳回延期的隐患", dueIn: 40))
            try await clerkA.step(kind, sentBack, unit: unitA, command: WorkflowCommand(action: "request_extension", reason: "资金未到位", deadline: later))
            try await recordService(app, "reviewer").step(kind, sentBack, unit: unitA, command: WorkflowCommand(action: "refuse_extension", reason: "先行整改"))
            _ = try await clerkA.create(kind, unitRef: f.villageA.code, raw: hazard("五天后到期的隐患", dueIn: 5))
            _ = try await clerkA.create(kind, unitRef: f.villageA.code, raw: hazard("已逾期的隐患", dueIn: -2))
            _ = try await clerkA.create(kind, unitRef: f.villageA.code, raw: hazard("时间充裕的隐患", dueIn: 60, foundAgo: 1))
            let clerk2 = try await recordService(app, "clerk2")
            let (asked, unit2) = try await clerk2.create(kind, unitRef: f.villageB.code, raw: hazard("申请延期的隐患", dueIn: 30))
            try await clerk2.step(kind, asked, unit: unit2, command: WorkflowCommand(action: "request_extension", reason: "等待设备", deadline: later))

            // The town's clerk: the decision message, the item sent back, the near and overdue ones.
            let clerkPage = try await inbox(try await Browser.signedIn(app, "clerkA"))
            XCTAssertEqual(clerkPage["未读消息"], ["延期申请未同意：被驳回延期的隐患"])
            XCTAssertEqual(clerkPage["被退回的事项"], ["被驳回延期的隐患"])
            XCTAssertEqual(clerkPage["即将到期和已逾期的整改事项"], ["已逾期的隐患", "五天后到期的隐患"], "earliest deadline first")
            XCTAssertNil(clerkPage["待审批的销号和延期申请"])

            // The reviewer sees the request; the clerk who is also a reviewer never their own.
            let reviewerPage = try await inbox(try await Browser.signedIn(app, "reviewer"))
            XCTAssertEqual(reviewerPage["待审批的销号和延期申请"], ["申请延期的隐患"])
            let ownPage = try await inbox(try await Browser.signedIn(app, "clerk2"))
            XCTAssertNil(ownPage["待审批的销号和延期申请"], "a request is not its requester's to approve")
            // Town B's reviewer sees nothing of town A, and town B's request is theirs.
            let reviewerB = try await inbox(try await Browser.signedIn(app, "reviewerB"))
            XCTAssertEqual(reviewerB["待审批的销号和延期申请"], ["申请延期的隐患"])

            // The leader: units with overdue or lagging items, worst first.
            let leaderPage = try await inbox(try await Browser.signedIn(app, "leader"))
            XCTAssertEqual(leaderPage["需督办的单位"]?.first, "甲镇")

            // 已办: the clerk's own steps, newest first.
            let steps = try await done(try await Browser.signedIn(app, "clerkA"))
            XCTAssertEqual(steps.first?.hasPrefix("时间充裕的隐患|新增·隐患排查治理台账"), true, steps.first ?? "")
            XCTAssertTrue(steps.contains { $0.hasPrefix("被驳回延期的隐患|申请延期") }, "\(steps)")
        }
    }

    func testLeadsPastTheirDisposalPeriodWaitForDisciplineOnly() async throws {
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["problem_lead"])
            let jijian = try await recordService(app, "jijian")
            let today = LocalDate(Date())
            func lead(_ summary: String, receivedAgo: Int, disposed: Bool = false) async throws {
                var raw = ["received_on": today.adding(days: -receivedAgo).iso, "summary": summary]
                if disposed { raw["disposed_on"] = today.adding(days: -1).iso; raw["disposal"] = "予以了结" }
                _ = try await jijian.create(kind, unitRef: f.townA.code, raw: raw)
            }
            try await lead("反映某村干部优亲厚友", receivedAgo: 45)
            try await lead("反映某站所吃拿卡要", receivedAgo: 35)
            try await lead("已了结的线索", receivedAgo: 60, disposed: true)
            try await lead("新近受理的线索", receivedAgo: 10)
            let title = "超过处置时限的「问题线索处置台账」"
            let page = try await inbox(try await Browser.signedIn(app, "jijian"))
            XCTAssertEqual(page[title], ["反映某村干部优亲厚友", "反映某站所吃拿卡要"], "the longest overdue first")
            // The period is a setting.
            try await app.lvze.settings.set(["integrity.lead_disposal_days": "7"], on: app.db)
            let shorter = try await inbox(try await Browser.signedIn(app, "jijian"))
            XCTAssertEqual(shorter[title]?.count, 3)
            // Nobody else hears of discipline leads.
            for name in ["leader", "clerk", "reviewer"] {
                let other = try await inbox(try await Browser.signedIn(app, name))
                XCTAssertNil(other[title], name)
                let body = try await Browser.signedIn(app, name).get("/").body.string
                XCTAssertFalse(body.contains("优亲厚友"), name)
            }
        }
    }
}
