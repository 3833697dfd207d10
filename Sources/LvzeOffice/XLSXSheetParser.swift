import LvzeCore

/// Turns the tokens of a worksheet part into rows: finished rows collect in `rows` for the reader
/// to hand out after each chunk, so nothing but the current row is kept.
struct XLSXSheetParser: XMLHandler {
    private enum CellType {
        case number, shared, inline, formulaString, boolean, error, isoDate
    }

    let sharedStrings: SharedStringStore
    let dateStyles: [Bool]
    let uses1904: Bool

    /// Rows completed since the reader last emptied this array.
    var rows: [SpreadsheetRow] = []
    /// Set once `</sheetData>` is seen: the rest of the part holds no cells.
    private(set) var finished = false

    private var inSheetData = false
    private var rowNumber = 0
    private var cells: [SpreadsheetCell] = []
    private var cellsSorted = true
    private var expectedCellCount = 16
    private var column = -1
    private var inCell = false
    private var cellType = CellType.number
    private var cellIsDate = false
    private var hasValue = false
    private var inValue = false
    private var inInline = false
    private var sawInline = false
    private var value: [UInt8] = []
    private var inline = RichTextCollector()

    init(sharedStrings: SharedStringStore, dateStyles: [Bool], uses1904: Bool) {
        self.sharedStrings = sharedStrings
        self.dateStyles = dateStyles
        self.uses1904 = uses1904
        value.reserveCapacity(64)
    }

    mutating func startElement(_ name: XMLBytes, _ attributes: XMLAttributes, selfClosing: Bool) throws {
        if inCell {
            if inInline {
                try inline.start(name, attributes, selfClosing: selfClosing)
            } else if XMLSyntax.equals(name, "v") {
                hasValue = true
                inValue = !selfClosing
            } else if XMLSyntax.equals(name, "is") {
                hasValue = true
                sawInline = true
                inInline = !selfClosing
            }
            return
        }
        guard inSheetData else {
            if XMLSyntax.equals(name, "sheetData") {
                inSheetData = !selfClosing
                finished = selfClosing
            }
            return
        }
        if XMLSyntax.equals(name, "c") {
            try startCell(attributes)
            if !selfClosing { inCell = true }
        } else if XMLSyntax.equals(name, "row") {
            var number: Int?
            try attributes.forEach { n, v in
                if XMLSyntax.equals(n, "r") { number = XLSXSheetParser.integer(v) }
            }
            let next = number ?? rowNumber + 1
            guard next > 0 else {
                throw SpreadsheetError.corrupt("行号无效（第 \(rowNumber + 1) 行附近）")
            }
            rowNumber = next
            column = -1
            cells = []
            cellsSorted = true
            cells.reserveCapacity(expectedCellCount)
        }
    }

    mutating func endElement(_ name: XMLBytes) throws {
        if inCell {
            if inInline {
                if XMLSyntax.equals(name, "is") { inInline = false } else { inline.end(name) }
            } else if XMLSyntax.equals(name, "v") {
                inValue = false
            } else if XMLSyntax.equals(name, "c") {
                inCell = false
                try finishCell()
            }
            return
        }
        guard inSheetData else { return }
        if XMLSyntax.equals(name, "row") {
            if !cells.isEmpty {
                if !cellsSorted { cells.sort { $0.column < $1.column } }
                expectedCellCount = max(expectedCellCount, cells.count)
                rows.append(SpreadsheetRow(number: rowNumber, cells: cells))
                cells = []
            }
        } else if XMLSyntax.equals(name, "sheetData") {
            inSheetData = false
            finished = true
        }
    }

    mutating func characters(_ text: XMLBytes, cdata: Bool) throws {
        if inValue {
            if cdata { value.append(contentsOf: text) } else { XMLText.appendDecoded(text, to: &value) }
        } else if inInline {
            inline.characters(text, cdata: cdata)
        }
    }

    private mutating func startCell(_ attributes: XMLAttributes) throws {
        var reference: XMLBytes?
        var style = 0
        var type = CellType.number
        try attributes.forEach { n, v in
            guard n.count == 1 else { return }
            switch n[0] {
            case UInt8(ascii: "r"): reference = v
            case UInt8(ascii: "s"): style = XLSXSheetParser.integer(v) ?? 0
            case UInt8(ascii: "t"): type = XLSXSheetParser.cellType(v)
            default: break
            }
        }
        if let reference, let c = XLSXSheetParser.column(of: reference) {
            column = c
        } else {
            column += 1
        }
        cellType = type
        cellIsDate = style >= 0 && style < dateStyles.count && dateStyles[style]
        hasValue = false
        inValue = false
        inInline = false
        sawInline = false
        value.removeAll(keepingCapacity: true)
        inline.reset()
    }

    /// Builds the cell from what the element held; cells with no value or empty text are left out.
    /// Excel's widest row. A hostile sheet may repeat a cell reference without end; counting the
    /// cells (not their columns) keeps one row from holding gigabytes.
    static let maxCellsPerRow = 16_384

    private mutating func finishCell() throws {
        guard cells.count < Self.maxCellsPerRow else {
            throw SpreadsheetError.corrupt("一行的单元格超过\(Self.maxCellsPerRow)个（Excel 每行最多16384列）")
        }
        guard hasValue else { return }
        let result: SpreadsheetValue
        switch cellType {
        case .shared:
            guard let index = value.withUnsafeBufferPointer(XLSXSheetParser.integer) else {
                if value.allSatisfy(XMLSyntax.isSpace) { return }
                throw SpreadsheetError.corrupt("共享字符串编号无效（\(reference)）")
            }
            guard index >= 0, index < sharedStrings.count else {
                throw SpreadsheetError.corrupt("共享字符串编号越界（\(reference)）")
            }
            let s = sharedStrings[index]
            guard !s.isEmpty else { return }
            result = .text(s)
        case .inline, .formulaString:
            let s: String
            if sawInline {
                s = inline.string
            } else if XMLText.mayHaveOfficeEscapes(value) {
                s = String(decoding: XMLText.unescapeOffice(value), as: UTF8.self)
            } else {
                s = String(decoding: value, as: UTF8.self)
            }
            guard !s.isEmpty else { return }
            result = .text(s)
        case .boolean:
            let s = trimmedValue()
            guard !s.isEmpty else { return }
            result = .boolean(s == "1" || s.lowercased() == "true")
        case .error:
            let s = trimmedValue()
            guard !s.isEmpty else { return }
            result = .error(s)
        case .number:
            let s = trimmedValue()
            guard !s.isEmpty else { return }
            result = .number(s)
        case .isoDate:
            let s = trimmedValue()
            guard !s.isEmpty else { return }
            if let date = LocalDate.parse(String(s.prefix { $0 != "T" && $0 != " " })) {
                cells.append(SpreadsheetCell(column: column, value: .number(String(ExcelDate.serial(date))),
                                             isDateFormatted: true, uses1904: false))
                noteOrder()
                return
            }
            result = .text(s)
        }
        cells.append(SpreadsheetCell(column: column, value: result, isDateFormatted: cellIsDate, uses1904: uses1904))
        noteOrder()
    }

    private mutating func noteOrder() {
        let n = cells.count
        if n > 1, cells[n - 2].column >= cells[n - 1].column { cellsSorted = false }
    }

    private var reference: String {
        SpreadsheetCell.columnName(max(column, 0)) + String(rowNumber)
    }

    private func trimmedValue() -> String {
        var start = 0
        var end = value.count
        while start < end, XMLSyntax.isSpace(value[start]) { start += 1 }
        while end > start, XMLSyntax.isSpace(value[end - 1]) { end -= 1 }
        return value.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
    }

    private static func cellType(_ v: XMLBytes) -> CellType {
        if XMLSyntax.equals(v, "s") { return .shared }
        if XMLSyntax.equals(v, "inlineStr") { return .inline }
        if XMLSyntax.equals(v, "str") { return .formulaString }
        if XMLSyntax.equals(v, "b") { return .boolean }
        if XMLSyntax.equals(v, "e") { return .error }
        if XMLSyntax.equals(v, "d") { return .isoDate }
        return .number
    }

    /// The 0-based column of a reference such as `C12` or `$AB$3`; nil when it has no letters.
    static func column(of reference: XMLBytes) -> Int? {
        var c = 0
        var letters = 0
        for b in reference {
            if b == UInt8(ascii: "$") { continue }
            let upper = b & 0xDF
            guard upper >= UInt8(ascii: "A"), upper <= UInt8(ascii: "Z") else { break }
            c = c * 26 + Int(upper - 64)
            letters += 1
            if letters > 3 { return nil }
        }
        return letters > 0 ? c - 1 : nil
    }

    /// A non-negative decimal integer with optional surrounding whitespace; nil for anything else.
    static func integer(_ bytes: XMLBytes) -> Int? {
        var i = 0
        var end = bytes.count
        while i < end, XMLSyntax.isSpace(bytes[i]) { i += 1 }
        while end > i, XMLSyntax.isSpace(bytes[end - 1]) { end -= 1 }
        guard i < end, end - i <= 18 else { return nil }
        var v = 0
        while i < end {
            let d = bytes[i] &- 48
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
            i += 1
        }
        return v
    }
}
