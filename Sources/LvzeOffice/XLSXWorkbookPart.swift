/// The parts of `xl/workbook.xml` a reader needs: the sheets in tab order and the date system.
struct XLSXWorkbookPart: XMLHandler {
    struct SheetEntry {
        let name: String
        let relationshipID: String
        let state: String
    }

    private(set) var sheets: [SheetEntry] = []
    private(set) var uses1904 = false

    mutating func startElement(_ name: XMLBytes, _ attributes: XMLAttributes, selfClosing: Bool) throws {
        if XMLSyntax.equals(name, "sheet") {
            var sheetName = "", rid = "", state = "visible"
            try attributes.forEach { n, v in
                if XMLSyntax.equals(n, "name") { sheetName = XMLText.string(v) }
                else if XMLSyntax.equals(n, "id") { rid = XMLText.string(v) }
                else if XMLSyntax.equals(n, "state") { state = XMLText.string(v) }
            }
            sheets.append(SheetEntry(name: sheetName, relationshipID: rid, state: state))
        } else if XMLSyntax.equals(name, "workbookPr") {
            if let v = try attributes.value("date1904") {
                uses1904 = XMLSyntax.equals(v, "1") || XMLSyntax.equals(v, "true")
            }
        }
    }

    mutating func endElement(_ name: XMLBytes) throws {}
    mutating func characters(_ text: XMLBytes, cdata: Bool) throws {}
}
