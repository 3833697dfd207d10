/// The neutral model of an official document (公文): what the report renderer produces and
/// the DOCX and HTML writers consume, so neither writer knows about metrics or templates.
public struct ReportDocument: Sendable, Equatable {
    /// The title (标题), centred in 2号 方正小标宋简体.
    public var title: [DocumentRun]
    public var blocks: [DocumentBlock]

    public init(title: [DocumentRun], blocks: [DocumentBlock]) {
        self.title = title
        self.blocks = blocks
    }

    /// The title as plain text (file names, the HTML `<title>`).
    public var titleText: String { title.map(\.text).joined() }
}

/// One block of the body, in reading order.
public enum DocumentBlock: Sendable, Equatable {
    /// A heading: level 1 is 「一、」 in 黑体, level 2 「（一）」 in 楷体_GB2312, level 3
    /// 「1.」 and level 4 「（1）」 in 仿宋 bold. The numbering is part of the runs' text.
    case heading(level: Int, runs: [DocumentRun])
    /// A body paragraph in 仿宋_GB2312 3号, first line indented two characters.
    case paragraph([DocumentRun])
    /// A table; the first row is the header.
    case table([[String]])
}

/// A stretch of text with one look. Figures and claims keep what they came from, so the
/// HTML writer can link a figure to its records and a writer can mark a problem.
public struct DocumentRun: Sendable, Equatable {
    public enum Role: Sendable, Equatable {
        /// Plain words of the template.
        case text
        /// A computed figure or name list: `metric` is its id.
        case figure(metric: String)
        /// A figure with no data behind it: shown as a visible marker, never as 0.
        case missing(metric: String, reason: String)
        /// Words the data must support; `problem` is set when it does not.
        case claim(id: String, problem: String?)
    }

    public var text: String
    public var role: Role
    public var bold: Bool

    public init(_ text: String, role: Role = .text, bold: Bool = false) {
        self.text = text
        self.role = role
        self.bold = bold
    }

    /// True when the run must stand out for the person who signs the report.
    public var needsAttention: Bool {
        switch role {
        case .missing: return true
        case .claim(_, let problem): return problem != nil
        default: return false
        }
    }
}
