/// The shared string table (`xl/sharedStrings.xml`): cells of type `s` hold an index into it.
struct XLSXSharedStrings: XMLHandler {
    let strings: SharedStringStore
    private var inItem = false

    init(into store: SharedStringStore = SharedStringStore()) {
        strings = store
    }
    private var collector = RichTextCollector()

    mutating func startElement(_ name: XMLBytes, _ attributes: XMLAttributes, selfClosing: Bool) throws {
        if inItem {
            try collector.start(name, attributes, selfClosing: selfClosing)
        } else if XMLSyntax.equals(name, "si") {
            if selfClosing {
                try strings.append("")
            } else {
                inItem = true
                collector.reset()
            }
        } else if XMLSyntax.equals(name, "sst"), let count = try attributes.value("uniqueCount"),
                  let n = XLSXSheetParser.integer(count) {
            _ = n  // only a hint; a hostile file must not make us reserve gigabytes
        }
    }

    mutating func endElement(_ name: XMLBytes) throws {
        guard inItem else { return }
        if XMLSyntax.equals(name, "si") {
            try strings.append(collector.string)
            inItem = false
        } else {
            collector.end(name)
        }
    }

    mutating func characters(_ text: XMLBytes, cdata: Bool) throws {
        if inItem { collector.characters(text, cdata: cdata) }
    }
}
