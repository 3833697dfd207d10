import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// The warning ladder's days on the settings page, the pass that follows them, and the
/// dashboards' year-on-year chart in per cent.
final class LadderSettingsTests: XCTestCase {
    func testTheLadderIsCheckedSavedAuditedAndFollowed() async throws {
        try await withRunningFixture { app, f, port, _ in
            let sys = SocketBrowser(port: port)
            try await sys.login("sys")
            try await sys.get("/admin/settings")
            let base = [("districtName", "测试区委"), ("importConcurrency", "2")]
            // Each bad ladder with the message it gets; nothing is saved.
            let cases: [([(String, String)], String)] = [
                ([("greenDays", "二十")], "«绿色预警天数»：应为整数天数（收到「二十」）"),
                ([("greenDays", "10"), ("yellowDays", "10")], "«黄色预警天数»：须少于绿色预警天数（10天）"),
                ([("unitLeaderAfterDays", "0")], "«逾期提级天数»：须在1到365天之间"),
                ([("unitLeaderAfterDays", "30"), ("districtAfterDays", "30")], "«逾期区级督办天数»：须多于逾期提级天数（30天）"),
            ]
            for (fields, message) in cases {
                let res = try await sys.post("/admin/settings", base + fields)
                XCTAssertEqual(res.status, 422, "\(fields)")
                XCTAssertTrue(res.text.contains(message), "\(fields): \(res.text.components(separatedBy: "role=\"alert\"").dropFirst().first?.prefix(400) ?? "")")
                XCTAssertEqual(app.lvze.settings.reminderSettings, .standard, "\(fields) saved nothing")
            }
            // Full-width digits are read; the change is audited with before and after.
            let ok = try await sys.post("/admin/settings", base + [("greenDays", "３０"), ("yellowDays", "15"),
                                                                   ("unitLeaderAfterDays", "5"), ("districtAfterDays", "20")])
            XCTAssertEqual(ok.status, 303, ok.text)
            XCTAssertEqual(app.lvze.settings.reminderSettings,
                           ReminderSettings(warnings: .init(greenDays: 30, yellowDays: 15, redDays: -1), unitLeaderAfterDays: 5, districtAfterDays: 20))
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == AuditAction.settingsChanged.rawValue).sort(\.$id, .descending).first()
            XCTAssertTrue(entry?.after?.contains("workflow.green_days") ?? false, entry?.after ?? "")

            // The pass follows the new days: 25 days ahead is now inside the green tier.
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let user = try await User.query(on: app.db).filter(\.$username == "clerkA").first()!
            let clerk = app.records(as: RecordActor(Principal(user: user, unit: f.townA, session: nil, roles: user.roles), address: "t"))
            let today = LocalDate(app.lvze.clock.now())
            _ = try await clerk.create(kind, unitRef: f.villageA.code, raw: ["found_on": today.iso, "description": "二十五天后到期",
                                                                              "level": "一般隐患", "deadline": today.adding(days: 25).iso, "source": "检查发现"])
            let report = try await app.runReminders()
            XCTAssertEqual(report.steps, [.green: 1])
        }
    }

    func testKeyFiguresAreComparedWithLastYearInPerCent() async throws {
        try await withFixture { app, f in
            let kind = try XCTUnwrap(app.lvze.catalogue["hazard"])
            let user = try await User.query(on: app.db).filter(\.$username == "clerk").first()!
            let clerk = app.records(as: RecordActor(Principal(user: user, unit: f.dist, session: nil, roles: user.roles), address: "t"))
            let today = LocalDate(app.lvze.clock.now())
            // Two hazards found last year, three this year: +50 %; none closed in either year.
            for (i, year) in [today.year - 1, today.year - 1, today.year, today.year, today.year].enumerated() {
                let found = LocalDate(year: year, month: 1, day: 10 + i)!
                _ = try await clerk.create(kind, unitRef: f.villageA.code, raw: ["found_on": found.iso, "description": "隐患\(i)", "level": "一般隐患",
                                                                                  "deadline": found.adding(days: 30).iso, "source": "检查发现"])
            }
            let leader = try await User.query(on: app.db).filter(\.$username == "leader").first()!
            let body = DashboardBody(db: app.db, catalogue: app.lvze.catalogue.catalogue, metrics: app.lvze.catalogue.metrics,
                                     principal: Principal(user: leader, unit: f.dist, session: nil, roles: leader.roles),
                                     board: .safety, year: today.year, today: today)
            let svg = try await body.comparison()
            XCTAssertTrue(svg.contains("主要指标同比变化（\(today.year)年比\(today.year - 1)年）"), svg.prefix(300).description)
            XCTAssertTrue(svg.contains(">50</text>"), "the change of 查出隐患 is 50 (%)")
            let rectified = try XCTUnwrap(app.lvze.catalogue.metrics["safety.hazards.rectified"]?.label)
            XCTAssertTrue(svg.contains("\(rectified)（上年为0）"), "a figure that was 0 last year has no per cent, and says why")
        }
    }
}
