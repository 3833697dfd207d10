import Foundation

/// The ways a problem lead (问题线索) is disposed of, as discipline inspection ledgers record them.
public enum ProblemLeadDisposal: String, CaseIterable, Codable, Sendable {
    case talkOrLetter = "talk_or_letter"
    case preliminaryVerification = "preliminary_verification"
    case shelved
    case concluded

    public var label: String {
        switch self {
        case .talkOrLetter: return "谈话函询"
        case .preliminaryVerification: return "初步核实"
        case .shelved: return "暂存待查"
        case .concluded: return "予以了结"
        }
    }

    /// Reads a stored raw value or a label.
    public static func fromLabel(_ text: String) -> ProblemLeadDisposal? {
        let trimmed = text.trimmedWhitespace
        return allCases.first { $0.label == trimmed || $0.rawValue == trimmed }
    }
}
