import Foundation

/// The pending requests and extension count of a workflow record, stored as JSON.
package struct WorkflowData: Codable {
    package init(closure: Closure? = nil, extensionRequest: Extension? = nil, extensions: Int = 0) {
        self.closure = closure
        self.extensionRequest = extensionRequest
        self.extensions = extensions
    }

    package struct Closure: Codable {
        package init(requester: Int, at: Date, description: String, evidence: Int) {
            self.requester = requester
            self.at = at
            self.description = description
            self.evidence = evidence
        }

        package var requester: Int
        package var at: Date
        package var description: String
        package var evidence: Int
    }
    package struct Extension: Codable {
        package init(requester: Int, at: Date, deadline: String, reason: String) {
            self.requester = requester
            self.at = at
            self.deadline = deadline
            self.reason = reason
        }

        package var requester: Int
        package var at: Date
        package var deadline: String
        package var reason: String
    }
    package var closure: Closure?
    package var extensionRequest: Extension?
    package var extensions: Int = 0

    package static func decode(_ text: String) -> WorkflowData {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return (try? decoder.decode(WorkflowData.self, from: Data(text.utf8))) ?? WorkflowData()
    }

    package func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}
