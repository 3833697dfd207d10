import Foundation
import LvzeCore
import XCTest

final class UnifiedSocialCreditCodeTests: XCTestCase {
    func problem(_ raw: String) -> String? {
        if case let .failure(error) = UnifiedSocialCreditCode.validate(raw) { return error.message }
        return nil
    }

    func testAcceptsValidCodes() {
        for code in ["91350100M000100Y43", "91110000600037341L", "91440300708461136T", "9144030071526726XG"] {
            XCTAssertEqual(UnifiedSocialCreditCode(code)?.value, code)
            XCTAssertNil(problem(code), code)
        }
    }

    func testCheckCharacterFollowsTheStandard() {
        XCTAssertEqual(UnifiedSocialCreditCode.checkCharacter(for: "91350100M000100Y4"), "3")
        XCTAssertEqual(UnifiedSocialCreditCode.checkCharacter(for: "91110000600037341"), "L")
        XCTAssertNil(UnifiedSocialCreditCode.checkCharacter(for: "91350100M000100Y"))
        XCTAssertNil(UnifiedSocialCreditCode.checkCharacter(for: "91350100M000100I4"))
        XCTAssertEqual(UnifiedSocialCreditCode.weights, (0..<17).map { i in (0..<i).reduce(1) { acc, _ in acc * 3 % 31 } })
        XCTAssertEqual(UnifiedSocialCreditCode.alphabet.count, 31)
        // A body whose weighted sum is a multiple of 31 takes check character 0, not 31.
        XCTAssertEqual(UnifiedSocialCreditCode.checkCharacter(for: "00000000000000000"), "0")
    }

    func testNormalisesLowerCaseFullWidthAndSpaces() {
        XCTAssertEqual(UnifiedSocialCreditCode(" 91350100m000100y43 ")?.value, "91350100M000100Y43")
        XCTAssertEqual(UnifiedSocialCreditCode("９１３５０１００Ｍ０００１００Ｙ４３")?.value, "91350100M000100Y43")
        XCTAssertEqual(UnifiedSocialCreditCode("9135 0100 M000 100Y 43")?.value, "91350100M000100Y43")
        XCTAssertEqual(UnifiedSocialCreditCode("91350100m000100y43"), UnifiedSocialCreditCode("91350100M000100Y43"))
    }

    func testNamesTheWrongLength() {
        XCTAssertEqual(problem(""), "不能为空")
        XCTAssertEqual(problem("   "), "不能为空")
        XCTAssertEqual(problem("91350100M000100Y4"), "应为18位，实际为17位")
        XCTAssertEqual(problem("91350100M000100Y433"), "应为18位，实际为19位")
    }

    func testNamesIllegalCharacters() {
        XCTAssertEqual(problem("91350100M0001O0Y43"), "第14位「O」不是合法字符（只能使用数字和除I、O、S、V、Z以外的大写字母）")
        XCTAssertEqual(problem("9I350100M000100Z43"), "第2位「I」、第16位「Z」不是合法字符（只能使用数字和除I、O、S、V、Z以外的大写字母）")
        XCTAssertEqual(problem("91350100M000100Y4-"), "第18位「-」不是合法字符（只能使用数字和除I、O、S、V、Z以外的大写字母）")
    }

    func testNamesTheExpectedCheckCharacter() {
        XCTAssertEqual(problem("91350100M000100Y44"), "校验码错误：第18位应为「3」，实际为「4」")
        XCTAssertEqual(problem("91350100M000100Y34"), "校验码错误：第18位应为「0」，实际为「4」")
        XCTAssertNil(UnifiedSocialCreditCode("91350100M000100Y44"))
    }

    func testFormErrorNamesTheField() {
        guard case let .failure(error) = UnifiedSocialCreditCode.validate("1", field: "code", label: "信用代码") else {
            return XCTFail("accepted")
        }
        XCTAssertEqual(error, FieldError("code", "信用代码", "应为18位，实际为1位"))
    }

    func testCodableUsesTheNormalisedTextAndRefusesInvalidCodes() throws {
        let decoded = try JSONDecoder().decode([UnifiedSocialCreditCode].self, from: Data(#"["91350100m000100y43"]"#.utf8))
        XCTAssertEqual(decoded.map(\.value), ["91350100M000100Y43"])
        XCTAssertEqual(String(decoding: try JSONEncoder().encode(decoded), as: UTF8.self), #"["91350100M000100Y43"]"#)
        XCTAssertThrowsError(try JSONDecoder().decode([UnifiedSocialCreditCode].self, from: Data(#"["91350100M000100Y44"]"#.utf8)))
    }
}
