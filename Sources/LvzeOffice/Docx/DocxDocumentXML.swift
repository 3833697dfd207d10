import LvzeCore

/// Builds `word/document.xml` by appending to a byte buffer, with no XML tree in memory: a
/// 100-paragraph report takes a few milliseconds even in a debug build.
struct DocxDocumentXML {
    private var out = OutputBuffer()

    /// What a missing figure shows when the model gave it no text: a marker must never be invisible.
    static let missingPlaceholder = "〔无数据〕"

    static func bytes(_ doc: ReportDocument) -> [UInt8] {
        var writer = DocxDocumentXML()
        writer.write(doc)
        return writer.out.bytes
    }

    private mutating func write(_ doc: ReportDocument) {
        out.append(DocxPackage.xmlHeader)
        out.append("<w:document xmlns:w=\"\(DocxPackage.wordNamespace)\" xmlns:r=\"\(DocxPackage.relationshipNamespace)\"><w:body>")
        if !doc.title.isEmpty {
            paragraph(style: "GovTitle", doc.title)
            // GB/T 9704: one empty line between the title and what follows.
            paragraph(style: "GovBody", [])
        }
        var endsWithTable = false
        for block in doc.blocks {
            endsWithTable = false
            switch block {
            case .heading(let level, let runs):
                paragraph(style: Self.headingStyle(level), runs)
            case .paragraph(let runs):
                paragraph(style: "GovBody", runs)
            case .table(let rows):
                if table(rows) { endsWithTable = true }
            }
        }
        // Word wants a paragraph between a table and the section properties.
        if endsWithTable { paragraph(style: "GovBody", []) }
        sectionProperties()
        out.append("</w:body></w:document>")
    }

    /// The style of a heading level; levels outside 1…4 take the nearest one.
    static func headingStyle(_ level: Int) -> StaticString {
        switch level {
        case ...1: return "GovHeading1"
        case 2: return "GovHeading2"
        case 3: return "GovHeading3"
        default: return "GovHeading4"
        }
    }

    // MARK: - Paragraphs and runs

    private mutating func paragraph(style: StaticString, _ runs: [DocumentRun]) {
        out.append("<w:p><w:pPr><w:pStyle w:val=\"")
        out.append(style)
        out.append("\"/></w:pPr>")
        for run in runs { self.run(run) }
        out.append("</w:p>")
    }

    private mutating func run(_ run: DocumentRun, forceBold: Bool = false) {
        var text = run.text
        if case .missing = run.role, text.isEmpty { text = Self.missingPlaceholder }
        guard !text.isEmpty else { return }
        out.append("<w:r>")
        let bold = run.bold || forceBold
        let attention = run.needsAttention
        if bold || attention {
            out.append("<w:rPr>")
            if bold { out.append("<w:b/><w:bCs/>") }
            // Red on yellow: seen on screen and on a colour print, so nobody signs a gap unnoticed.
            if attention { out.append("<w:color w:val=\"FF0000\"/><w:highlight w:val=\"yellow\"/>") }
            out.append("</w:rPr>")
        }
        runContent(text)
        out.append("</w:r>")
    }

    /// Text with tabs and line breaks turned into `<w:tab/>` and `<w:br/>`, which `<w:t>` cannot hold.
    private mutating func runContent(_ text: String) {
        var hasBreaks = false
        for b in text.utf8 where b == 0x09 || b == 0x0A || b == 0x0D {
            hasBreaks = true
            break
        }
        guard hasBreaks else {
            textElement(text)
            return
        }
        var segment = String.UnicodeScalarView()
        var previousCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\t", "\n", "\r":
                if !segment.isEmpty {
                    textElement(String(segment))
                    segment.removeAll()
                }
                if scalar == "\t" {
                    out.append("<w:tab/>")
                } else if !(scalar == "\n" && previousCR) {
                    out.append("<w:br/>")
                }
            default:
                segment.append(scalar)
            }
            previousCR = scalar == "\r"
        }
        if !segment.isEmpty { textElement(String(segment)) }
    }

    private mutating func textElement(_ text: String) {
        out.append("<w:t xml:space=\"preserve\">")
        XMLEscaping.append(text, to: &out, officeEscapes: false)
        out.append("</w:t>")
    }

    // MARK: - Tables

    /// A full-width grid table, header row bold and repeated on each page; returns false when
    /// there is nothing to write.
    private mutating func table(_ rows: [[String]]) -> Bool {
        let columnCount = rows.map(\.count).max() ?? 0
        guard columnCount > 0 else { return false }
        let widths = Self.columnWidths(rows, columnCount: columnCount)
        let centred = Self.centredColumns(rows, columnCount: columnCount)
        out.append("<w:tbl><w:tblPr><w:tblW w:w=\"")
        out.append(integer: GovDocLayout.textWidth)
        out.append("\" w:type=\"dxa\"/><w:jc w:val=\"center\"/><w:tblBorders>")
        for side in ["top", "left", "bottom", "right", "insideH", "insideV"] {
            out.append("<w:\(side) w:val=\"single\" w:sz=\"4\" w:space=\"0\" w:color=\"000000\"/>")
        }
        out.append("</w:tblBorders><w:tblLayout w:type=\"fixed\"/>")
        out.append("<w:tblCellMar><w:left w:w=\"108\" w:type=\"dxa\"/><w:right w:w=\"108\" w:type=\"dxa\"/></w:tblCellMar>")
        out.append("<w:tblLook w:val=\"04A0\" w:firstRow=\"1\" w:lastRow=\"0\" w:firstColumn=\"0\" w:lastColumn=\"0\" w:noHBand=\"1\" w:noVBand=\"1\"/>")
        out.append("</w:tblPr><w:tblGrid>")
        for width in widths {
            out.append("<w:gridCol w:w=\"")
            out.append(integer: width)
            out.append("\"/>")
        }
        out.append("</w:tblGrid>")
        for (r, row) in rows.enumerated() {
            let header = r == 0
            out.append(header ? "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" : "<w:tr><w:trPr><w:cantSplit/></w:trPr>")
            for c in 0..<columnCount {
                out.append("<w:tc><w:tcPr><w:tcW w:w=\"")
                out.append(integer: widths[c])
                out.append("\" w:type=\"dxa\"/><w:vAlign w:val=\"center\"/></w:tcPr><w:p><w:pPr><w:pStyle w:val=\"GovTableText\"/>")
                out.append(header || centred[c] ? "<w:jc w:val=\"center\"/>" : "<w:jc w:val=\"left\"/>")
                out.append("</w:pPr>")
                if c < row.count { run(Self.cellRun(row[c]), forceBold: header) }
                out.append("</w:p></w:tc>")
            }
            out.append("</w:tr>")
        }
        out.append("</w:tbl>")
        return true
    }

    /// Column widths in twips summing to the 版心 width. Each column first gets room for up to
    /// five characters unbroken (区委办公室, 已完成, a number), then what is left goes to the columns
    /// with longer text, so a 序号 column stays narrow and a 情况说明 column wide; long headers wrap.
    static func columnWidths(_ rows: [[String]], columnCount: Int) -> [Int] {
        let total = GovDocLayout.textWidth
        // A half-width character of 4号 is 7 pt = 140 twips; 216 twips of cell margins, 20 of borders.
        let unit = GovDocLayout.smallSize * 5
        let padding = 216 + 20
        var natural = [Int](repeating: 4, count: columnCount)
        for row in rows {
            for (c, text) in row.enumerated() where c < columnCount {
                natural[c] = max(natural[c], min(displayWidth(text), 40))
            }
        }
        let minimum = natural.map { min($0, 10) * unit + padding }
        let wanted = natural.map { $0 * unit + padding }
        let sumMinimum = minimum.reduce(0, +)
        let sumWanted = wanted.reduce(0, +)
        var widths: [Int]
        if sumWanted <= total {
            widths = wanted.map { $0 * total / sumWanted }
        } else if sumMinimum <= total {
            let extra = total - sumMinimum
            let growth = sumWanted - sumMinimum
            widths = (0..<columnCount).map { minimum[$0] + extra * (wanted[$0] - minimum[$0]) / growth }
        } else {
            widths = minimum.map { $0 * total / sumMinimum }
        }
        widths[columnCount - 1] += total - widths.reduce(0, +)
        return widths
    }

    /// A table cell as a run. Cells are plain strings in the model, so a cell holding the missing
    /// marker is marked the same way a `.missing` run is: a gap in a table must stand out too.
    static func cellRun(_ text: String) -> DocumentRun {
        if text.contains(missingPlaceholder) {
            return DocumentRun(text, role: .missing(metric: "", reason: "表格中缺少数据"))
        }
        return DocumentRun(text)
    }

    /// Columns whose cells are all short (numbers, names, 是/否) read better centred; long text stays left.
    static func centredColumns(_ rows: [[String]], columnCount: Int) -> [Bool] {
        var centred = [Bool](repeating: true, count: columnCount)
        for row in rows.dropFirst() {
            for (c, text) in row.enumerated() where c < columnCount && displayWidth(text) > 12 {
                centred[c] = false
            }
        }
        return centred
    }

    /// Width in half-width cells: ASCII counts one, anything else two.
    static func displayWidth(_ text: String) -> Int {
        var width = 0
        for scalar in text.unicodeScalars { width += scalar.isASCII ? 1 : 2 }
        return width
    }

    // MARK: - Section

    private mutating func sectionProperties() {
        let L = GovDocLayout.self
        out.append("<w:sectPr>")
        out.append("<w:footerReference w:type=\"default\" r:id=\"\(DocxPackage.oddFooterID)\"/>")
        out.append("<w:footerReference w:type=\"even\" r:id=\"\(DocxPackage.evenFooterID)\"/>")
        out.append("<w:pgSz w:w=\"\(L.pageWidth)\" w:h=\"\(L.pageHeight)\"/>")
        out.append("<w:pgMar w:top=\"\(L.marginTop)\" w:right=\"\(L.marginRight)\" w:bottom=\"\(L.marginBottom)\" ")
        out.append("w:left=\"\(L.marginLeft)\" w:header=\"\(L.headerDistance)\" w:footer=\"\(L.footerDistance)\" w:gutter=\"0\"/>")
        out.append("<w:cols w:space=\"425\"/>")
        out.append("<w:docGrid w:type=\"linesAndChars\" w:linePitch=\"\(L.linePitch)\" w:charSpace=\"\(L.charSpace)\"/>")
        out.append("</w:sectPr>")
    }
}
