import LvzeCore
import XCTest

/// Sizes, joined sentences and labels read as official Chinese.
final class ChineseTextTests: XCTestCase {
    func testSizes() {
        let cases: [(Int, String)] = [
            (0, "0字节"), (615, "615字节"), (1023, "1023字节"), (1024, "1 KB"), (1536, "1.5 KB"),
            (102_400, "100 KB"), (1_258_291, "1.2 MB"), (10 * 1024 * 1024, "10 MB"), (3 * 1024 * 1024 * 1024, "3 GB"),
        ]
        for (bytes, text) in cases { XCTAssertEqual(ChineseText.size(bytes), text, "\(bytes)") }
    }

    func testJoinedSentencesNeverDoubleTheirPunctuation() {
        let cases: [([String], String)] = [
            (["已更换灭火器。", "佐证材料1份"], "已更换灭火器；佐证材料1份"),
            (["已整改；", "", "  ", "复查合格。"], "已整改；复查合格"),
            (["只有一句"], "只有一句"),
            ([], ""),
        ]
        for (parts, text) in cases { XCTAssertEqual(ChineseText.joined(parts), text, "\(parts)") }
    }

    func testAUnitIsAddedToALabelOnce() {
        let cases: [(String, String, String)] = [
            ("整改资金", "万元", "整改资金（万元）"), ("整改资金（元）", "元", "整改资金（元）"),
            ("直接经济损失(元)", "元", "直接经济损失(元)"), ("整改资金（元）", "万元", "整改资金（元）（万元）"),
        ]
        for (label, unit, text) in cases { XCTAssertEqual(ChineseText.labelled(label, unit: unit), text) }
    }
}
