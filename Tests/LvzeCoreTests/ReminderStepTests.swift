import LvzeCore
import XCTest

/// The reminder ladder: tiers to the handler, then escalation by days overdue, each step once.
final class ReminderStepTests: XCTestCase {
    let settings = ReminderSettings.standard

    func testStepsByDaysLeft() {
        let cases: [(Int, ReminderStep?)] = [
            (30, nil), (21, nil), (20, .green), (11, .green), (10, .yellow), (0, .yellow), (-1, .red), (-6, .red),
            (-7, .unitLeader), (-29, .unitLeader), (-30, .district), (-400, .district),
        ]
        for (days, step) in cases { XCTAssertEqual(settings.step(daysLeft: days), step, "\(days)") }
        XCTAssertEqual(ReminderStep.allCases.map(\.recipient), [.handler, .handler, .handler, .unitLeader, .districtLeader])
        XCTAssertEqual(ReminderStep.allCases.map(\.label), ["绿色预警", "黄色预警", "红色预警", "逾期提级督办", "逾期区级督办"])
    }

    func testEachStepIsSentOnceAndSkippedStepsAreNotSentLate() {
        let cases: [(daysLeft: Int, sent: ReminderStep?, due: ReminderStep?)] = [
            (15, nil, .green), (15, .green, nil), (5, .green, .yellow), (5, .yellow, nil),
            // A week away on holiday: the item went from green to overdue; only the red notice goes.
            (-2, .green, .red), (-8, .red, .unitLeader), (-8, .unitLeader, nil), (-40, .red, .district),
            // An extension moved the deadline back: nothing is sent again until a later step.
            (25, .red, nil), (-3, .unitLeader, nil),
        ]
        for c in cases { XCTAssertEqual(settings.due(daysLeft: c.daysLeft, sent: c.sent), c.due, "\(c)") }
    }

    func testSettingsNameWhatIsWrong() {
        XCTAssertEqual(settings.validationErrors(), [])
        let cases: [(Int, Int, String)] = [(0, 30, "unitLeaderAfterDays"), (7, 7, "districtAfterDays"), (7, 1000, "districtAfterDays")]
        for (unit, district, field) in cases {
            let s = ReminderSettings(warnings: .standard, unitLeaderAfterDays: unit, districtAfterDays: district)
            XCTAssertEqual(s.validationErrors().map(\.field), [field], "\(unit), \(district)")
        }
    }
}
