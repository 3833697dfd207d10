/// The relationships of one package part (`_rels/*.rels`), which is how an XLSX names the files
/// holding its workbook, sheets, shared strings and styles instead of fixed paths.
struct XLSXRelationships: XMLHandler {
    struct Relationship {
        let id: String
        let type: String
        let target: String
        let isExternal: Bool
    }

    private(set) var items: [Relationship] = []

    mutating func startElement(_ name: XMLBytes, _ attributes: XMLAttributes, selfClosing: Bool) throws {
        guard XMLSyntax.equals(name, "Relationship") else { return }
        var id = "", type = "", target = "", external = false
        try attributes.forEach { n, v in
            if XMLSyntax.equals(n, "Id") { id = XMLText.string(v) }
            else if XMLSyntax.equals(n, "Type") { type = XMLText.string(v) }
            else if XMLSyntax.equals(n, "Target") { target = XMLText.string(v) }
            else if XMLSyntax.equals(n, "TargetMode") { external = XMLSyntax.equals(v, "External") }
        }
        items.append(Relationship(id: id, type: type, target: target, isExternal: external))
    }

    mutating func endElement(_ name: XMLBytes) throws {}
    mutating func characters(_ text: XMLBytes, cdata: Bool) throws {}

    /// The first internal relationship whose type URI ends with `/suffix` (transitional and strict URIs differ in their prefix).
    func first(typeSuffix suffix: String) -> Relationship? {
        items.first { !$0.isExternal && $0.type.hasSuffix("/" + suffix) }
    }

    /// The rels part that describes `part`: `xl/workbook.xml` → `xl/_rels/workbook.xml.rels`.
    static func path(for part: String) -> String {
        guard let slash = part.lastIndex(of: "/") else { return "_rels/\(part).rels" }
        return "\(part[..<slash])/_rels/\(part[part.index(after: slash)...]).rels"
    }

    /// The package path a relationship target points to, resolved against the part that owns it.
    static func resolve(_ target: String, relativeTo part: String) -> String {
        let cleaned = target.replacingOccurrences(of: "\\", with: "/")
        if cleaned.hasPrefix("/") { return String(cleaned.dropFirst()) }
        var segments = part.split(separator: "/", omittingEmptySubsequences: true).dropLast().map(String.init)
        for segment in cleaned.split(separator: "/", omittingEmptySubsequences: true) {
            if segment == ".." { _ = segments.popLast() } else if segment != "." { segments.append(String(segment)) }
        }
        return segments.joined(separator: "/")
    }
}
