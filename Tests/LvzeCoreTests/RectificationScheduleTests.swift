import LvzeCore
import XCTest

final class RectificationScheduleTests: XCTestCase {
    func day(_ month: Int, _ day: Int, year: Int = 2025) -> LocalDate { LocalDate(year: year, month: month, day: day)! }

    func testExpectedProgressIsTheElapsedShareRoundedDown() {
        let ten = RectificationSchedule(created: day(1, 1), deadline: day(1, 11))
        XCTAssertEqual(ten.expectedProgress(on: day(12, 31, year: 2024)), 0)
        XCTAssertEqual(ten.expectedProgress(on: day(1, 1)), 0)
        XCTAssertEqual(ten.expectedProgress(on: day(1, 2)), 10)
        XCTAssertEqual(ten.expectedProgress(on: day(1, 4)), 30)
        XCTAssertEqual(ten.expectedProgress(on: day(1, 10)), 90)
        XCTAssertEqual(ten.expectedProgress(on: day(1, 11)), 100)
        XCTAssertEqual(ten.expectedProgress(on: day(2, 20)), 100)

        let three = RectificationSchedule(created: day(1, 1), deadline: day(1, 4))
        XCTAssertEqual(three.expectedProgress(on: day(1, 2)), 33)
        XCTAssertEqual(three.expectedProgress(on: day(1, 3)), 66, "66.7 rounds down")
    }

    func testZeroLengthPeriodCountsAsDoneOnceTheDayIsReached() {
        let sameDay = RectificationSchedule(created: day(3, 10), deadline: day(3, 10))
        XCTAssertEqual(sameDay.expectedProgress(on: day(3, 9)), 0)
        XCTAssertEqual(sameDay.expectedProgress(on: day(3, 10)), 100)
        XCTAssertEqual(sameDay.expectedProgress(on: day(3, 11)), 100)
        let backwards = RectificationSchedule(created: day(3, 10), deadline: day(3, 5))
        XCTAssertEqual(backwards.expectedProgress(on: day(3, 10)), 100)
        XCTAssertEqual(backwards.expectedProgress(on: day(3, 4)), 0)
    }

    func testBehindWhenActualIsBelowExpectedAndOpen() {
        let schedule = RectificationSchedule(created: day(1, 1), deadline: day(1, 11))
        XCTAssertTrue(schedule.isBehind(actualProgress: 29, on: day(1, 4), isClosed: false))
        XCTAssertFalse(schedule.isBehind(actualProgress: 30, on: day(1, 4), isClosed: false))
        XCTAssertFalse(schedule.isBehind(actualProgress: 0, on: day(1, 1), isClosed: false))
        XCTAssertTrue(schedule.isBehind(actualProgress: 99, on: day(1, 11), isClosed: false))
        XCTAssertFalse(schedule.isBehind(actualProgress: 29, on: day(1, 4), isClosed: true))
    }

    func testDaysLeftIsNegativeWhenOverdue() {
        let schedule = RectificationSchedule(created: day(1, 1), deadline: day(3, 1))
        XCTAssertEqual(schedule.daysLeft(on: day(2, 28)), 1)
        XCTAssertEqual(schedule.daysLeft(on: day(3, 1)), 0)
        XCTAssertEqual(schedule.daysLeft(on: day(3, 2)), -1)
        XCTAssertEqual(schedule.daysLeft(on: day(1, 1)), 59)
    }

    func testDefaultTiersAtEachBoundary() {
        let deadline = day(6, 30)
        let schedule = RectificationSchedule(created: day(1, 1), deadline: deadline)
        let expected: [(Int, DeadlineWarningTier?)] = [
            (21, nil), (20, .green), (11, .green), (10, .yellow), (1, .yellow), (0, .yellow), (-1, .red), (-100, .red),
        ]
        for (left, tier) in expected {
            XCTAssertEqual(schedule.warningTier(on: deadline.adding(days: -left), isClosed: false), tier, "\(left) days left")
        }
        XCTAssertNil(schedule.warningTier(on: deadline.adding(days: 1), isClosed: true))
        XCTAssertNil(schedule.warningTier(on: deadline.adding(days: -5), isClosed: true))
    }

    func testTiersFollowTheSettings() {
        let settings = DeadlineWarningSettings(greenDays: 30, yellowDays: 7, redDays: 3)
        XCTAssertNil(settings.tier(daysLeft: 31))
        XCTAssertEqual(settings.tier(daysLeft: 30), .green)
        XCTAssertEqual(settings.tier(daysLeft: 8), .green)
        XCTAssertEqual(settings.tier(daysLeft: 7), .yellow)
        XCTAssertEqual(settings.tier(daysLeft: 4), .yellow)
        XCTAssertEqual(settings.tier(daysLeft: 3), .red)
        let schedule = RectificationSchedule(created: day(1, 1), deadline: day(1, 31))
        XCTAssertEqual(schedule.warningTier(on: day(1, 28), isClosed: false, settings: settings), .red)
        XCTAssertEqual(schedule.warningTier(on: day(1, 28), isClosed: false), .yellow)
    }

    func testSettingsValidation() {
        XCTAssertEqual(DeadlineWarningSettings.standard, DeadlineWarningSettings(greenDays: 20, yellowDays: 10, redDays: -1))
        XCTAssertEqual(DeadlineWarningSettings.standard.validationErrors(), [])
        XCTAssertEqual(DeadlineWarningSettings(greenDays: 10, yellowDays: 10, redDays: -1).validationErrors().map(\.message),
                       ["须少于绿色预警天数（10天）"])
        XCTAssertEqual(DeadlineWarningSettings(greenDays: 20, yellowDays: 5, redDays: 5).validationErrors().map(\.field), ["redDays"])
        XCTAssertEqual(DeadlineWarningSettings(greenDays: 0, yellowDays: -1, redDays: -400).validationErrors().map(\.field),
                       ["greenDays", "yellowDays", "redDays"])
    }

    func testTierLabelsAndOrder() {
        XCTAssertEqual(DeadlineWarningTier.allCases.map(\.label), ["绿色预警", "黄色预警", "红色预警"])
        XCTAssertLessThan(DeadlineWarningTier.green, .yellow)
        XCTAssertLessThan(DeadlineWarningTier.yellow, .red)
        XCTAssertEqual(DeadlineWarningTier.allCases.map(\.rawValue), ["green", "yellow", "red"])
    }

    /// The day kept with a record agrees with `isBehind` on every day of every period.
    func testBehindFromIsTheFirstDayBehind() {
        let created = LocalDate(year: 2025, month: 3, day: 1)!
        for period in [-3, 0, 1, 7, 30, 97, 365] {
            let schedule = RectificationSchedule(created: created, deadline: created.adding(days: period))
            for actual in [0, 1, 33, 50, 99, 100] {
                let from = schedule.behindFrom(actualProgress: actual)
                for offset in -2...(max(period, 0) + 3) {
                    let day = created.adding(days: offset)
                    XCTAssertEqual(schedule.isBehind(actualProgress: actual, on: day, isClosed: false), from.map { day >= $0 } ?? false,
                                   "period \(period), progress \(actual), day \(offset)")
                }
            }
        }
    }
}
