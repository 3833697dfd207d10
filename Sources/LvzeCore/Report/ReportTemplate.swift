import Foundation

/// Something wrong in a report template, on one line (line 0: the template as a whole).
public struct TemplateProblem: Sendable, Equatable, Codable, CustomStringConvertible {
    /// 1-based line number; 0 when the problem is not on one line (no title).
    public var line: Int
    /// The problem in Chinese, without the line prefix.
    public var message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    /// 「第12行：…」, or 「模板：…」 for line 0.
    public var description: String { line > 0 ? "第\(line)行：\(message)" : "模板：\(message)" }
}

/// How a metric placeholder is shown: `|change` or `|names:N`.
public enum TemplateFilter: Sendable, Equatable, Codable {
    /// A year-on-year change in words (「下降12.5%」, 「上升8.0%」, 「持平」).
    case change
    /// At most this many names of a name list.
    case names(Int)
}

/// One valid `{{ … }}` of a template, for a live preview listing each placeholder's value.
public struct TemplatePlaceholder: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Equatable, Codable {
        case metric, claim, setting
    }

    public var line: Int
    /// The placeholder as written, braces included.
    public var raw: String
    public var kind: Kind
    /// The metric id, claim id (without `claim:`) or setting key.
    public var id: String
    public var filter: TemplateFilter?

    public init(line: Int, raw: String, kind: Kind, id: String, filter: TemplateFilter? = nil) {
        self.line = line
        self.raw = raw
        self.kind = kind
        self.id = id
        self.filter = filter
    }
}

/// A report template: the text office staff edit, parsed and checked against the metric
/// catalogue, rendered into a `ReportDocument` from computed values.
///
/// The language, one paragraph a line:
/// - `#` starts a comment; blank lines are ignored.
/// - `%title …` (`%标题`) the title, exactly once; `%set key = value` (`%设置`) a setting;
///   `%names N` (`%名单`) the default number of names in a name list; `%h1 …`…`%h4 …` force a
///   heading, `%p …` a body paragraph.
/// - A line starting 「一、」 is a level-1 heading, 「（一）」 level 2; any other line a paragraph.
/// - `{{metric.id}}`, `{{metric.id|change}}`, `{{metric.id|names:3}}`, `{{claim:claim.id}}` and
///   `{{setting.key}}` inside any text.
public struct ReportTemplate: Sendable {
    /// Everything wrong with the template, in line order; empty when it is usable as is.
    public internal(set) var problems: [TemplateProblem]
    /// The template's own settings (`%set`).
    public internal(set) var settings: [String: String]
    /// The default number of names a name list shows (`%names`, 10 when not set).
    public internal(set) var nameLimit: Int
    /// Every metric the template needs, in first-use order, the metrics deciding its claims
    /// included (not the metrics shares and year-on-year changes are computed from).
    public internal(set) var metricIDs: [String]
    /// Every claim the template states, in first-use order.
    public internal(set) var claimIDs: [String]
    /// Every valid placeholder, in reading order.
    public internal(set) var placeholders: [TemplatePlaceholder]

    var title: [Segment]
    var lines: [Line]

    /// Settings the system fills from the report itself; a template may not set them.
    public static let systemSettings: Set<String> = ["report.year"]

    enum Segment: Sendable {
        case text(String)
        /// An index into `placeholders`.
        case placeholder(Int)
        /// A placeholder that is wrong: shown as written, marked for attention.
        case broken(raw: String, id: String, reason: String)
    }

    struct Line: Sendable {
        /// nil for a body paragraph.
        var headingLevel: Int?
        var segments: [Segment]
    }

    init() {
        problems = []
        settings = [:]
        nameLimit = 10
        metricIDs = []
        claimIDs = []
        placeholders = []
        title = []
        lines = []
    }

    /// Parses and checks a template. `builtinSettings` are the keys the caller fills at
    /// render time (`report.year`, `unit.name`…): placeholders may use them without `%set`.
    public static func parse(_ text: String, metrics: [String: MetricDefinition], claims: [String: ClaimDefinition],
                             builtinSettings: Set<String>) -> ReportTemplate {
        var parser = TemplateParser(metrics: metrics, claims: claims, builtinSettings: builtinSettings)
        return parser.parse(text)
    }

    /// The template's settings with the caller's on top: the caller's values (report year,
    /// unit name) win for the keys it gives.
    public func mergedSettings(_ callerSettings: [String: String]) -> [String: String] {
        settings.merging(callerSettings) { _, caller in caller }
    }

    /// Renders the document. `settings` are the caller's (report year, unit name…), merged
    /// over the template's own. A figure without a value shows 「【无数据】」, never 0.
    public func render(values: [String: MetricValue], metrics: [String: MetricDefinition], claims: [String: ClaimDefinition],
                       settings: [String: String]) -> ReportDocument {
        let merged = mergedSettings(settings)
        func runs(_ segments: [Segment]) -> [DocumentRun] {
            var out: [DocumentRun] = []
            for segment in segments {
                let run: DocumentRun
                switch segment {
                case .text(let s): run = DocumentRun(s)
                case .placeholder(let i): run = resolveWithMerged(placeholders[i], values: values, metrics: metrics, claims: claims, settings: merged)
                case .broken(let raw, let id, let reason): run = DocumentRun(raw, role: .missing(metric: id, reason: reason))
                }
                if run.text.isEmpty && run.role == .text { continue }
                if run.role == .text, let last = out.last, last.role == .text, last.bold == run.bold {
                    out[out.count - 1].text += run.text
                } else {
                    out.append(run)
                }
            }
            return out
        }
        let blocks: [DocumentBlock] = lines.map { line in
            if let level = line.headingLevel { return .heading(level: level, runs: runs(line.segments)) }
            return .paragraph(runs(line.segments))
        }
        return ReportDocument(title: runs(title), blocks: blocks)
    }

    /// One placeholder's run as `render` would show it (for a live preview); `settings` are
    /// the caller's, merged over the template's own.
    public func resolve(_ placeholder: TemplatePlaceholder, values: [String: MetricValue], metrics: [String: MetricDefinition],
                        claims: [String: ClaimDefinition], settings: [String: String]) -> DocumentRun {
        resolveWithMerged(placeholder, values: values, metrics: metrics, claims: claims, settings: mergedSettings(settings))
    }

    static let noData = "【无数据】"

    func resolveWithMerged(_ p: TemplatePlaceholder, values: [String: MetricValue], metrics: [String: MetricDefinition],
                           claims: [String: ClaimDefinition], settings: [String: String]) -> DocumentRun {
        switch p.kind {
        case .setting:
            guard let value = settings[p.id], !value.isEmpty else {
                return DocumentRun(Self.noData, role: .missing(metric: p.id, reason: "设置「\(p.id)」未填写"))
            }
            return DocumentRun(value)
        case .claim:
            guard let claim = claims[p.id] else {
                return DocumentRun(Self.noData, role: .missing(metric: p.id, reason: "结论「\(p.id)」未定义"))
            }
            var shown: Decimal?
            var shownText: String?
            if let definition = metrics[claim.metric], let value = values[claim.metric] {
                shown = definition.shownNumber(value)
                if let shown { shownText = MetricFormat.number(shown, decimals: definition.decimals) }
            }
            let problem: String?
            if claim.holds(for: shown) {
                problem = nil
            } else if let shownText {
                problem = claim.failure.replacingOccurrences(of: "{value}", with: shownText)
            } else {
                problem = "无数据"
            }
            return DocumentRun(claim.words, role: .claim(id: claim.id, problem: problem))
        case .metric:
            guard let definition = metrics[p.id] else {
                return DocumentRun(Self.noData, role: .missing(metric: p.id, reason: "指标「\(p.id)」未定义"))
            }
            let value = values[p.id]
            if case .missing(let reason)? = value {
                return DocumentRun(Self.noData, role: .missing(metric: p.id, reason: reason))
            }
            guard let value else {
                return DocumentRun(Self.noData, role: .missing(metric: p.id, reason: "未计算"))
            }
            let text: String?
            switch p.filter {
            case .change?:
                text = value.number.map { MetricFormat.change($0 / definition.divisor, decimals: definition.decimals) }
            case .names(let n)?:
                text = definition.display(value, nameLimit: n)
            case nil:
                text = definition.display(value, nameLimit: nameLimit)
            }
            guard let text else {
                let reason: String
                if case .names = value { reason = definition.isNameList ? "没有符合条件的记录" : "应为数值，得到名单" }
                else { reason = "无数据" }
                return DocumentRun(Self.noData, role: .missing(metric: p.id, reason: reason))
            }
            return DocumentRun(text, role: .figure(metric: p.id))
        }
    }
}

/// Reads a template line by line; see `ReportTemplate` for the language.
struct TemplateParser {
    let metrics: [String: MetricDefinition]
    let claims: [String: ClaimDefinition]
    let builtinSettings: Set<String>
    var template = ReportTemplate()
    var problems: [TemplateProblem] = []
    var settingLines: [String: Int] = [:]
    var titleLine: Int?
    var namesLine: Int?

    init(metrics: [String: MetricDefinition], claims: [String: ClaimDefinition], builtinSettings: Set<String>) {
        self.metrics = metrics
        self.claims = claims
        self.builtinSettings = builtinSettings
    }

    enum Directive: String, CaseIterable {
        case title, set, names, h1, h2, h3, h4, p

        /// Spellings, longest first within a directive.
        var spellings: [String] {
            switch self {
            case .title: return ["title", "标题"]
            case .set: return ["set", "设置"]
            case .names: return ["names", "名单"]
            default: return [rawValue]
            }
        }
    }

    mutating func parse(_ text: String) -> ReportTemplate {
        var source = text
        if source.hasPrefix("\u{FEFF}") { source.removeFirst() }
        let rawLines = source.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).map(String.init)
        var items: [(number: Int, text: String)] = []
        for (index, raw) in rawLines.enumerated() {
            let line = raw.trimmingCharacters(in: Self.space)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("＃") { continue }
            items.append((index + 1, line))
        }
        // Settings first, so a placeholder may use a key set further down.
        for item in items {
            if let (directive, rest) = directive(of: item.text), directive == .set {
                setting(rest, line: item.number)
            }
        }
        for item in items {
            guard let (directive, rest) = directive(of: item.text) else {
                if item.text.hasPrefix("%") || item.text.hasPrefix("％") {
                    let name = String(item.text.dropFirst().prefix { !$0.isWhitespace })
                    problems.append(.init(line: item.number,
                                          message: "未知的指令「%\(name)」，可用「%title」「%set」「%names」「%h1」「%h2」「%p」"))
                    continue
                }
                let level = Self.headingLevel(item.text)
                template.lines.append(.init(headingLevel: level, segments: segments(item.text, line: item.number)))
                continue
            }
            switch directive {
            case .set:
                continue
            case .title:
                if let first = titleLine {
                    problems.append(.init(line: item.number, message: "标题重复，第\(first)行已有「%title」"))
                } else if rest.isEmpty {
                    problems.append(.init(line: item.number, message: "「%title」后缺少标题文字"))
                } else {
                    titleLine = item.number
                    template.title = segments(rest, line: item.number)
                }
            case .names:
                if let first = namesLine {
                    problems.append(.init(line: item.number, message: "「%names」重复，第\(first)行已设置"))
                } else if let n = Self.positiveInteger(rest) {
                    namesLine = item.number
                    template.nameLimit = n
                } else {
                    problems.append(.init(line: item.number, message: "「%names」后应为正整数，如「%names 10」"))
                }
            case .h1, .h2, .h3, .h4, .p:
                if rest.isEmpty {
                    problems.append(.init(line: item.number, message: "「%\(directive.rawValue)」后缺少文字"))
                    continue
                }
                let level: Int? = directive == .p ? nil : Int(directive.rawValue.dropFirst())
                template.lines.append(.init(headingLevel: level, segments: segments(rest, line: item.number)))
            }
        }
        if titleLine == nil {
            problems.append(.init(line: 0, message: "缺少标题：请用「%title 标题文字」写明报告标题"))
        }
        // Stable sort: the settings pass reported its problems first.
        template.problems = problems.enumerated().sorted {
            ($0.element.line, $0.offset) < ($1.element.line, $1.offset)
        }.map(\.element)
        return template
    }

    // MARK: Lines and directives

    /// Whitespace including the full-width space (U+3000) and the BOM.
    static let space = CharacterSet.whitespaces.union(CharacterSet(charactersIn: "\u{3000}\u{FEFF}"))

    static func trim<S: StringProtocol>(_ s: S) -> String {
        String(s).trimmingCharacters(in: space)
    }

    /// The directive a line starts with and the rest of the line, trimmed; nil for text.
    func directive(of line: String) -> (Directive, String)? {
        guard let first = line.first, first == "%" || first == "％" else { return nil }
        let body = line.dropFirst()
        for directive in Directive.allCases {
            for spelling in directive.spellings where body.hasPrefix(spelling) {
                let rest = body.dropFirst(spelling.count)
                // `%titles` is not `%title`; Chinese spellings may run straight into the text.
                if let next = rest.first, next.isASCII, next.isLetter || next.isNumber || next == "_" { continue }
                return (directive, Self.trim(rest))
            }
        }
        return nil
    }

    /// 1 for 「一、」…「十二、」, 2 for 「（一）」 (full- or half-width parentheses), else nil.
    static func headingLevel(_ text: String) -> Int? {
        let numerals = Set("一二三四五六七八九十")
        let scalars = Array(text)
        var i = 0
        while i < scalars.count, numerals.contains(scalars[i]) { i += 1 }
        if i > 0, i < scalars.count, scalars[i] == "、" { return 1 }
        if let open = scalars.first, open == "（" || open == "(" {
            var j = 1
            while j < scalars.count, numerals.contains(scalars[j]) { j += 1 }
            if j > 1, j < scalars.count, scalars[j] == "）" || scalars[j] == ")" { return 2 }
        }
        return nil
    }

    /// A positive integer, full-width digits accepted.
    static func positiveInteger(_ text: String) -> Int? {
        let ascii = String(trim(text).unicodeScalars.map { s -> Character in
            (0xFF10...0xFF19).contains(s.value) ? Character(UnicodeScalar(s.value - 0xFF10 + 0x30)!) : Character(s)
        })
        guard !ascii.isEmpty, ascii.allSatisfy(\.isASCII), let n = Int(ascii), n > 0 else { return nil }
        return n
    }

    static func isValidKey(_ key: String) -> Bool {
        guard let first = key.unicodeScalars.first, ("a"..."z").contains(first) else { return false }
        return key.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "_" || $0 == "." }
    }

    mutating func setting(_ rest: String, line: Int) {
        let key: String, value: String
        if let eq = rest.firstIndex(where: { $0 == "=" || $0 == "＝" }) {
            key = Self.trim(rest[..<eq])
            value = Self.trim(rest[rest.index(after: eq)...])
        } else if let gap = rest.firstIndex(where: \.isWhitespace) {
            key = Self.trim(rest[..<gap])
            value = Self.trim(rest[gap...])
        } else {
            key = Self.trim(rest)
            value = ""
        }
        if key.isEmpty {
            problems.append(.init(line: line, message: "「%set」应写作「%set 名称 = 值」"))
        } else if ReportTemplate.systemSettings.contains(key) {
            problems.append(.init(line: line, message: "\(key) 由系统按报告年度填写，不能设置"))
        } else if !Self.isValidKey(key) {
            problems.append(.init(line: line, message: "设置名「\(key)」不合规：应以小写字母开头，只含小写字母、数字、「_」和「.」"))
        } else if metrics[key] != nil {
            problems.append(.init(line: line, message: "「\(key)」是指标，由记录计算，不能设置"))
        } else if let first = settingLines[key] {
            problems.append(.init(line: line, message: "设置「\(key)」重复，第\(first)行已设置"))
        } else if value.isEmpty {
            problems.append(.init(line: line, message: "设置「\(key)」缺少值，应写作「%set \(key) = 值」"))
        } else {
            settingLines[key] = line
            template.settings[key] = value
        }
    }

    var knownSettings: Set<String> { builtinSettings.union(template.settings.keys) }

    // MARK: Placeholders

    /// Splits a line's text into plain text and placeholders, checking each placeholder.
    mutating func segments(_ text: String, line: Int) -> [ReportTemplate.Segment] {
        var out: [ReportTemplate.Segment] = []
        var plain = ""
        var rest = Substring(text)
        func flush() { if !plain.isEmpty { out.append(.text(plain)); plain = "" } }
        while !rest.isEmpty {
            let open = rest.range(of: "{{")
            let close = rest.range(of: "}}")
            if let close, open.map({ close.lowerBound < $0.lowerBound }) ?? true {
                problems.append(.init(line: line, message: "多余的「}}」，前面没有「{{」"))
                plain += rest[..<close.upperBound]
                rest = rest[close.upperBound...]
                continue
            }
            guard let open else {
                plain += rest
                break
            }
            plain += rest[..<open.lowerBound]
            let after = rest[open.upperBound...]
            let end = after.range(of: "}}")
            let nextOpen = after.range(of: "{{")
            guard let end, nextOpen.map({ end.lowerBound < $0.lowerBound }) ?? true else {
                problems.append(.init(line: line, message: "占位符「{{」缺少结尾的「}}」"))
                plain += rest[open.lowerBound..<(nextOpen?.lowerBound ?? rest.endIndex)]
                rest = rest[(nextOpen?.lowerBound ?? rest.endIndex)...]
                continue
            }
            let raw = String(rest[open.lowerBound..<end.upperBound])
            let inner = String(after[..<end.lowerBound])
            rest = after[end.upperBound...]
            flush()
            out.append(placeholder(raw: raw, inner: inner, line: line))
        }
        flush()
        return out
    }

    mutating func placeholder(raw: String, inner: String, line: Int) -> ReportTemplate.Segment {
        func broken(_ id: String, _ message: String) -> ReportTemplate.Segment {
            problems.append(.init(line: line, message: message))
            return .broken(raw: raw, id: id, reason: message)
        }
        let parts = inner.split(omittingEmptySubsequences: false) { $0 == "|" || $0 == "｜" }.map { Self.trim($0) }
        var id = parts[0]
        if id.isEmpty {
            return broken("", parts.count == 1 ? "空的占位符「\(raw)」" : "占位符「\(raw)」缺少指标名称")
        }
        var isClaim = false
        for prefix in ["claim:", "claim：", "结论:", "结论："] where id.hasPrefix(prefix) {
            isClaim = true
            id = Self.trim(id.dropFirst(prefix.count))
        }
        if isClaim && id.isEmpty { return broken("", "占位符「\(raw)」缺少结论名称") }

        var filters: [TemplateFilter] = []
        for text in parts.dropFirst() {
            if text == "change" {
                filters.append(.change)
            } else if text.hasPrefix("names") {
                let arg = Self.trim(text.dropFirst("names".count))
                guard let colon = arg.first, colon == ":" || colon == "：", let n = Self.positiveInteger(String(arg.dropFirst())) else {
                    return broken(id, "「|\(text)」应写作「|names:人数」，如「|names:3」")
                }
                filters.append(.names(n))
            } else {
                return broken(id, "未知的过滤器「|\(text)」，可用「|change」「|names:人数」")
            }
        }
        if filters.count > 1 { return broken(id, "占位符「\(raw)」只能用一个过滤器") }
        let filter = filters.first

        let kind: TemplatePlaceholder.Kind
        if isClaim {
            guard let claim = claims[id] else {
                if metrics[id] != nil { return broken(id, "「\(id)」是指标，不是结论，应写作「{{\(id)}}」") }
                return broken(id, "未知的结论「\(id)」" + suggestion(id, among: Array(claims.keys)))
            }
            if let filter { return broken(id, "结论「\(id)」不能使用过滤器「|\(Self.name(filter))」") }
            guard metrics[claim.metric] != nil else {
                return broken(id, "结论「\(id)」依据的指标「\(claim.metric)」未定义")
            }
            kind = .claim
            note(claim: id)
            note(metric: claim.metric)
        } else if let metric = metrics[id] {
            switch filter {
            case .change?:
                guard case .yearOnYear = metric.aggregate else {
                    return broken(id, "指标「\(id)」不是同比指标，不能使用「|change」")
                }
            case .names?:
                guard metric.isNameList else { return broken(id, "指标「\(id)」不是名单，不能使用「|names」") }
            case nil:
                break
            }
            kind = .metric
            note(metric: id)
        } else if knownSettings.contains(id) {
            if let filter { return broken(id, "设置「\(id)」不能使用过滤器「|\(Self.name(filter))」") }
            kind = .setting
        } else if claims[id] != nil {
            return broken(id, "「\(id)」是结论，应写作「{{claim:\(id)}}」")
        } else {
            let candidates = Array(metrics.keys) + Array(knownSettings)
            return broken(id, "未知的指标「\(id)」" + suggestion(id, among: candidates))
        }
        template.placeholders.append(TemplatePlaceholder(line: line, raw: raw, kind: kind, id: id, filter: filter))
        return .placeholder(template.placeholders.count - 1)
    }

    static func name(_ filter: TemplateFilter) -> String {
        switch filter {
        case .change: return "change"
        case .names(let n): return "names:\(n)"
        }
    }

    mutating func note(metric id: String) {
        if !template.metricIDs.contains(id) { template.metricIDs.append(id) }
    }

    mutating func note(claim id: String) {
        if !template.claimIDs.contains(id) { template.claimIDs.append(id) }
    }

    // MARK: Suggestions

    /// 「，是否为「…」？」 for the closest candidate, or "" when none is close.
    func suggestion(_ id: String, among candidates: [String]) -> String {
        closest(to: id, among: candidates).map { "，是否为「\($0)」？" } ?? ""
    }

    /// The candidate a small edit away, else the one sharing most of its beginning.
    func closest(to id: String, among candidates: [String]) -> String? {
        let sorted = Set(candidates).sorted()
        guard !sorted.isEmpty else { return nil }
        let limit = id.count <= 4 ? 1 : id.count <= 10 ? 2 : 3
        let scored = sorted.map { ($0, Self.distance(id, $0)) }
        if let best = scored.min(by: { $0.1 < $1.1 }), best.1 <= limit { return best.0 }
        let shared = scored.map { ($0.0, Self.commonPrefix(id, $0.0), $0.1) }
        guard let best = shared.max(by: { ($0.1, -$0.2) < ($1.1, -$1.2) }) else { return nil }
        return best.1 >= max(4, id.count * 2 / 3) ? best.0 : nil
    }

    static func commonPrefix(_ a: String, _ b: String) -> Int {
        zip(a, b).prefix { $0 == $1 }.count
    }

    /// Levenshtein distance over characters.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
