/// The numbers of GB/T 9704-2012 (党政机关公文格式) in Word's units, in one place so the styles,
/// the section and the tests cannot drift apart. Lengths are twips (1/20 pt), font sizes half-points.
enum GovDocLayout {
    /// A4, 210 mm × 297 mm.
    static let pageWidth = 11906
    static let pageHeight = 16838
    /// 天头 37 mm.
    static let marginTop = 2098
    /// 订口 28 mm.
    static let marginLeft = 1588
    /// 35 mm: with the top margin it leaves the 225 mm 版心 height.
    static let marginBottom = 1984
    /// 26 mm: with the left margin it leaves the 156 mm 版心 width.
    static let marginRight = 1474
    /// 版心 width, 156 mm; tables span it.
    static let textWidth = pageWidth - marginLeft - marginRight
    /// 版心 height, 225 mm.
    static let textHeight = pageHeight - marginTop - marginBottom

    /// 22 lines in the 版心: 12756 / 22, rounded down so the 22nd line still fits.
    static let linesPerPage = 22
    static let linePitch = textHeight / linesPerPage
    /// 28 characters a line. Word's grid pitch is the Normal font size (16 pt) plus
    /// `charSpace` / 4096 pt; the value is rounded down so 28 pitches never exceed 156 mm.
    static let charsPerLine = 28
    static var charSpace: Int {
        let pitchPoints = Double(textWidth) / 20 / Double(charsPerLine)
        return Int(((pitchPoints - Double(bodySize) / 2) * 4096).rounded(.down))
    }

    /// Body line spacing: exactly 29 pt. Note 22 × 580 = 12760 twips is 4 more than the 版心
    /// height, so a renderer that honours the exact spacing fits 21 body lines a page; 579
    /// (28.95 pt, the grid pitch) would fit 22.
    static let lineExact = 580
    /// Body text is condensed by 0.3 pt (in twentieths of a point). Word puts 28 characters on
    /// the grid anyway; LibreOffice cannot squeeze a 16 pt glyph into a 15.79 pt grid cell and
    /// gives each character two cells (14 a line), so body paragraphs leave the grid and the
    /// condensed 15.7 pt advance fits 28 (and not 29) characters in 156 mm in every renderer.
    static let bodyCondense = -6
    /// Header 15 mm from the top edge (no header is written, Word wants the value).
    static let headerDistance = 851
    /// Footer 25 mm from the bottom edge, which puts the 一字线 of the page number about 7 mm
    /// below the 版心 as the standard asks.
    static let footerDistance = 1417

    /// 3号 (16 pt) for the body and headings.
    static let bodySize = 32
    /// 2号 (22 pt) for the title.
    static let titleSize = 44
    /// 4号 (14 pt) for page numbers and table text.
    static let smallSize = 28
    /// Two characters of 3号, for Word versions that ignore `firstLineChars`.
    static let firstLineIndent = bodySize * 10 * 2
    /// One character of 4号, the distance of the page number from the 版心 edge.
    static let pageNumberIndent = smallSize * 10

    static let bodyFont = "仿宋_GB2312"
    static let titleFont = "方正小标宋简体"
    static let heading1Font = "黑体"
    static let heading2Font = "楷体_GB2312"
    static let pageNumberFont = "宋体"
    static let latinFont = "Times New Roman"
}
