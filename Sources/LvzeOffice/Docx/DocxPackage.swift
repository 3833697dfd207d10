import LvzeCore

/// The parts of a `.docx` package other than the body: content types, relationships, styles,
/// settings, footers, fonts and properties. All are fixed text except the title in the properties.
enum DocxPackage {
    struct Part {
        let path: String
        let bytes: [UInt8]
    }

    static let xmlHeader = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"
    static let wordNamespace = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    static let relationshipNamespace = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    static let oddFooterID = "rId4"
    static let evenFooterID = "rId5"

    /// Every part in package order; `[Content_Types].xml` comes first because some readers
    /// (and the OPC convention) expect it there.
    static func parts(of doc: ReportDocument) -> [Part] {
        [
            Part(path: "[Content_Types].xml", bytes: Array(contentTypes.utf8)),
            Part(path: "_rels/.rels", bytes: Array(rootRelationships.utf8)),
            Part(path: "docProps/core.xml", bytes: Array(coreProperties(title: doc.titleText).utf8)),
            Part(path: "docProps/app.xml", bytes: Array(appProperties.utf8)),
            Part(path: "word/document.xml", bytes: DocxDocumentXML.bytes(doc)),
            Part(path: "word/_rels/document.xml.rels", bytes: Array(documentRelationships.utf8)),
            Part(path: "word/styles.xml", bytes: Array(styles.utf8)),
            Part(path: "word/settings.xml", bytes: Array(settings.utf8)),
            Part(path: "word/fontTable.xml", bytes: Array(fontTable.utf8)),
            Part(path: "word/footer1.xml", bytes: Array(footer(odd: true).utf8)),
            Part(path: "word/footer2.xml", bytes: Array(footer(odd: false).utf8)),
        ]
    }

    // MARK: - Package plumbing

    static let contentTypes = xmlHeader + """
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>\
        <Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>\
        <Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>\
        <Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>\
        <Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>\
        <Override PartName="/word/footer2.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>\
        <Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
        <Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>\
        </Types>
        """

    static let rootRelationships = xmlHeader + """
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>\
        <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>\
        </Relationships>
        """

    static let documentRelationships = xmlHeader + """
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>\
        <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/>\
        <Relationship Id="\(oddFooterID)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>\
        <Relationship Id="\(evenFooterID)" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer2.xml"/>\
        </Relationships>
        """

    /// Core properties without dates, so the same report always gives the same bytes.
    static func coreProperties(title: String) -> String {
        xmlHeader + """
            <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
            xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
            <dc:title>\(XMLEscaping.escaped(title))</dc:title><dc:creator>履责</dc:creator>\
            </cp:coreProperties>
            """
    }

    static let appProperties = xmlHeader + """
        <Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">\
        <Application>Lvze</Application><DocSecurity>0</DocSecurity></Properties>
        """

    // MARK: - Settings and fonts

    /// `evenAndOddHeaders` makes Word use the even footer on even pages; `doNotCompress` keeps
    /// full-width punctuation on the 28-character grid.
    static let settings = xmlHeader + """
        <w:settings xmlns:w="\(wordNamespace)">\
        <w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/><w:evenAndOddHeaders/>\
        <w:characterSpacingControl w:val="doNotCompress"/>\
        <w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>\
        <w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/>\
        <w:decimalSymbol w:val="."/><w:listSeparator w:val=","/>\
        </w:settings>
        """

    /// The fonts with their GB2312 charset; `altName` lets Word fall back from 仿宋_GB2312 and
    /// 楷体_GB2312 (absent on recent Windows) to 仿宋 and 楷体 instead of a random font.
    static let fontTable = xmlHeader + """
        <w:fonts xmlns:w="\(wordNamespace)">\
        <w:font w:name="Times New Roman"><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>\
        <w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>\
        <w:font w:name="楷体_GB2312"><w:altName w:val="楷体"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>\
        <w:font w:name="方正小标宋简体"><w:charset w:val="86"/><w:family w:val="script"/><w:pitch w:val="fixed"/></w:font>\
        <w:font w:name="黑体"><w:altName w:val="SimHei"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>\
        <w:font w:name="宋体"><w:altName w:val="SimSun"/><w:charset w:val="86"/><w:family w:val="auto"/><w:pitch w:val="variable"/></w:font>\
        </w:fonts>
        """

    // MARK: - Styles

    /// `rFonts` with Times New Roman for Latin letters and digits and `eastAsia` for Chinese;
    /// the `eastAsia` hint sets “” and — in the Chinese font, full width.
    private static func fonts(_ eastAsia: String, latin: String = GovDocLayout.latinFont) -> String {
        "<w:rFonts w:ascii=\"\(latin)\" w:eastAsia=\"\(eastAsia)\" w:hAnsi=\"\(latin)\" w:cs=\"\(latin)\" w:hint=\"eastAsia\"/>"
    }

    private static func size(_ halfPoints: Int) -> String {
        "<w:sz w:val=\"\(halfPoints)\"/><w:szCs w:val=\"\(halfPoints)\"/>"
    }

    private static let exactLine = "<w:spacing w:before=\"0\" w:after=\"0\" w:line=\"\(GovDocLayout.lineExact)\" w:lineRule=\"exact\"/>"
    private static let firstLineIndent = "<w:ind w:firstLineChars=\"200\" w:firstLine=\"\(GovDocLayout.firstLineIndent)\"/>"
    private static let singleLine = "<w:snapToGrid w:val=\"0\"/><w:spacing w:before=\"0\" w:after=\"0\" w:line=\"240\" w:lineRule=\"auto\"/>"
    /// Paragraph-level: off the grid's line pitch (the exact spacing rules) and, in LibreOffice,
    /// off the character grid too.
    private static let offGrid = "<w:snapToGrid w:val=\"0\"/>"
    /// Run-level: off the character grid in Word, where text larger or smaller than 3号 would
    /// otherwise be spread over whole grid cells (a 2号 title two cells a character).
    private static let offCharacterGrid = "<w:snapToGrid w:val=\"0\"/>"
    private static let condensed = "<w:spacing w:val=\"\(GovDocLayout.bodyCondense)\"/>"

    private static func paragraphStyle(id: String, name: String, basedOn: String?, next: String? = nil,
                                       pPr: String, rPr: String) -> String {
        var s = "<w:style w:type=\"paragraph\" w:customStyle=\"1\" w:styleId=\"\(id)\"><w:name w:val=\"\(name)\"/>"
        if let basedOn { s += "<w:basedOn w:val=\"\(basedOn)\"/>" }
        if let next { s += "<w:next w:val=\"\(next)\"/>" }
        s += "<w:qFormat/><w:pPr>\(pPr)</w:pPr><w:rPr>\(rPr)</w:rPr></w:style>"
        return s
    }

    /// The document defaults carry the body look (仿宋_GB2312 3号) so any paragraph, even one a
    /// user adds in Word, starts as body text; the Gov* styles restate their fonts so each style
    /// reads complete on its own.
    static let styles: String = {
        let L = GovDocLayout.self
        let bodyFonts = fonts(L.bodyFont)
        var s = xmlHeader + "<w:styles xmlns:w=\"\(wordNamespace)\">"
        s += "<w:docDefaults><w:rPrDefault><w:rPr>\(bodyFonts)<w:kern w:val=\"2\"/>\(size(L.bodySize))"
        s += "<w:lang w:val=\"en-US\" w:eastAsia=\"zh-CN\" w:bidi=\"ar-SA\"/></w:rPr></w:rPrDefault>"
        s += "<w:pPrDefault><w:pPr><w:widowControl w:val=\"0\"/>\(exactLine)<w:jc w:val=\"both\"/></w:pPr></w:pPrDefault>"
        s += "</w:docDefaults>"
        s += "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\"><w:name w:val=\"Normal\"/><w:qFormat/>"
        s += "<w:pPr><w:widowControl w:val=\"0\"/>\(exactLine)<w:jc w:val=\"both\"/></w:pPr>"
        s += "<w:rPr>\(bodyFonts)\(size(L.bodySize))</w:rPr></w:style>"
        s += "<w:style w:type=\"character\" w:default=\"1\" w:styleId=\"DefaultParagraphFont\"><w:name w:val=\"Default Paragraph Font\"/>"
        s += "<w:uiPriority w:val=\"1\"/><w:semiHidden/><w:unhideWhenUsed/></w:style>"
        s += "<w:style w:type=\"table\" w:default=\"1\" w:styleId=\"TableNormal\"><w:name w:val=\"Normal Table\"/>"
        s += "<w:uiPriority w:val=\"99\"/><w:semiHidden/><w:unhideWhenUsed/><w:tblPr><w:tblInd w:w=\"0\" w:type=\"dxa\"/>"
        s += "<w:tblCellMar><w:top w:w=\"0\" w:type=\"dxa\"/><w:left w:w=\"108\" w:type=\"dxa\"/>"
        s += "<w:bottom w:w=\"0\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar></w:tblPr></w:style>"

        s += paragraphStyle(id: "GovTitle", name: "公文标题", basedOn: "Normal", next: "GovBody",
                            pPr: "\(offGrid)\(exactLine)<w:ind w:firstLineChars=\"0\" w:firstLine=\"0\"/><w:jc w:val=\"center\"/>",
                            rPr: "\(fonts(L.titleFont))\(offCharacterGrid)\(size(L.titleSize))")
        s += paragraphStyle(id: "GovBody", name: "公文正文", basedOn: "Normal",
                            pPr: "\(offGrid)\(exactLine)\(firstLineIndent)<w:jc w:val=\"both\"/>",
                            rPr: "\(bodyFonts)\(condensed)\(size(L.bodySize))")
        let headings: [(String, String, String, Bool)] = [
            ("GovHeading1", "公文一级标题", L.heading1Font, false),
            ("GovHeading2", "公文二级标题", L.heading2Font, false),
            ("GovHeading3", "公文三级标题", L.bodyFont, true),
            ("GovHeading4", "公文四级标题", L.bodyFont, true),
        ]
        for (level, (id, name, font, bold)) in headings.enumerated() {
            // keepNext: a heading is never left alone at the foot of a page.
            s += paragraphStyle(id: id, name: name, basedOn: "GovBody", next: "GovBody",
                                pPr: "<w:keepNext/>\(offGrid)\(exactLine)\(firstLineIndent)<w:jc w:val=\"both\"/><w:outlineLvl w:val=\"\(level)\"/>",
                                rPr: "\(fonts(font))\(bold ? "<w:b/><w:bCs/>" : "")\(condensed)\(size(L.bodySize))")
        }
        s += paragraphStyle(id: "GovTableText", name: "公文表格", basedOn: "Normal",
                            pPr: "\(singleLine)<w:ind w:firstLineChars=\"0\" w:firstLine=\"0\"/><w:jc w:val=\"center\"/>",
                            rPr: "\(bodyFonts)\(offCharacterGrid)\(size(L.smallSize))")
        let pageNumberFonts = fonts(L.pageNumberFont, latin: L.pageNumberFont)
        s += paragraphStyle(id: "GovPageNumber", name: "公文页码", basedOn: "Normal",
                            pPr: "\(singleLine)<w:ind w:firstLineChars=\"0\" w:firstLine=\"0\"/>",
                            rPr: "\(pageNumberFonts)\(offCharacterGrid)\(size(L.smallSize))")
        s += "</w:styles>"
        return s
    }()

    // MARK: - Footers

    /// 「— N —」 in 4号 宋体: odd pages at the right, even pages at the left, each one character in
    /// from the 版心 edge, so the number is always on the outer side of a double-sided print.
    static func footer(odd: Bool) -> String {
        let L = GovDocLayout.self
        let rPr = "<w:rPr>\(fonts(L.pageNumberFont, latin: L.pageNumberFont))\(offCharacterGrid)\(size(L.smallSize))</w:rPr>"
        let placement = odd
            ? "<w:ind w:right=\"\(L.pageNumberIndent)\"/><w:jc w:val=\"right\"/>"
            : "<w:ind w:left=\"\(L.pageNumberIndent)\"/><w:jc w:val=\"left\"/>"
        return xmlHeader + """
            <w:ftr xmlns:w="\(wordNamespace)" xmlns:r="\(relationshipNamespace)">\
            <w:p><w:pPr><w:pStyle w:val="GovPageNumber"/>\(placement)</w:pPr>\
            <w:r>\(rPr)<w:t xml:space="preserve">\u{2014} </w:t></w:r>\
            <w:r>\(rPr)<w:fldChar w:fldCharType="begin"/></w:r>\
            <w:r>\(rPr)<w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>\
            <w:r>\(rPr)<w:fldChar w:fldCharType="separate"/></w:r>\
            <w:r>\(rPr)<w:t>\(odd ? 1 : 2)</w:t></w:r>\
            <w:r>\(rPr)<w:fldChar w:fldCharType="end"/></w:r>\
            <w:r>\(rPr)<w:t xml:space="preserve"> \u{2014}</w:t></w:r>\
            </w:p></w:ftr>
            """
    }
}
