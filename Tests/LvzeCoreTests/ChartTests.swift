import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LvzeCore
import XCTest

final class ChartTests: XCTestCase {
    // MARK: Reading the output back

    /// One element of a parsed chart, with all the text inside it.
    struct Element {
        var name: String
        var attributes: [String: String]
        var text: String
        var classes: [Substring] { (attributes["class"] ?? "").split(separator: " ") }
        func number(_ key: String) -> Double { Double(attributes[key] ?? "") ?? .nan }
    }

    final class Collector: NSObject, XMLParserDelegate {
        var elements: [Element] = []
        var open: [Int] = []
        var failure: String?

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            elements.append(Element(name: name, attributes: attributes, text: ""))
            open.append(elements.count - 1)
        }

        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            open.removeLast()
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            for i in open { elements[i].text += string }
        }

        func parser(_ parser: XMLParser, parseErrorOccurred error: Error) {
            failure = "\(error) at line \(parser.lineNumber), column \(parser.columnNumber)"
        }
    }

    /// Parses with Foundation's XMLParser and fails the test when the SVG is not well-formed.
    func parse(_ svg: String, file: StaticString = #filePath, line: UInt = #line) -> [Element] {
        let parser = XMLParser(data: Data(svg.utf8))
        let collector = Collector()
        parser.delegate = collector
        let ok = parser.parse()
        XCTAssertTrue(ok, "not well-formed XML: \(collector.failure ?? "?")\n\(svg.prefix(400))", file: file, line: line)
        return collector.elements
    }

    func elements(_ all: [Element], class name: String) -> [Element] {
        all.filter { $0.classes.contains(Substring(name)) }
    }

    // MARK: Sample data

    let months = (1...12).map { "\($0)月" }
    let states = ["待整改", "整改中", "申请销号", "已销号"]
    let units = ["东城街道", "西河镇", "区应急管理局", "区住房和城乡建设局", "南湖街道", "北山镇"]

    func hazards() -> [ChartSeries] {
        [
            ChartSeries(name: "发现隐患", values: [34, 28, 41, nil, 52, 47, 39, 44, 58, 61, 49, 87]),
            ChartSeries(name: "完成整改", values: [30, 25, 38, nil, 45, 47, 35, 40, 50, 60, 41, 70]),
        ]
    }

    func allCharts() -> [String] {
        [
            SVGChart.bar(title: "隐患排查整改情况", categories: months, series: hazards(), unit: "条"),
            SVGChart.bar(
                title: "各单位隐患整改状态", categories: units,
                series: states.enumerated().map { i, s in
                    ChartSeries(name: s, values: units.indices.map { Double(($0 * 7 + i * 5) % 13) }, tone: [.pending, .inProgress, .closureRequested, .closed][i])
                },
                stacked: true, unit: "条"),
            SVGChart.horizontalBar(title: "逾期未整改排名", labels: units, values: [5, 12, nil, 3, 0, 9], unit: "条", tone: .overdue),
            SVGChart.line(title: "月度隐患趋势", categories: months, series: hazards(), unit: "条"),
            SVGChart.donut(
                title: "事故等级分布",
                slices: AccidentGrade.allCases.enumerated().map { ChartSlice(label: $0.element.label, value: [12, 3, 1, 0][$0.offset]) },
                unit: "起"),
        ]
    }

    // MARK: Tests

    func testEveryChartIsWellFormedAccessibleAndFreeOfInlineStyles() {
        for svg in allCharts() {
            let all = parse(svg)
            XCTAssertFalse(svg.contains("style="), "inline style attribute")
            XCTAssertFalse(svg.contains("<style"), "style element")
            guard let root = all.first else { return XCTFail("empty output") }
            XCTAssertEqual(root.name, "svg")
            XCTAssertEqual(root.attributes["xmlns"], "http://www.w3.org/2000/svg")
            XCTAssertEqual(root.attributes["role"], "img")
            XCTAssertNotNil(root.attributes["viewBox"])
            XCTAssertEqual(root.attributes["font-family"], "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',sans-serif")
            let title = all.first { $0.name == "title" && $0.attributes["id"] == root.attributes["aria-labelledby"] }
            let desc = all.first { $0.name == "desc" && $0.attributes["id"] == root.attributes["aria-describedby"] }
            XCTAssertNotNil(title, "aria-labelledby must name the <title>")
            XCTAssertNotNil(desc, "aria-describedby must name the <desc>")
            XCTAssertFalse(desc?.text.isEmpty ?? true)
            // Themeable by class, yet coloured without any stylesheet.
            for mark in all where mark.classes.contains("chart-bar") || mark.classes.contains("chart-slice") {
                XCTAssertNotNil(mark.attributes["fill"])
            }
        }
    }

    func testLabelsFromUserDataAreEscaped() {
        let hostile = "<a&b>"
        let quoted = "\"引号\" 'single'"
        let outputs = [
            SVGChart.bar(title: "标题<script>", categories: [hostile, "正常"], series: [ChartSeries(name: quoted, values: [1, 2]), ChartSeries(name: hostile, values: [3, 4])], unit: "<条>"),
            SVGChart.horizontalBar(title: hostile, labels: [hostile, quoted], values: [1, 2], unit: "&"),
            SVGChart.line(title: hostile, categories: [hostile, "b"], series: [ChartSeries(name: quoted, values: [1, 2])]),
            SVGChart.donut(title: hostile, slices: [ChartSlice(label: hostile, value: 1), ChartSlice(label: quoted, value: 2)]),
            SVGChart.bar(title: hostile, categories: [], series: []),
            SVGChart.bar(title: "x", categories: ["a"], series: [ChartSeries(name: "b", values: [1])], id: "id\"><script>"),
        ]
        for svg in outputs {
            XCTAssertFalse(svg.contains("<a&b>"))
            XCTAssertFalse(svg.contains("<script"))
            XCTAssertFalse(svg.contains("'single'"))
            let all = parse(svg)
            XCTAssertFalse(all.contains { $0.name == "a" || $0.name == "script" }, "user data became markup")
        }
        XCTAssertTrue(outputs[0].contains("&lt;a&amp;b&gt;"))
        XCTAssertTrue(outputs[0].contains("&quot;引号&quot; &#39;single&#39;"))
        // The reader sees the words as typed.
        let categories = elements(parse(outputs[0]), class: "chart-category").map(\.text)
        XCTAssertTrue(categories.contains(hostile), "\(categories)")
    }

    func testControlCharactersInLabelsCannotBreakTheXML() {
        let svg = SVGChart.bar(title: "a\u{0}b\u{1B}c", categories: ["x\u{8}y"], series: [ChartSeries(name: "n\u{FFFF}", values: [1])])
        _ = parse(svg)
        XCTAssertFalse(svg.unicodeScalars.contains { $0.value < 0x20 })
    }

    func testNilDrawsNoBarButZeroLeavesAMark() {
        let svg = SVGChart.bar(title: "t", categories: ["甲", "乙", "丙"], series: [ChartSeries(name: "s", values: [3, nil, 0])], unit: "条")
        let bars = elements(parse(svg), class: "chart-bar")
        XCTAssertEqual(bars.count, 2, "one rect for 3, one for 0, none for nil")
        XCTAssertFalse(bars.contains { $0.text.hasPrefix("乙") })
        XCTAssertTrue(bars.contains { $0.text == "丙 s：0条" })
        XCTAssertTrue(svg.contains("乙 无数据"), "the desc must say 无数据, not 0")
        let marks = elements(parse(svg), class: "chart-missing")
        XCTAssertEqual(marks.map(\.text), ["无数据"], "the empty slot is marked")
        XCTAssertEqual(marks.first?.number("x") ?? 0, elements(parse(svg), class: "chart-category")[1].number("x"), accuracy: 0.01)

        // Missing trailing values are nil too, and stacked nils draw nothing either.
        let stacked = SVGChart.bar(
            title: "t", categories: ["甲", "乙"],
            series: [ChartSeries(name: "a", values: [1, nil]), ChartSeries(name: "b", values: [2])],
            stacked: true)
        XCTAssertEqual(elements(parse(stacked), class: "chart-bar").count, 2)

        // A line breaks at nil instead of dropping to 0.
        let line = SVGChart.line(title: "t", categories: ["1", "2", "3", "4"], series: [ChartSeries(name: "s", values: [1, 2, nil, 4])])
        let all = parse(line)
        XCTAssertEqual(elements(all, class: "chart-point").count, 3)
        let path = elements(all, class: "chart-line").first?.attributes["d"] ?? ""
        XCTAssertEqual(path.filter { $0 == "M" }.count, 2, path)
    }

    func testStackTopsSitAtTheCategoryTotals() {
        let values: [[Double?]] = [[5, 0, 7, 12], [3, 4, nil, 9], [2, 6, 1, 30]]
        let svg = SVGChart.bar(
            title: "t", categories: ["甲", "乙", "丙", "丁"],
            series: values.enumerated().map { ChartSeries(name: states[$0.offset], values: $0.element) },
            stacked: true, unit: "条")
        let all = parse(svg)
        // Pixels per unit from the axis itself: the zero line and the highest tick.
        let ticks = elements(all, class: "chart-tick").map { (value: Double($0.text)!, y: $0.number("y") - 4) }
        XCTAssertEqual(ticks.map(\.value), [0, 20, 40, 60])
        let zero = ticks.first { $0.value == 0 }!.y
        let top = ticks.max { $0.value < $1.value }!
        XCTAssertEqual(elements(all, class: "chart-baseline").first?.number("y1") ?? .nan, zero, accuracy: 0.01)
        let perUnit = (zero - top.y) / top.value

        let bars = elements(all, class: "chart-bar")
        let stacks = Dictionary(grouping: bars) { $0.number("x") }.sorted { $0.key < $1.key }
        XCTAssertEqual(stacks.count, 4)
        let totals = (0..<4).map { i in values.compactMap { $0[i] }.reduce(0, +) }
        XCTAssertEqual(totals, [10, 10, 8, 51])
        for (stack, total) in zip(stacks.map(\.value), totals) {
            let highest = stack.map { $0.number("y") }.min()!
            let summed = stack.map { $0.number("height") }.reduce(0, +)
            XCTAssertEqual(highest, zero - total * perUnit, accuracy: 0.05, "top of the stack")
            XCTAssertEqual(summed, total * perUnit, accuracy: 0.05, "segments add up to the total")
            // No gaps or overlaps: each segment starts where the previous one ended.
            let sorted = stack.sorted { $0.number("y") > $1.number("y") }
            XCTAssertEqual(sorted.first!.number("y") + sorted.first!.number("height"), zero, accuracy: 0.02)
            for (lower, upper) in zip(sorted, sorted.dropFirst()) {
                XCTAssertEqual(upper.number("y") + upper.number("height"), lower.number("y"), accuracy: 0.02)
            }
        }
        let shownTotals = elements(all, class: "chart-total").map(\.text)
        XCTAssertEqual(shownTotals, ["10", "10", "8", "51"])
    }

    func testTicksAreRoundNumbers() {
        XCTAssertEqual(ChartAxis.ticks(min: 0, max: 87), [0, 20, 40, 60, 80, 100])
        XCTAssertEqual(ChartAxis.ticks(min: 0, max: 100), [0, 20, 40, 60, 80, 100])
        XCTAssertEqual(ChartAxis.ticks(min: 0, max: 10, integral: true), [0, 2, 4, 6, 8, 10])
        XCTAssertEqual(ChartAxis.ticks(min: 0, max: 3, integral: true), [0, 1, 2, 3])
        XCTAssertEqual(ChartAxis.ticks(min: 0, max: 0, integral: true), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(ChartAxis.ticks(min: 0, max: 1234), [0, 500, 1000, 1500])
        XCTAssertEqual(ChartAxis.ticks(min: 0, max: 0.37), [0, 0.1, 0.2, 0.3, 0.4])
        XCTAssertEqual(ChartAxis.ticks(min: -12, max: 30), [-20, -10, 0, 10, 20, 30])
        XCTAssertEqual(ChartAxis.ticks(min: 0, max: 0.01), [0, 0.1], "never finer than the one decimal shown")
        for max in [1.0, 7, 13, 87, 99, 101, 450, 999, 12345, 0.6, 2.5] {
            let ticks = ChartAxis.ticks(min: 0, max: max)
            XCTAssertGreaterThanOrEqual(ticks.last!, max)
            XCTAssertTrue((3...11).contains(ticks.count), "\(max): \(ticks)")
            let step = ticks[1] - ticks[0]
            let mantissa = step / pow(10, floor(log10(step)))
            XCTAssertTrue([1, 2, 5].contains { abs($0 - mantissa) < 1e-6 }, "\(max): step \(step)")
        }
        // The chart draws exactly these ticks.
        let svg = SVGChart.bar(title: "t", categories: ["a", "b"], series: [ChartSeries(name: "s", values: [87, 40])])
        XCTAssertEqual(elements(parse(svg), class: "chart-tick").map(\.text), ["0", "20", "40", "60", "80", "100"])
    }

    func testFiguresHaveOneDecimalAndNoThousandsSeparator() {
        let svg = SVGChart.bar(title: "t", categories: ["a", "b", "c"], series: [ChartSeries(name: "s", values: [1234.56, 12.0, 0.04])], unit: "万元")
        let figures = elements(parse(svg), class: "chart-value").map(\.text)
        XCTAssertEqual(figures, ["1234.6", "12", "0"])
        XCTAssertTrue(svg.contains("a 1234.6万元"))
        XCTAssertTrue(svg.contains("单位：万元"))
        XCTAssertFalse(svg.contains("1,234"))
    }

    func testNoDataShowsAFrameWithZanWuShuJu() {
        let outputs = [
            SVGChart.bar(title: "隐患", categories: months, series: [ChartSeries(name: "s", values: Array(repeating: nil, count: 12))], unit: "条"),
            SVGChart.bar(title: "隐患", categories: [], series: [ChartSeries(name: "s", values: [1])]),
            SVGChart.bar(title: "隐患", categories: months, series: []),
            SVGChart.line(title: "隐患", categories: months, series: [ChartSeries(name: "s", values: [Double.nan])]),
            SVGChart.horizontalBar(title: "排名", labels: units, values: []),
            SVGChart.donut(title: "事故", slices: [ChartSlice(label: "一般事故", value: nil)]),
            SVGChart.donut(title: "事故", slices: []),
        ]
        for svg in outputs {
            let all = parse(svg)
            XCTAssertEqual(elements(all, class: "chart-empty").map(\.text), ["暂无数据"])
            XCTAssertEqual(elements(all, class: "chart-frame").count, 1)
            XCTAssertTrue(elements(all, class: "chart-tick").isEmpty, "no empty axis")
            XCTAssertTrue(elements(all, class: "chart-bar").isEmpty)
            XCTAssertTrue(all.contains { $0.name == "desc" && $0.text.contains("暂无数据") })
        }
        // All zeros is data ("none happened"), not absence of data.
        let zeros = SVGChart.donut(title: "事故", slices: [ChartSlice(label: "一般事故", value: 0)], unit: "起")
        XCTAssertFalse(zeros.contains("暂无数据"))
        XCTAssertEqual(elements(parse(zeros), class: "chart-total").map(\.text), ["0"])
        let zeroBars = SVGChart.bar(title: "t", categories: ["a"], series: [ChartSeries(name: "s", values: [0])])
        XCTAssertFalse(zeroBars.contains("暂无数据"))
    }

    func testDonutSharesAndTotal() {
        let svg = SVGChart.donut(
            title: "四种形态",
            slices: DisciplineForm.allCases.enumerated().map { ChartSlice(label: $0.element.label, value: [60, 25, 10, 5][$0.offset]) },
            unit: "人次")
        let all = parse(svg)
        XCTAssertEqual(elements(all, class: "chart-slice").count, 4)
        XCTAssertEqual(elements(all, class: "chart-total").map(\.text), ["100"])
        XCTAssertEqual(elements(all, class: "chart-value").map(\.text), ["60%", "25%", "10%", "5%", "60人次（60%）", "25人次（25%）", "10人次（10%）", "5人次（5%）"])
        // One slice of everything is a full ring, not an empty arc from a point to itself.
        let whole = parse(SVGChart.donut(title: "t", slices: [ChartSlice(label: "一般事故", value: 3), ChartSlice(label: "较大事故", value: 0)]))
        let d = elements(whole, class: "chart-slice").first?.attributes["d"] ?? ""
        XCTAssertEqual(d.filter { $0 == "A" }.count, 4, d)
    }

    func testRankingSortsAndGrowsWithRows() {
        let svg = SVGChart.horizontalBar(title: "逾期", labels: ["甲", "乙", "丙", "丁"], values: [2, nil, 9, 2], unit: "条")
        let all = parse(svg)
        XCTAssertEqual(elements(all, class: "chart-category").map(\.text), ["丙", "甲", "丁", "乙"])
        XCTAssertEqual(elements(all, class: "chart-bar").count, 3)
        XCTAssertTrue(svg.contains("第1名 丙 9条，第2名 甲 2条，第2名 丁 2条，乙 无数据"))
        let height = { (rows: Int) -> Double in
            let labels = (0..<rows).map { "单位\($0)" }
            let svg = SVGChart.horizontalBar(title: "t", labels: labels, values: labels.indices.map(Double.init))
            return self.parse(svg).first!.number("height")
        }
        XCTAssertGreaterThan(height(20), height(5) + 14 * 20)
        // A long name is shortened, and the full name stays as its tooltip.
        let long = "区住房和城乡建设局建筑工程质量安全监督站"
        let shortened = elements(parse(SVGChart.horizontalBar(title: "t", labels: [long], values: [1])), class: "chart-category")
        XCTAssertTrue(shortened[0].text.hasPrefix(long), "title first, then the shown words")
        XCTAssertTrue(shortened[0].text.hasSuffix("…"))
    }

    func testCategoryLabelsStayInsideAndApart() {
        let svgs = [
            SVGChart.bar(title: "t", categories: (1...100).map { "第\($0)周" }, series: [ChartSeries(name: "s", values: (1...100).map { Double($0 % 17) })]),
            SVGChart.bar(title: "t", categories: units + units.map { $0 + "机关" }, series: [ChartSeries(name: "s", values: Array(repeating: 3, count: 12))]),
            SVGChart.bar(title: "t", categories: units, series: hazards()),
        ]
        for svg in svgs {
            let all = parse(svg)
            let width = all.first!.number("width")
            let labels = elements(all, class: "chart-category")
            XCTAssertFalse(labels.isEmpty)
            let level = labels.filter { $0.attributes["transform"] == nil }
            let xs = level.map { $0.number("x") }
            for (a, b) in zip(xs, xs.dropFirst()) {
                // Level labels are at most 7 characters of 12px here.
                XCTAssertGreaterThan(b - a, 48, "level labels overlap")
            }
            for label in labels {
                XCTAssertGreaterThan(label.number("x"), 0)
                XCTAssertLessThan(label.number("x"), width)
            }
        }
        let weekly = elements(parse(svgs[0]), class: "chart-category")
        XCTAssertLessThan(weekly.count, 100, "crowded labels are thinned")
        XCTAssertEqual(weekly.first?.text, "第1周")
    }

    func testThinnedLabelsAreNotCutAtTheEdges() {
        for n in 90...110 {
            let svg = SVGChart.bar(title: "t", categories: (1...n).map { "第\($0)天" }, series: [ChartSeries(name: "s", values: (1...n).map(Double.init))])
            let all = parse(svg)
            let width = all.first!.number("width")
            for label in elements(all, class: "chart-category") {
                let estimated = Double(label.text.count - 2) * 7 + 24
                XCTAssertGreaterThanOrEqual(label.number("x") - estimated / 2, 0, "\(n): \(label.text)")
                XCTAssertLessThanOrEqual(label.number("x") + estimated / 2, width, "\(n): \(label.text)")
            }
        }
    }

    func testExtremeValuesNeitherTrapNorBreakTheMarkup() {
        let wild: [Double?] = [1e300, -1e300, .infinity, -.infinity, .nan, 5e15, nil, 0]
        let categories = wild.indices.map { "第\($0)项" }
        for svg in [
            SVGChart.bar(title: "t", categories: categories, series: [ChartSeries(name: "s", values: wild)]),
            SVGChart.bar(title: "t", categories: categories, series: [ChartSeries(name: "s", values: wild), ChartSeries(name: "u", values: wild)], stacked: true),
            SVGChart.line(title: "t", categories: categories, series: [ChartSeries(name: "s", values: wild)]),
            SVGChart.horizontalBar(title: "t", labels: categories, values: wild),
            SVGChart.donut(title: "t", slices: wild.enumerated().map { ChartSlice(label: "\($0.offset)", value: $0.element) }),
            SVGChart.bar(title: "t", categories: ["a"], series: [ChartSeries(name: "s", values: [1])], width: 0, height: 0),
        ] {
            _ = parse(svg)
            XCTAssertFalse(svg.contains("nan") || svg.contains("inf"), "non-finite number in the markup")
        }
    }

    func testOutputIsDeterministicAndIdsDifferPerChart() {
        let a = SVGChart.bar(title: "隐患", categories: months, series: hazards(), unit: "条")
        let b = SVGChart.bar(title: "隐患", categories: months, series: hazards(), unit: "条")
        let c = SVGChart.line(title: "隐患", categories: months, series: hazards(), unit: "条")
        XCTAssertEqual(a, b)
        let idA = parse(a).first!.attributes["aria-labelledby"]
        let idC = parse(c).first!.attributes["aria-labelledby"]
        XCTAssertNotEqual(idA, idC)
        let fixed = SVGChart.bar(title: "隐患", categories: months, series: hazards(), unit: "条", id: "hazards")
        XCTAssertEqual(parse(fixed).first!.attributes["aria-labelledby"], "hazards-title")
    }

    func testAHundredCategoriesAreQuick() {
        let categories = (1...100).map { "第\($0)项" }
        let series = (0..<3).map { j in ChartSeries(name: "系列\(j)", values: (0..<100).map { Double(($0 * 37 + j * 11) % 90) }) }
        _ = SVGChart.bar(title: "t", categories: categories, series: series, stacked: true)
        let start = Date()
        for _ in 0..<10 {
            _ = SVGChart.bar(title: "t", categories: categories, series: series, stacked: true)
            _ = SVGChart.line(title: "t", categories: categories, series: series)
        }
        let each = Date().timeIntervalSince(start) / 20
        // Generous for debug builds on a slow CI machine; it catches a quadratic slip.
        XCTAssertLessThan(each, 0.05, "\(each * 1000) ms per chart")
    }
}
