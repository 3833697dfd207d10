import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import LvzeCore
import XCTest
import ZIPFoundation
@testable import LvzeOffice

final class DocxWriterTests: XCTestCase {
    // MARK: - Package

    func testPackageIsAZipWithContentTypesFirstAndEveryPartWellFormed() throws {
        let data = try DocxWriter.data(DocxSample.report)
        XCTAssertEqual(Array(data.prefix(4)), [0x50, 0x4B, 0x03, 0x04], "a ZIP local file header")
        let archive = try Archive(data: data, accessMode: .read)
        let paths = archive.map(\.path)
        XCTAssertEqual(paths.first, "[Content_Types].xml")
        for required in ["_rels/.rels", "word/document.xml", "word/styles.xml", "word/settings.xml",
                         "word/footer1.xml", "word/footer2.xml", "word/_rels/document.xml.rels",
                         "docProps/core.xml", "docProps/app.xml"] {
            XCTAssertTrue(paths.contains(required), "missing \(required)")
        }
        let parts = try DocxParts(data)
        for path in paths {
            let parser = XMLParser(data: Data(try parts.text(path).utf8))
            XCTAssertTrue(parser.parse(), "\(path) is not well-formed XML: \(String(describing: parser.parserError))")
        }
        let types = try parts.text("[Content_Types].xml")
        for part in ["/word/document.xml", "/word/styles.xml", "/word/settings.xml", "/word/footer1.xml",
                     "/word/footer2.xml", "/docProps/core.xml", "/docProps/app.xml"] {
            XCTAssertTrue(types.contains("PartName=\"\(part)\""), "no content type for \(part)")
        }
        XCTAssertTrue(try parts.text("docProps/core.xml").contains(
            "<dc:title>中共示范区委员会2025年度落实全面从严治党主体责任情况报告</dc:title>"))
    }

    func testSameDocumentGivesSameBytes() throws {
        let first = try DocxWriter.data(DocxSample.report)
        let second = try DocxWriter.data(DocxSample.report)
        XCTAssertEqual(first, second)
        // Equal bytes from two quick calls could also come from one clock second; the dates must be fixed.
        for entry in try Archive(data: first, accessMode: .read) {
            let date = entry.fileAttributes[.modificationDate] as? Date
            XCTAssertEqual(date, Date(timeIntervalSince1970: 315_532_800), "\(entry.path) has a fixed date")
        }
        var changed = DocxSample.report
        changed.blocks.append(.paragraph([DocumentRun("多一段。")]))
        XCTAssertNotEqual(try DocxWriter.data(changed), first)
    }

    func testWriteToURLReplacesTheFileWithTheSameBytes() throws {
        let url = temporaryURL(self, "报告.docx")
        try Data("旧内容".utf8).write(to: url)
        try DocxWriter.write(DocxSample.report, to: url)
        XCTAssertEqual(try Data(contentsOf: url), try DocxWriter.data(DocxSample.report))
        let missingDirectory = url.deletingLastPathComponent().appendingPathComponent("没有/报告.docx")
        XCTAssertThrowsError(try DocxWriter.write(DocxSample.report, to: missingDirectory)) { error in
            let message = (error as? DocxError)?.message ?? ""
            XCTAssertTrue(message.hasPrefix("无法保存 Word 文档"), message)
        }
    }

    // MARK: - Page

    func testA4PageWithGBMarginsAndA22By28Grid() throws {
        let document = try DocxParts(DocxWriter.data(DocxSample.report)).text("word/document.xml")
        XCTAssertTrue(document.contains(#"<w:pgSz w:w="11906" w:h="16838"/>"#))
        XCTAssertTrue(document.contains(#"<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1588""#))
        XCTAssertTrue(document.contains(#"<w:docGrid w:type="linesAndChars" w:linePitch="579" w:charSpace="-849"/>"#))
        // Word's grid pitch is the Normal size (16 pt) plus charSpace/4096 pt: 28 fit in 156 mm, 29 do not.
        let pitchTwips = (16 + Double(GovDocLayout.charSpace) / 4096) * 20
        XCTAssertLessThanOrEqual(pitchTwips * 28, 8844)
        XCTAssertGreaterThan(pitchTwips * 29, 8844)
        XCTAssertEqual(GovDocLayout.textWidth, 8844)
        XCTAssertEqual(12756 / 579, 22)
        // Off the grid (LibreOffice), the condensed 3号 advance must also give exactly 28.
        let condensedTwips = 320 + Double(GovDocLayout.bodyCondense)
        XCTAssertLessThanOrEqual(condensedTwips * 28, 8844)
        XCTAssertGreaterThan(condensedTwips * 29, 8844)
    }

    func testOddAndEvenFootersWithDashedPageNumbers() throws {
        let parts = try DocxParts(DocxWriter.data(DocxSample.report))
        let document = try parts.text("word/document.xml")
        XCTAssertTrue(document.contains(#"<w:footerReference w:type="default" r:id="rId4"/>"#))
        XCTAssertTrue(document.contains(#"<w:footerReference w:type="even" r:id="rId5"/>"#))
        let rels = try parts.text("word/_rels/document.xml.rels")
        XCTAssertTrue(rels.contains(#"Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml""#))
        XCTAssertTrue(rels.contains(#"Id="rId5" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml""#))
        XCTAssertTrue(try parts.text("word/settings.xml").contains("<w:evenAndOddHeaders/>"))

        let odd = try parts.text("word/footer1.xml")
        let even = try parts.text("word/footer2.xml")
        XCTAssertTrue(odd.contains(#"<w:ind w:right="280"/><w:jc w:val="right"/>"#), odd)
        XCTAssertTrue(even.contains(#"<w:ind w:left="280"/><w:jc w:val="left"/>"#), even)
        for footer in [odd, even] {
            XCTAssertTrue(footer.contains(#"<w:instrText xml:space="preserve"> PAGE </w:instrText>"#))
            XCTAssertTrue(footer.contains(#"<w:fldChar w:fldCharType="begin"/>"#))
            XCTAssertTrue(footer.contains(#"<w:fldChar w:fldCharType="end"/>"#))
            XCTAssertTrue(footer.contains("<w:t xml:space=\"preserve\">\u{2014} </w:t>"), "em dash before the number")
            XCTAssertTrue(footer.contains("<w:t xml:space=\"preserve\"> \u{2014}</w:t>"), "em dash after the number")
            XCTAssertTrue(footer.contains(#"<w:sz w:val="28"/>"#))
            XCTAssertTrue(footer.contains(#"w:ascii="宋体" w:eastAsia="宋体""#))
            XCTAssertEqual(footer.components(separatedBy: "<w:sz w:val=\"28\"/>").count - 1,
                           footer.components(separatedBy: "<w:r>").count - 1, "every run of the page number in 4号")
        }
    }

    // MARK: - Styles

    func testStylesCarryTheGBFontsSizesAndSpacing() throws {
        let styles = try DocxParts(DocxWriter.data(DocxSample.report)).text("word/styles.xml")
        let defaults = try XCTUnwrap(styles.slice(from: "<w:docDefaults>", to: "</w:docDefaults>"))
        XCTAssertTrue(defaults.contains(#"<w:rFonts w:ascii="Times New Roman" w:eastAsia="仿宋_GB2312" w:hAnsi="Times New Roman""#))
        XCTAssertTrue(defaults.contains(#"<w:sz w:val="32"/>"#))

        let title = try style("GovTitle", in: styles)
        XCTAssertTrue(title.contains(#"<w:sz w:val="44"/>"#))
        XCTAssertTrue(title.contains(#"w:eastAsia="方正小标宋简体""#))
        XCTAssertTrue(title.contains(#"<w:jc w:val="center"/>"#))
        XCTAssertFalse(title.contains(#"w:firstLineChars="200""#), "the title is not indented")
        XCTAssertEqual(title.components(separatedBy: #"<w:snapToGrid w:val="0"/>"#).count - 1, 2,
                       "the 2号 title is off the 3号 grid, or each character would take two cells")

        let body = try style("GovBody", in: styles)
        XCTAssertTrue(body.contains(#"<w:sz w:val="32"/>"#))
        XCTAssertTrue(body.contains(#"w:ascii="Times New Roman" w:eastAsia="仿宋_GB2312" w:hAnsi="Times New Roman""#))
        XCTAssertTrue(body.contains(#"w:line="580" w:lineRule="exact""#))
        XCTAssertTrue(body.contains(#"<w:ind w:firstLineChars="200" w:firstLine="640"/>"#))
        XCTAssertTrue(body.contains(#"<w:jc w:val="both"/>"#))
        XCTAssertTrue(body.contains(#"<w:spacing w:val="-6"/><w:sz w:val="32"/>"#), "condensed 0.3 pt")

        let expected: [(String, String, Bool)] = [("GovHeading1", "黑体", false), ("GovHeading2", "楷体_GB2312", false),
                                                  ("GovHeading3", "仿宋_GB2312", true), ("GovHeading4", "仿宋_GB2312", true)]
        for (id, font, bold) in expected {
            let heading = try style(id, in: styles)
            XCTAssertTrue(heading.contains("w:eastAsia=\"\(font)\""), "\(id) in \(font)")
            XCTAssertTrue(heading.contains(#"<w:sz w:val="32"/>"#), "\(id) in 3号")
            XCTAssertTrue(heading.contains(#"<w:ind w:firstLineChars="200" w:firstLine="640"/>"#), "\(id) indented")
            XCTAssertTrue(heading.contains(#"w:line="580" w:lineRule="exact""#), "\(id) on the 29 pt line")
            XCTAssertEqual(heading.contains("<w:b/>"), bold, "\(id) bold")
        }
        let table = try style("GovTableText", in: styles)
        XCTAssertTrue(table.contains(#"<w:sz w:val="28"/>"#))
        XCTAssertTrue(table.contains(#"w:eastAsia="仿宋_GB2312""#))
    }

    func testBlocksUseTheirStylesAndTheTitleIsFollowedByAnEmptyLine() throws {
        let doc = ReportDocument(title: [DocumentRun("标题")], blocks: [
            .heading(level: 1, runs: [DocumentRun("一、总体情况")]),
            .heading(level: 2, runs: [DocumentRun("（一）组织领导")]),
            .heading(level: 3, runs: [DocumentRun("1.会议")]),
            .heading(level: 4, runs: [DocumentRun("（1）次数")]),
            .heading(level: 9, runs: [DocumentRun("深层")]),
            .heading(level: 0, runs: [DocumentRun("浅层")]),
            .paragraph([DocumentRun("正文。")]),
        ])
        let document = try DocxParts(DocxWriter.data(doc)).text("word/document.xml")
        let styles = paragraphs(document).map { $0.slice(from: "<w:pStyle w:val=\"", to: "\"") ?? "" }
        XCTAssertEqual(styles, ["GovTitle", "GovBody", "GovHeading1", "GovHeading2", "GovHeading3",
                                "GovHeading4", "GovHeading4", "GovHeading1", "GovBody"])
        XCTAssertFalse(paragraphs(document)[1].contains("<w:r>"), "the line after the title is empty")

        let untitled = try DocxParts(DocxWriter.data(ReportDocument(title: [], blocks: [.paragraph([DocumentRun("正文")])])))
        XCTAssertEqual(paragraphs(try untitled.text("word/document.xml")).count, 1, "no title, no empty line")
    }

    // MARK: - Runs

    func testTextIsEscapedAndIllegalCharactersDropped() throws {
        let doc = ReportDocument(title: [DocumentRun("A&B <报告> \"终稿\"")], blocks: [
            .paragraph([DocumentRun("x < y && z > 0 \"引号\" '单引号'\u{0}\u{1}\u{B}控制\u{FFFE}字符\u{FFFF}")]),
        ])
        let parts = try DocxParts(DocxWriter.data(doc))
        let document = try parts.text("word/document.xml")
        XCTAssertTrue(document.contains("<w:t xml:space=\"preserve\">A&amp;B &lt;报告&gt; &quot;终稿&quot;</w:t>"))
        XCTAssertTrue(document.contains("<w:t xml:space=\"preserve\">x &lt; y &amp;&amp; z &gt; 0 &quot;引号&quot; '单引号'控制字符</w:t>"))
        XCTAssertFalse(document.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        XCTAssertTrue(try parts.text("docProps/core.xml").contains("<dc:title>A&amp;B &lt;报告&gt; &quot;终稿&quot;</dc:title>"))
        XCTAssertTrue(XMLParser(data: Data(document.utf8)).parse())
    }

    func testTabsAndLineBreaksBecomeWordElements() throws {
        let doc = ReportDocument(title: [], blocks: [.paragraph([DocumentRun("甲\t乙\r\n丙\n\n丁")])])
        let document = try DocxParts(DocxWriter.data(doc)).text("word/document.xml")
        XCTAssertTrue(document.contains(
            #"<w:r><w:t xml:space="preserve">甲</w:t><w:tab/><w:t xml:space="preserve">乙</w:t><w:br/><w:t xml:space="preserve">丙</w:t><w:br/><w:br/><w:t xml:space="preserve">丁</w:t></w:r>"#),
            document)
    }

    func testBoldAndAttentionRuns() throws {
        let doc = ReportDocument(title: [], blocks: [.paragraph([
            DocumentRun("加粗", bold: true),
            DocumentRun("128", role: .figure(metric: "meetings")),
            DocumentRun("〔无数据〕", role: .missing(metric: "talks", reason: "未导入谈话记录")),
            DocumentRun("全部整改到位", role: .claim(id: "c1", problem: "仍有 3 项未整改")),
            DocumentRun("按期召开", role: .claim(id: "c2", problem: nil)),
            DocumentRun("", role: .missing(metric: "funds", reason: "无")),
        ])])
        let document = try DocxParts(DocxWriter.data(doc)).text("word/document.xml")
        let mark = #"<w:color w:val="FF0000"/><w:highlight w:val="yellow"/>"#
        XCTAssertTrue(document.contains(#"<w:r><w:rPr><w:b/><w:bCs/></w:rPr><w:t xml:space="preserve">加粗</w:t></w:r>"#))
        XCTAssertTrue(document.contains(#"<w:r><w:t xml:space="preserve">128</w:t></w:r>"#), "figures are plain text")
        XCTAssertTrue(document.contains("<w:r><w:rPr>\(mark)</w:rPr><w:t xml:space=\"preserve\">〔无数据〕</w:t></w:r>"))
        XCTAssertTrue(document.contains("<w:r><w:rPr>\(mark)</w:rPr><w:t xml:space=\"preserve\">全部整改到位</w:t></w:r>"))
        XCTAssertTrue(document.contains(#"<w:r><w:t xml:space="preserve">按期召开</w:t></w:r>"#), "a supported claim is plain")
        XCTAssertEqual(document.components(separatedBy: mark).count - 1, 3, "an empty missing run still shows a marker")
        XCTAssertTrue(document.contains("<w:r><w:rPr>\(mark)</w:rPr><w:t xml:space=\"preserve\">\(DocxDocumentXML.missingPlaceholder)</w:t></w:r>"))
    }

    // MARK: - Tables

    func testTableSpansTheTextWidthWithBordersAndABoldHeader() throws {
        let doc = ReportDocument(title: [], blocks: [
            .table([["序号", "单位", "整改情况说明"], ["1", "党政办", "已完成制度修订并印发执行"], ["2", "财政局"],
                    ["3", "〔无数据〕", "待核实"]]),
        ])
        let document = try DocxParts(DocxWriter.data(doc)).text("word/document.xml")
        XCTAssertTrue(document.contains(#"<w:tblW w:w="8844" w:type="dxa"/>"#))
        for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
            XCTAssertTrue(document.contains("<w:\(side) w:val=\"single\" w:sz=\"4\""), "\(side) border")
        }
        let grid = try XCTUnwrap(document.slice(from: "<w:tblGrid>", to: "</w:tblGrid>"))
        let widths = grid.components(separatedBy: "w:w=\"").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
        XCTAssertEqual(widths.count, 3)
        XCTAssertEqual(widths.reduce(0, +), 8844)
        XCTAssertLessThan(widths[0], widths[2], "the short 序号 column is narrower")
        XCTAssertGreaterThanOrEqual(widths[0], 2 * 280 + 216, "序号 fits on one line of 4号")
        XCTAssertTrue(document.contains("<w:tblHeader/>"))
        XCTAssertTrue(document.contains(#"<w:r><w:rPr><w:b/><w:bCs/></w:rPr><w:t xml:space="preserve">序号</w:t></w:r>"#))
        XCTAssertTrue(document.contains(#"<w:r><w:t xml:space="preserve">党政办</w:t></w:r>"#), "body cells are not bold")
        XCTAssertTrue(document.contains(
            #"<w:r><w:rPr><w:color w:val="FF0000"/><w:highlight w:val="yellow"/></w:rPr><w:t xml:space="preserve">〔无数据〕</w:t></w:r>"#),
            "a missing figure in a table is marked too")
        XCTAssertEqual(document.components(separatedBy: "<w:tc>").count - 1, 12, "a short row is padded to the full width")
        XCTAssertEqual(document.components(separatedBy: #"<w:pStyle w:val="GovTableText"/>"#).count - 1, 12)
        XCTAssertTrue(document.hasSuffix("</w:tbl><w:p><w:pPr><w:pStyle w:val=\"GovBody\"/></w:pPr></w:p>"
            + document.suffix(from: try XCTUnwrap(document.range(of: "<w:sectPr>")).lowerBound)),
            "a paragraph closes a document that ends with a table")
    }

    func testColumnWidthsFitHeadersAndAlwaysSumToTheTextWidth() {
        let cases: [[[String]]] = [
            [["a"]],
            [["序号", "单位", "专题会议（次）", "谈话提醒（人次）", "问题整改情况"], ["1", "区委办公室", "6", "12", "已完成"],
             ["2", "区发展改革局", "4", "8", "2项正在整改，预计2026年3月底前完成"]],
            [Array(repeating: "很长很长很长很长的表头文字", count: 12)],
            [["x", "y"], [String(repeating: "长", count: 200), ""]],
        ]
        for rows in cases {
            let count = rows.map(\.count).max() ?? 0
            let widths = DocxDocumentXML.columnWidths(rows, columnCount: count)
            XCTAssertEqual(widths.count, count)
            XCTAssertEqual(widths.reduce(0, +), 8844, "\(rows)")
            XCTAssertTrue(widths.allSatisfy { $0 > 0 }, "\(widths)")
        }
        let report = DocxDocumentXML.columnWidths(cases[1], columnCount: 5)
        XCTAssertGreaterThanOrEqual(report[1], 5 * 280 + 216, "区委办公室 fits on one line")
        XCTAssertLessThan(report[0], report[1], "序号 is the narrowest")
        XCTAssertEqual(report.max(), report[4], "the text column is the widest")
    }

    func testEmptyTableIsLeftOut() throws {
        let doc = ReportDocument(title: [], blocks: [.table([]), .table([[]]), .paragraph([DocumentRun("正文")])])
        let document = try DocxParts(DocxWriter.data(doc)).text("word/document.xml")
        XCTAssertFalse(document.contains("<w:tbl>"))
    }

    // MARK: - Speed and the sample

    func testAHundredParagraphReportIsFast() throws {
        var blocks: [DocumentBlock] = []
        for i in 0..<100 {
            if i % 10 == 0 { blocks.append(.heading(level: 1, runs: [DocumentRun("第\(i / 10 + 1)部分")])) }
            blocks.append(.paragraph(DocxSample.longParagraph))
        }
        let doc = ReportDocument(title: DocxSample.report.title, blocks: blocks)
        _ = try DocxWriter.data(doc)
        let start = DispatchTime.now().uptimeNanoseconds
        let data = try DocxWriter.data(doc)
        let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        XCTAssertLessThan(milliseconds, 250, "took \(milliseconds) ms")
        let document = try DocxParts(data).text("word/document.xml")
        XCTAssertEqual(document.components(separatedBy: #"<w:pStyle w:val="GovBody"/>"#).count - 1, 101)
    }

    /// Writes the sample report for a person to open, when `LVZE_DOCX_SAMPLE` names a path.
    func testWritesTheSampleReportWhenAsked() throws {
        guard let path = ProcessInfo.processInfo.environment["LVZE_DOCX_SAMPLE"], !path.isEmpty else {
            throw XCTSkip("set LVZE_DOCX_SAMPLE=/path/sample.docx to write the sample report")
        }
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try DocxWriter.write(DocxSample.report, to: url)
    }

    // MARK: - Helpers

    private func style(_ id: String, in styles: String) throws -> String {
        try XCTUnwrap(styles.slice(from: "w:styleId=\"\(id)\"", to: "</w:style>"), "no style \(id)")
    }

    /// The top-level paragraphs of a document body, outside tables.
    private func paragraphs(_ document: String) -> [String] {
        document.components(separatedBy: "<w:p>").dropFirst().map { $0.components(separatedBy: "</w:p>")[0] }
    }
}

/// The text parts of a `.docx`, read back with ZIPFoundation.
struct DocxParts {
    private let archive: Archive

    init(_ data: Data) throws {
        archive = try Archive(data: data, accessMode: .read)
    }

    func text(_ path: String) throws -> String {
        let entry = try XCTUnwrap(archive[path], "no \(path) in the package")
        var data = Data()
        _ = try archive.extract(entry) { data.append($0) }
        return String(decoding: data, as: UTF8.self)
    }
}

extension String {
    /// The text between the first `start` and the next `end` after it.
    func slice(from start: String, to end: String) -> String? {
        guard let a = range(of: start), let b = range(of: end, range: a.upperBound..<endIndex) else { return nil }
        return String(self[a.upperBound..<b.lowerBound])
    }
}

/// A realistic annual report on 全面从严治党主体责任, as the renderer would produce it.
enum DocxSample {
    static let longParagraph: [DocumentRun] = [
        DocumentRun("全年区委常委会共召开会议"),
        DocumentRun("24", role: .figure(metric: "standing_meetings")),
        DocumentRun("次，专题研究全面从严治党、党风廉政建设和反腐败工作"),
        DocumentRun("9", role: .figure(metric: "topic_meetings")),
        DocumentRun("次，听取各级党组织书记抓基层党建和落实主体责任情况汇报"),
        DocumentRun("46", role: .figure(metric: "reports_heard")),
        DocumentRun("人次，对发现的问题逐项建立台账、明确时限、压实责任，推动管党治党责任层层传导、落地见效。"),
    ]

    static let report = ReportDocument(
        title: [DocumentRun("中共示范区委员会2025年度落实全面从严治党主体责任情况报告")],
        blocks: [
            .paragraph([DocumentRun("市委：")]),
            .paragraph([DocumentRun("2025年，在市委的坚强领导下，区委坚持以习近平新时代中国特色社会主义思想为指导，深入贯彻党的二十大和二十届历次全会精神，认真落实新时代党的建设总要求，扛牢管党治党政治责任，推动全面从严治党向纵深发展。现将有关情况报告如下。")]),
            .heading(level: 1, runs: [DocumentRun("一、履行主体责任基本情况")]),
            .heading(level: 2, runs: [DocumentRun("（一）强化政治引领，压紧压实责任链条。")]),
            .paragraph(longParagraph),
            .paragraph([
                DocumentRun("区委书记认真履行第一责任人职责，全年约谈下级党组织主要负责人"),
                DocumentRun("37", role: .figure(metric: "talks_leaders")),
                DocumentRun("人次；班子其他成员落实“一岗双责”，开展廉政谈话"),
                DocumentRun("〔无数据〕", role: .missing(metric: "talks_members", reason: "未导入谈话记录")),
                DocumentRun("人次。各级党组织签订党风廉政建设责任书"),
                DocumentRun("312", role: .figure(metric: "responsibility_letters")),
                DocumentRun("份，实现全覆盖。"),
            ]),
            .heading(level: 2, runs: [DocumentRun("（二）深化正风肃纪，持续纠治“四风”问题。")]),
            .paragraph([
                DocumentRun("全区纪检监察机关共查处违反中央八项规定精神问题"),
                DocumentRun("18", role: .figure(metric: "eight_rules_cases")),
                DocumentRun("起，处理"),
                DocumentRun("26", role: .figure(metric: "eight_rules_people")),
                DocumentRun("人，其中给予党纪政务处分"),
                DocumentRun("15", role: .figure(metric: "eight_rules_punished")),
                DocumentRun("人。"),
                DocumentRun("巡察反馈问题已全部整改到位。", role: .claim(id: "rectified", problem: "仍有 4 项问题未销号")),
                DocumentRun("同时，聚焦群众身边的不正之风和腐败问题，开展专项整治，推动解决一批急难愁盼问题，群众获得感、幸福感、安全感持续增强。"),
            ]),
            .heading(level: 3, runs: [DocumentRun("1.", bold: false), DocumentRun("各单位落实情况。")]),
            .paragraph([DocumentRun("各单位主体责任落实情况见下表。")]),
            .table([
                ["序号", "单位", "专题会议（次）", "谈话提醒（人次）", "问题整改情况"],
                ["1", "区委办公室", "6", "12", "已完成"],
                ["2", "区纪委监委机关", "9", "21", "已完成"],
                ["3", "区发展改革局", "4", "8", "2项正在整改，预计2026年3月底前完成"],
                ["4", "区财政局", "5", "〔无数据〕", "已完成"],
            ]),
            .heading(level: 4, runs: [DocumentRun("（1）存在问题。")]),
            .paragraph([DocumentRun("对照上级要求，我区落实全面从严治党主体责任仍存在一些差距：一是责任传导存在层层递减现象，个别基层党组织书记“第一责任人”意识不够强；二是监督执纪“四种形态”运用还不够精准，第一种形态占比有待进一步提高；三是制度执行刚性不足，部分制度存在“写在纸上、挂在墙上”的问题。")]),
            .heading(level: 1, runs: [DocumentRun("二、下一步工作打算")]),
            .paragraph([DocumentRun("下一步，区委将坚持严的基调不动摇，"), DocumentRun("以钉钉子精神抓好各项任务落实", bold: true), DocumentRun("，一以贯之、坚定不移推进全面从严治党，为示范区高质量发展提供坚强政治保障。")]),
            .paragraph([DocumentRun("特此报告。")]),
        ])
}
