import MultipartKit
import Vapor

extension Request {
    /// A form field as text, nil when absent (the last one when a name repeats, as Vapor's decoder).
    func formText(_ name: String) -> String? {
        guard let parts = multipartParts() else {
            if let fields = urlEncodedFields() { return fields[name] }
            return try? content.get(String.self, at: name)
        }
        return parts.last { $0.name == name }.map { String(decoding: $0.body.readableBytesView, as: UTF8.self) }
    }

    /// The files sent under `name`, `name[]` or `name[N]` (an `<input type="file" multiple>`), in order.
    func formFiles(_ name: String) -> [File] {
        guard let parts = multipartParts() else { return (try? content.get([File].self, at: name)) ?? [] }
        return parts.filter { part in
            guard let n = part.name, n.hasPrefix(name) else { return false }
            let rest = n.dropFirst(name.count)
            return rest.isEmpty || (rest.first == "[" && rest.last == "]" && rest.dropFirst().dropLast().allSatisfy(\.isNumber))
        }.compactMap(File.init(multipart:))
    }

    /// The one file sent under `name`.
    func formFile(_ name: String) -> File? {
        guard let parts = multipartParts() else { return try? content.get(File.self, at: name) }
        return parts.last { $0.name == name }.flatMap(File.init(multipart:))
    }

    private struct URLEncodedKey: StorageKey { typealias Value = [String: String] }

    /// An `application/x-www-form-urlencoded` body's fields, parsed once a request (the CSRF
    /// check and each field read parsed it whole again); nil for any other body.
    private func urlEncodedFields() -> [String: String]? {
        guard headers.contentType == .urlEncodedForm else { return nil }
        if let parsed = storage[URLEncodedKey.self] { return parsed }
        var fields: [String: String] = [:]
        let text = body.data.map { String(decoding: $0.readableBytesView, as: UTF8.self) } ?? ""
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            // The last one wins, as in Vapor's decoder (a query's first one does, `queryText`).
            fields[Self.formDecoded(parts[0])] = parts.count > 1 ? Self.formDecoded(parts[1]) : ""
        }
        storage[URLEncodedKey.self] = fields
        return fields
    }

    private struct MultipartKey: StorageKey { typealias Value = [MultipartPart] }

    /// A multipart body's parts, parsed once a request; nil for any other body. Vapor's
    /// `content.get(_:at:)` parses the whole body for each field it reads: a record form with
    /// evidence was parsed some twenty times (the CSRF field, each field, each file input), so a
    /// 60 MB upload cost twenty passes over 60 MB. A body that does not parse has no parts.
    private func multipartParts() -> [MultipartPart]? {
        guard let type = headers.contentType, type.type == "multipart", type.subType == "form-data",
              let boundary = type.parameters["boundary"] else { return nil }
        if let parsed = storage[MultipartKey.self] { return parsed }
        var parts: [MultipartPart] = []
        if let body = body.data {
            let parser = MultipartParser(boundary: boundary)
            var headers = HTTPHeaders()
            var chunk = ByteBuffer()
            parser.onHeader = { headers.add(name: $0, value: $1) }
            parser.onBody = { chunk.writeBuffer(&$0) }
            parser.onPartComplete = {
                parts.append(MultipartPart(headers: headers, body: chunk))
                headers = [:]
                chunk = ByteBuffer()
            }
            do { try parser.execute(body) } catch { parts = [] }
        }
        storage[MultipartKey.self] = parts
        return parts
    }
}
