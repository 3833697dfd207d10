import LvzeCore
import XCTest

final class LocalDateTests: XCTestCase {
    func testParsesTheFormsUsersWrite() {
        let expected = LocalDate(year: 2025, month: 3, day: 5)!
        for text in ["2025-03-05", "2025-3-5", "2025/3/5", "2025.3.5", "2025年3月5日", "20250305", "２０２５年３月５日", " 2025-03-05 "] {
            XCTAssertEqual(LocalDate.parse(text), expected, text)
        }
    }

    func testRefusesWhatIsNotADate() {
        for text in ["", "2025-02-30", "2025-13-01", "25-3-5", "2025-3", "明天", "2025年3-5", "2025/03/05/01", "20251305", "2025-003-05"] {
            XCTAssertNil(LocalDate.parse(text), text)
        }
    }

    func testFormatsForTablesAndProse() {
        let d = LocalDate(year: 2025, month: 3, day: 5)!
        XCTAssertEqual(d.iso, "2025-03-05")
        XCTAssertEqual(d.chinese, "2025年3月5日")
    }

    func testArithmeticAndAge() {
        let d = LocalDate(year: 2024, month: 2, day: 28)!
        XCTAssertEqual(d.adding(days: 1), LocalDate(year: 2024, month: 2, day: 29))
        XCTAssertEqual(d.adding(days: 2), LocalDate(year: 2024, month: 3, day: 1))
        XCTAssertEqual(LocalDate(year: 1970, month: 1, day: 1)!.dayNumber, 0)
        XCTAssertEqual(LocalDate(dayNumber: d.dayNumber), d)
        XCTAssertEqual(LocalDate(year: 2024, month: 12, day: 31)!.days(until: LocalDate(year: 2025, month: 12, day: 31)!), 365)
        let birth = LocalDate(year: 1980, month: 6, day: 15)!
        XCTAssertEqual(birth.age(on: LocalDate(year: 2025, month: 6, day: 14)!), 44)
        XCTAssertEqual(birth.age(on: LocalDate(year: 2025, month: 6, day: 15)!), 45)
    }

    func testDateOfAnInstantIsChinaLocal() {
        // 2025-12-31T17:00Z is already 1 January in China.
        let instant = Date(timeIntervalSince1970: 1_767_200_400)
        XCTAssertEqual(LocalDate(instant), LocalDate(year: 2026, month: 1, day: 1))
    }

    func testHalfWidth() {
        XCTAssertEqual("１２３ＡＢ，".halfWidth, "123AB,")
    }
}

final class UnitPathTests: XCTestCase {
    func testSubtreeBounds() {
        let p = UnitPath("/1/5/")
        XCTAssertTrue(p.contains(UnitPath("/1/5/23/")))
        XCTAssertTrue(p.contains(p))
        XCTAssertFalse(p.contains(UnitPath("/1/50/")))
        XCTAssertFalse(p.contains(UnitPath("/1/")))
        // Every descendant sorts inside [value, upper bound); a sibling like /1/50/ does not.
        for d in ["/1/5/", "/1/5/0/", "/1/5/999999/12/"] {
            XCTAssertTrue(d >= p.value && d < p.subtreeUpperBound, d)
        }
        XCTAssertFalse("/1/50/" >= p.value && "/1/50/" < p.subtreeUpperBound)
        XCTAssertEqual(p.ids, [1, 5])
        XCTAssertEqual(p.depth, 1)
        XCTAssertEqual(p.rebase(UnitPath("/1/5/23/"), onto: UnitPath("/1/7/5/")), UnitPath("/1/7/5/23/"))
    }
}

/// Found by the CSV fuzzer: a digit with a combining mark is one Character but no ASCII digit.
final class LocalDateFuzzFindingTests: XCTestCase {
    func testCombiningMarksAreNotDigits() {
        XCTAssertNil(LocalDate.parse("2\u{301}0250305"))
        XCTAssertNil(LocalDate.parse("2025-03-0\u{301}5"))
        XCTAssertNil(LocalDate.parse("2025年3\u{301}月5日"))
    }
}
