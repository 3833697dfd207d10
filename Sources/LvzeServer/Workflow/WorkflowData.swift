import Foundation

/// The pending requests and extension count of a workflow record, stored as JSON.
struct WorkflowData: Codable {
    struct Closure: Codable {
        var requester: Int
        var at: Date
        var description: String
        var evidence: Int
    }
    struct Extension: Codable {
        var requester: Int
        var at: Date
        var deadline: String
        var reason: String
    }
    var closure: Closure?
    var extensionRequest: Extension?
    var extensions: Int = 0

    static func decode(_ text: String) -> WorkflowData {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return (try? decoder.decode(WorkflowData.self, from: Data(text.utf8))) ?? WorkflowData()
    }

    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
