import Foundation
import LvzeCore
import XCTest

final class AccidentGradeTests: XCTestCase {
    func grade(deaths: Int = 0, injuries: Int = 0, loss: String = "0") -> AccidentGrade {
        AccidentGrade.grade(deaths: deaths, seriousInjuries: injuries, directLossYuan: Decimal(string: loss)!)
    }

    func testDeathBoundaries() {
        XCTAssertEqual(grade(deaths: 0), .ordinary)
        XCTAssertEqual(grade(deaths: 2), .ordinary)
        XCTAssertEqual(grade(deaths: 3), .relativelyMajor)
        XCTAssertEqual(grade(deaths: 9), .relativelyMajor)
        XCTAssertEqual(grade(deaths: 10), .major)
        XCTAssertEqual(grade(deaths: 29), .major)
        XCTAssertEqual(grade(deaths: 30), .extraordinarilyMajor)
    }

    func testSeriousInjuryBoundaries() {
        XCTAssertEqual(grade(injuries: 9), .ordinary)
        XCTAssertEqual(grade(injuries: 10), .relativelyMajor)
        XCTAssertEqual(grade(injuries: 49), .relativelyMajor)
        XCTAssertEqual(grade(injuries: 50), .major)
        XCTAssertEqual(grade(injuries: 99), .major)
        XCTAssertEqual(grade(injuries: 100), .extraordinarilyMajor)
    }

    func testDirectLossBoundaries() {
        XCTAssertEqual(grade(loss: "9999999.99"), .ordinary)
        XCTAssertEqual(grade(loss: "10000000"), .relativelyMajor)
        XCTAssertEqual(grade(loss: "49999999.99"), .relativelyMajor)
        XCTAssertEqual(grade(loss: "50000000"), .major)
        XCTAssertEqual(grade(loss: "99999999.99"), .major)
        XCTAssertEqual(grade(loss: "100000000"), .extraordinarilyMajor)
        XCTAssertEqual(grade(loss: "100000000.01"), .extraordinarilyMajor)
    }

    func testTheHighestCriterionWins() {
        XCTAssertEqual(grade(deaths: 2, injuries: 9, loss: "9999999.99"), .ordinary)
        XCTAssertEqual(grade(deaths: 1, injuries: 50, loss: "100"), .major)
        XCTAssertEqual(grade(deaths: 3, injuries: 0, loss: "100000000"), .extraordinarilyMajor)
        XCTAssertEqual(grade(deaths: 30, injuries: 10, loss: "10000000"), .extraordinarilyMajor)
    }

    func testLabelsOrderAndMajorOrAbove() {
        XCTAssertEqual(AccidentGrade.allCases.map(\.label), ["一般事故", "较大事故", "重大事故", "特别重大事故"])
        XCTAssertEqual(AccidentGrade.allCases.sorted(by: >), [.extraordinarilyMajor, .major, .relativelyMajor, .ordinary])
        XCTAssertEqual(AccidentGrade.allCases.filter(\.isMajorOrAbove), [.relativelyMajor, .major, .extraordinarilyMajor])
        XCTAssertEqual(AccidentGrade.fromLabel("较大"), .relativelyMajor)
        XCTAssertEqual(AccidentGrade.fromLabel("特别重大事故"), .extraordinarilyMajor)
        XCTAssertEqual(AccidentGrade.fromLabel("ordinary"), .ordinary)
        XCTAssertNil(AccidentGrade.fromLabel("严重"))
    }
}
