import Foundation
import LvzeCore
import ZIPFoundation

/// Writes a one-sheet `.xlsx` row by row: bold shaded header, frozen first row, autofilter, column
/// widths, real date and number cells, 是/否 booleans, and text as inline strings (never formulas).
///
/// Rows stream into a temporary sheet file; `finish()` deflates it into the package, so memory stays
/// flat however many rows are appended. Not safe to share between tasks.
public final class XLSXWriter {
    /// Excel's limit on rows per sheet.
    public static let maxRows = 1_048_576

    public let columns: [ExportColumn]
    public let sheetName: String
    /// Data rows appended so far (the header not counted).
    public private(set) var rowCount = 0

    private let destination: URL
    private let workDirectory: URL
    private let sheetURL: URL
    private var sheet: OutputBuffer
    private var finished = false
    /// Per column: `<c r="B` so a cell needs only its row number appended.
    private let cellPrefixes: [[UInt8]]
    /// Per column: the style index for numbers in that column.
    private let numberStyles: [Int]
    private let decimalPlaces: [Int]

    private static let headerStyle = 1
    private static let dateStyle = 2
    private static let integerStyle = 3
    private static let firstDecimalStyle = 4
    private static let dateFormatID = 164
    private static let firstDecimalFormatID = 165

    /// Starts a workbook at `url` (replaced if it exists when `finish()` succeeds) and writes the header row.
    public init(url: URL, sheetName: String, columns: [ExportColumn]) throws {
        if let problem = XLSXWriter.sheetNameProblem(sheetName) {
            throw SpreadsheetError(.invalidArgument, problem)
        }
        guard !columns.isEmpty, columns.count <= 16_384 else {
            throw SpreadsheetError(.invalidArgument, "导出的列数必须在 1 到 16384 之间")
        }
        self.destination = url
        self.sheetName = sheetName
        self.columns = columns
        let places = Array(Set(columns.compactMap { c -> Int? in
            if case .decimal(let p) = c.kind { return min(max(p, 0), 15) }
            return nil
        })).sorted()
        self.decimalPlaces = places
        self.numberStyles = columns.map { column in
            switch column.kind {
            case .integer: return XLSXWriter.integerStyle
            case .decimal(let p): return XLSXWriter.firstDecimalStyle + places.firstIndex(of: min(max(p, 0), 15))!
            case .date: return XLSXWriter.dateStyle
            case .text, .boolean: return 0
            }
        }
        self.cellPrefixes = columns.indices.map { Array("<c r=\"\(SpreadsheetCell.columnName($0))".utf8) }
        self.workDirectory = FileManager.default.temporaryDirectory
            .appendingPathComponent("lvze-xlsx-\(UUID().uuidString)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: workDirectory, withIntermediateDirectories: true)
        } catch {
            throw SpreadsheetError.io(workDirectory.path, error)
        }
        self.sheetURL = workDirectory.appendingPathComponent("sheet1.xml")
        do {
            self.sheet = try OutputBuffer(url: sheetURL)
        } catch {
            try? FileManager.default.removeItem(at: workDirectory)
            throw error
        }
        writeSheetStart()
        try sheet.flush()
    }

    deinit {
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// Appends one data row; missing trailing values are empty, extra values are an error.
    public func append(_ values: [ExportValue]) throws {
        guard !finished else { throw SpreadsheetError(.invalidArgument, "导出文件已完成，不能再追加行") }
        guard values.count <= columns.count else {
            throw SpreadsheetError(.invalidArgument, "一行有 \(values.count) 个值，但只声明了 \(columns.count) 列")
        }
        guard rowCount + 1 < XLSXWriter.maxRows else {
            throw SpreadsheetError(.invalidArgument, "超过 Excel 单个工作表的最大行数 \(XLSXWriter.maxRows)")
        }
        rowCount += 1
        let r = rowCount + 1
        sheet.append("<row r=\"")
        sheet.append(integer: r)
        sheet.append("\">")
        for (index, value) in values.enumerated() {
            writeCell(value, column: index, row: r)
        }
        sheet.append("</row>")
        try sheet.flush()
    }

    /// Closes the sheet and writes the package to the destination; the writer cannot be used afterwards.
    public func finish() throws {
        guard !finished else { return }
        finished = true
        let lastColumn = SpreadsheetCell.columnName(columns.count - 1)
        let lastRow = rowCount + 1
        sheet.append("</sheetData><autoFilter ref=\"A1:")
        sheet.append(lastColumn)
        sheet.append(integer: lastRow)
        sheet.append("\"/><pageMargins left=\"0.7\" right=\"0.7\" top=\"0.75\" bottom=\"0.75\" header=\"0.3\" footer=\"0.3\"/></worksheet>")
        try sheet.close()

        let packageURL = workDirectory.appendingPathComponent("package.xlsx")
        do {
            let archive = try Archive(url: packageURL, accessMode: .create)
            try add(archive, "[Content_Types].xml", XLSXWriter.contentTypes)
            try add(archive, "_rels/.rels", XLSXWriter.rootRelationships)
            try add(archive, "docProps/app.xml", XLSXWriter.appProperties)
            try add(archive, "docProps/core.xml", coreProperties())
            try add(archive, "xl/workbook.xml", workbookXML(lastColumn: lastColumn, lastRow: lastRow))
            try add(archive, "xl/_rels/workbook.xml.rels", XLSXWriter.workbookRelationships)
            try add(archive, "xl/styles.xml", stylesXML())
            try archive.addEntry(with: "xl/worksheets/sheet1.xml", fileURL: sheetURL, compressionMethod: .deflate,
                                 bufferSize: 256 << 10)
        } catch let error as SpreadsheetError {
            throw error
        } catch {
            throw SpreadsheetError.io(destination.path, error)
        }
        do {
            let fm = FileManager.default
            if fm.fileExists(atPath: destination.path) { try fm.removeItem(at: destination) }
            try fm.moveItem(at: packageURL, to: destination)
        } catch {
            throw SpreadsheetError.io(destination.path, error)
        }
        try? FileManager.default.removeItem(at: workDirectory)
    }

    /// Why a sheet name is unusable in Excel, in Chinese, or nil when it is fine.
    public static func sheetNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "工作表名称不能为空" }
        if name.utf16.count > 31 { return "工作表名称不能超过 31 个字符" }
        if name.contains(where: { "[]:*?/\\".contains($0) }) { return "工作表名称不能包含 [ ] : * ? / \\" }
        if name.hasPrefix("'") || name.hasSuffix("'") { return "工作表名称不能以单引号开头或结尾" }
        if name.unicodeScalars.contains(where: { $0.value < 0x20 }) { return "工作表名称不能包含控制字符" }
        if name.lowercased() == "history" { return "“History”是 Excel 保留的工作表名称" }
        return nil
    }

    /// A usable sheet name made from any title: forbidden characters become `_`, the length is cut to 31.
    public static func sanitizedSheetName(_ title: String) -> String {
        var scalars = String.UnicodeScalarView()
        for s in title.unicodeScalars {
            if s.value < 0x20 { continue }
            scalars.append("[]:*?/\\".unicodeScalars.contains(s) ? "_" : s)
        }
        var name = String(scalars)
        while name.hasPrefix("'") { name.removeFirst() }
        while name.hasSuffix("'") { name.removeLast() }
        while name.utf16.count > 31 { name.removeLast() }
        while name.hasSuffix("'") { name.removeLast() }
        if name.isEmpty || name.lowercased() == "history" { return "Sheet1" }
        return name
    }

    // MARK: - Sheet content

    private func writeSheetStart() {
        sheet.append("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n")
        sheet.append("<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" ")
        sheet.append("xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\">")
        sheet.append("<sheetViews><sheetView tabSelected=\"1\" workbookViewId=\"0\">")
        sheet.append("<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" state=\"frozen\"/>")
        sheet.append("<selection pane=\"bottomLeft\" activeCell=\"A2\" sqref=\"A2\"/></sheetView></sheetViews>")
        sheet.append("<sheetFormatPr defaultRowHeight=\"15\"/><cols>")
        for (i, column) in columns.enumerated() {
            sheet.append("<col min=\"")
            sheet.append(integer: i + 1)
            sheet.append("\" max=\"")
            sheet.append(integer: i + 1)
            sheet.append("\" width=\"")
            sheet.append(XLSXWriter.number(max(0, min(column.width, 255))))
            sheet.append("\" customWidth=\"1\"/>")
        }
        sheet.append("</cols><sheetData><row r=\"1\">")
        for (i, column) in columns.enumerated() {
            sheet.append(cellPrefixes[i])
            sheet.append("1\" s=\"1\" t=\"inlineStr\"><is>")
            writeText(column.title)
            sheet.append("</is></c>")
        }
        sheet.append("</row>")
    }

    private func writeCell(_ value: ExportValue, column: Int, row: Int) {
        switch value {
        case .empty:
            return
        case .text(let text):
            guard !text.isEmpty else { return }
            // An inline string is text to Excel and WPS whatever it starts with (a formula is
            // only ever an <f> element), so it is written as the user typed it; CSV needs the guard.
            writeInline(text, column: column, row: row)
        case .boolean(let b):
            writeInline(b ? "是" : "否", column: column, row: row)
        case .integer(let n):
            startNumber(column: column, row: row, style: numberStyle(column))
            sheet.append(integer: n)
            sheet.append("</v></c>")
        case .decimal(let d):
            guard d.isFinite else { return }
            startNumber(column: column, row: row, style: numberStyle(column))
            sheet.append(XLSXWriter.number(d))
            sheet.append("</v></c>")
        case .date(let date):
            startNumber(column: column, row: row, style: XLSXWriter.dateStyle)
            sheet.append(integer: ExcelDate.serial(date))
            sheet.append("</v></c>")
        }
    }

    /// The style for a number in `column`: its declared number format, or General in text columns.
    private func numberStyle(_ column: Int) -> Int {
        let style = numberStyles[column]
        return style == XLSXWriter.dateStyle ? 0 : style
    }

    private func startNumber(column: Int, row: Int, style: Int) {
        sheet.append(cellPrefixes[column])
        sheet.append(integer: row)
        if style != 0 {
            sheet.append("\" s=\"")
            sheet.append(integer: style)
        }
        sheet.append("\"><v>")
    }

    private func writeInline(_ text: String, column: Int, row: Int) {
        sheet.append(cellPrefixes[column])
        sheet.append(integer: row)
        sheet.append("\" t=\"inlineStr\"><is>")
        writeText(text)
        sheet.append("</is></c>")
    }

    /// A `<t>` element, marked `xml:space="preserve"` when leading or trailing XML whitespace must survive.
    private func writeText(_ text: String) {
        let isXMLSpace = { (b: UInt8?) in b.map(XMLSyntax.isSpace) ?? false }
        let needsPreserve = isXMLSpace(text.utf8.first) || isXMLSpace(text.utf8.last)
        sheet.append(needsPreserve ? "<t xml:space=\"preserve\">" : "<t>")
        XMLEscaping.append(text, to: &sheet)
        sheet.append("</t>")
    }

    /// The shortest text that reads back as exactly `value` (`1200.5`, `0.1`, `1e-05`).
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(value)
    }

    // MARK: - Package parts

    private func add(_ archive: Archive, _ path: String, _ text: String) throws {
        let data = Data(text.utf8)
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count),
                             compressionMethod: .deflate) { position, size in
            data.subdata(in: Int(position)..<(Int(position) + size))
        }
    }

    private static let xmlHeader = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n"

    private static let contentTypes = xmlHeader + """
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>\
        <Default Extension="xml" ContentType="application/xml"/>\
        <Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>\
        <Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>\
        <Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>\
        <Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>\
        <Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>\
        </Types>
        """

    private static let rootRelationships = xmlHeader + """
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>\
        <Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>\
        </Relationships>
        """

    private static let workbookRelationships = xmlHeader + """
        <Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">\
        <Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>\
        <Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>\
        </Relationships>
        """

    private static let appProperties = xmlHeader + """
        <Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">\
        <Application>Lvze</Application></Properties>
        """

    private func coreProperties() -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        let now = formatter.string(from: Date())
        return XLSXWriter.xmlHeader + """
            <cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" \
            xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" \
            xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\
            <dc:title>\(XMLEscaping.escaped(sheetName))</dc:title><dc:creator>履责</dc:creator>\
            <dcterms:created xsi:type="dcterms:W3CDTF">\(now)</dcterms:created>\
            </cp:coreProperties>
            """
    }

    private func workbookXML(lastColumn: String, lastRow: Int) -> String {
        let name = XMLEscaping.escaped(sheetName)
        let quoted = XMLEscaping.escaped("'" + sheetName.replacingOccurrences(of: "'", with: "''") + "'")
        return XLSXWriter.xmlHeader + """
            <workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" \
            xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">\
            <workbookPr/><bookViews><workbookView/></bookViews>\
            <sheets><sheet name="\(name)" sheetId="1" r:id="rId1"/></sheets>\
            <definedNames><definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">\
            \(quoted)!$A$1:$\(lastColumn)$\(lastRow)</definedName></definedNames>\
            </workbook>
            """
    }

    private func stylesXML() -> String {
        var numFmts = "<numFmt numFmtId=\"\(XLSXWriter.dateFormatID)\" formatCode=\"yyyy-mm-dd\"/>"
        for (i, places) in decimalPlaces.enumerated() {
            let code = places == 0 ? "0" : "0." + String(repeating: "0", count: places)
            numFmts += "<numFmt numFmtId=\"\(XLSXWriter.firstDecimalFormatID + i)\" formatCode=\"\(code)\"/>"
        }
        var xfs = """
            <xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>\
            <xf numFmtId="0" fontId="1" fillId="2" borderId="1" xfId="0" applyFont="1" applyFill="1" applyBorder="1" applyAlignment="1">\
            <alignment horizontal="center" vertical="center" wrapText="1"/></xf>\
            <xf numFmtId="\(XLSXWriter.dateFormatID)" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>\
            <xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
            """
        for i in decimalPlaces.indices {
            xfs += "<xf numFmtId=\"\(XLSXWriter.firstDecimalFormatID + i)\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/>"
        }
        return XLSXWriter.xmlHeader + """
            <styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">\
            <numFmts count="\(decimalPlaces.count + 1)">\(numFmts)</numFmts>\
            <fonts count="2"><font><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font>\
            <font><b/><sz val="11"/><name val="等线"/><family val="2"/><charset val="134"/></font></fonts>\
            <fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>\
            <fill><patternFill patternType="solid"><fgColor rgb="FFD9E1F2"/><bgColor indexed="64"/></patternFill></fill></fills>\
            <borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>\
            <border><left/><right/><top/><bottom style="thin"><color rgb="FF8EA9DB"/></bottom><diagonal/></border></borders>\
            <cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>\
            <cellXfs count="\(4 + decimalPlaces.count)">\(xfs)</cellXfs>\
            <cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>\
            <dxfs count="0"/><tableStyles count="0"/>\
            </styleSheet>
            """
    }
}

@available(*, unavailable, message: "XLSXWriter appends to one file; use one writer per task")
extension XLSXWriter: Sendable {}
