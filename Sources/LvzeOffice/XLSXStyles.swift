/// The cell formats of `xl/styles.xml`, read only far enough to know which styles show a number
/// as a date, because a date cell is stored as a plain serial number and only its style says so.
struct XLSXStyles: XMLHandler {
    private var customFormats: [Int: String] = [:]
    private var cellFormatIDs: [Int] = []
    private var inNumFmts = false
    private var inCellXfs = false

    /// Built-in format IDs that are dates or times: 14–22 and 45–47 everywhere, plus the ones that
    /// Chinese, Japanese and Korean Excel map to 年/月/日 formats (27–36, 50–58).
    static let builtInDateFormats: Set<Int> = Set(14...22).union(27...36).union(45...47).union(50...58)

    /// For each cell style index (`s` of a cell), whether it is a date format.
    var dateStyles: [Bool] {
        cellFormatIDs.map { id in
            if let code = customFormats[id] { return XLSXStyles.isDateFormat(code) }
            return XLSXStyles.builtInDateFormats.contains(id)
        }
    }

    mutating func startElement(_ name: XMLBytes, _ attributes: XMLAttributes, selfClosing: Bool) throws {
        if XMLSyntax.equals(name, "numFmts") {
            inNumFmts = !selfClosing
        } else if XMLSyntax.equals(name, "cellXfs") {
            inCellXfs = !selfClosing
        } else if inNumFmts, XMLSyntax.equals(name, "numFmt") {
            var id: Int?
            var code = ""
            try attributes.forEach { n, v in
                if XMLSyntax.equals(n, "numFmtId") { id = XLSXSheetParser.integer(v) }
                else if XMLSyntax.equals(n, "formatCode") { code = XMLText.string(v) }
            }
            if let id { customFormats[id] = code }
        } else if inCellXfs, XMLSyntax.equals(name, "xf") {
            let id = try attributes.value("numFmtId").flatMap(XLSXSheetParser.integer) ?? 0
            cellFormatIDs.append(id)
        }
    }

    mutating func endElement(_ name: XMLBytes) throws {
        if XMLSyntax.equals(name, "numFmts") { inNumFmts = false }
        else if XMLSyntax.equals(name, "cellXfs") { inCellXfs = false }
    }

    mutating func characters(_ text: XMLBytes, cdata: Bool) throws {}

    /// Whether a number format code shows a date: after removing quoted literals, escapes, padding and
    /// `[...]` sections (colours, locales, elapsed time), it has a year or day, or a month without
    /// hours or seconds (so `mm:ss` stays a time).
    static func isDateFormat(_ code: String) -> Bool {
        var hasYearOrDay = false, hasMonth = false, hasTime = false
        var iterator = code.unicodeScalars.makeIterator()
        while let c = iterator.next() {
            switch c {
            case "\"":
                while let q = iterator.next(), q != "\"" {}
            case "[":
                while let q = iterator.next(), q != "]" {}
            case "\\", "_", "*":
                _ = iterator.next()
            case "y", "Y", "d", "D":
                hasYearOrDay = true
            case "m", "M":
                hasMonth = true
            case "h", "H", "s", "S":
                hasTime = true
            default:
                break
            }
        }
        return hasYearOrDay || (hasMonth && !hasTime)
    }
}
