/// A rectification item's state as a historical ledger states it — 是否销号, 完成情况, 状态,
/// 整改进展 in per cent or in words, 销号日期 — read into the workflow's own terms, for an import
/// that carries the state over instead of bringing every closed item in as 待整改.
public struct ImportedState: Equatable, Sendable {
    public var state: RectificationState
    /// Per cent; 100 for a closed item.
    public var progress: Int?
    public var closedOn: LocalDate?
    /// The sheet says a close-out request was sent back (退回): the unit's turn again.
    public var returned: Bool

    public init(state: RectificationState, progress: Int? = nil, closedOn: LocalDate? = nil, returned: Bool = false) {
        self.state = state
        self.progress = progress
        self.closedOn = closedOn
        self.returned = returned
    }

    /// How the history's 「导入」 line states it: 已销号（销号日期2025-11-03）, 整改中（进展60%，曾被退回）.
    public var description: String {
        var details: [String] = []
        if let closedOn { details.append("销号日期\(closedOn.iso)") }
        if state != .closed, let progress { details.append("进展\(progress)%") }
        if returned { details.append("销号申请被退回") }
        return state.label + (details.isEmpty ? "" : "（" + details.joined(separator: "，") + "）")
    }

    /// The columns a sheet states the state in.
    public enum Column: String, CaseIterable, Sendable {
        case closedFlag, completion, status, progress, closedOn

        public var label: String {
            switch self {
            case .closedFlag: return "是否销号"
            case .completion: return "完成情况"
            case .status: return "状态"
            case .progress: return "整改进展"
            case .closedOn: return "销号日期"
            }
        }

        /// Headers users write for the column (normalised by the importer as for fields).
        public var headers: [String] {
            switch self {
            case .closedFlag: return ["是否销号", "销号情况", "是否已销号"]
            case .completion: return ["完成情况", "整改完成情况", "整改情况"]
            case .status: return ["状态", "整改状态", "办理状态"]
            case .progress: return ["整改进展", "整改进度", "完成进度"]
            case .closedOn: return ["销号日期", "销号时间", "整改完成时间", "整改完成日期", "办结日期", "办结时间"]
            }
        }
    }

    /// What one cell says: closed, open (in progress or not yet started), waiting for approval.
    enum Says: Equatable {
        case closed
        case open(started: Bool)
        case requested
        case returned
    }

    static let closedWords: Set<String> = ["是", "已销号", "销号", "已完成", "完成", "已整改", "整改完成", "已办结", "办结", "√", "✓", "Y", "YES"]
    static let openWords: Set<String> = ["否", "未销号", "未完成", "未整改", "N", "NO"]
    static let startedWords: Set<String> = ["正在整改", "整改中", "推进中", "正在推进", "部分完成", "基本完成"]
    static let pendingWords: Set<String> = ["待整改", "未开始"]
    static let requestedWords: Set<String> = ["申请销号", "待销号", "待验收", "已申请销号"]
    static let returnedWords: Set<String> = ["退回", "已退回", "被退回", "退回整改", "销号退回", "退回重新整改"]

    static func says(_ raw: String, column: Column) -> Says?? {
        let t = raw.trimmedWhitespace.uppercased()
        guard !t.isEmpty else { return .some(nil) }
        if closedWords.contains(t) { return .closed }
        if openWords.contains(t) || pendingWords.contains(t) { return .open(started: false) }
        if startedWords.contains(t) { return .open(started: true) }
        if requestedWords.contains(t) { return .requested }
        if returnedWords.contains(t) { return .returned }
        return nil
    }

    /// 80, 80%, ８０％, 0.8 (a share, as Excel keeps a percentage cell).
    static func percent(_ text: String) -> Int? {
        var t = text.halfWidth
        if t.hasSuffix("%") { t.removeLast() }
        guard let d = Double(t), d >= 0 else { return nil }
        let value = d <= 1 && t.contains(".") ? d * 100 : d
        return value <= 100 ? Int(value.rounded()) : nil
    }

    /// A row's problem with its state, naming the column it is in.
    public struct Problem: Equatable, Sendable, Error {
        public var column: Column
        public var message: String
    }

    /// The state the cells state, nil when they say nothing (the importer's own default then).
    /// `found` is the finding's date, `today` the import's.
    public static func read(_ cells: [Column: String], closedOn: LocalDate?, found: LocalDate?, today: LocalDate) -> Result<ImportedState?, Problem> {
        var said: [(Column, Says)] = []
        var percent: Int?
        for column in [Column.closedFlag, .completion, .status, .progress] {
            guard let raw = cells[column] else { continue }
            // A per cent is how far the work is, not whether it was signed off: 100% may still wait for approval.
            if column == .progress, let p = Self.percent(raw.trimmedWhitespace) {
                percent = p
                continue
            }
            if column == .progress, let n = Double(raw.trimmedWhitespace.halfWidth.replacingOccurrences(of: "%", with: "")) {
                return .failure(Problem(column: column, message: n < 0 ? "不能小于0" : "不能大于100"))
            }
            switch says(raw, column: column) {
            case .none:
                let expected = column == .progress ? "应为0到100的百分比或“已完成”“正在整改”等" : "应为“是/否”“已完成/未完成/正在整改”或“待整改/整改中/申请销号/已销号”"
                return .failure(Problem(column: column, message: "「\(raw)」无法识别，\(expected)"))
            case .some(nil): continue
            case .some(let s?):
                said.append((column, s))
            }
        }
        let closedSaid = said.first { $0.1 == .closed }
        let openSaid = said.first { if case .open = $0.1 { return true }; return $0.1 == .requested || $0.1 == .returned }
        if let c = closedSaid, let o = openSaid {
            return .failure(Problem(column: o.0, message: "与«\(c.0.label)»矛盾：一处为已完成或已销号，一处为未完成"))
        }
        if let o = openSaid, closedOn != nil {
            return .failure(Problem(column: .closedOn, message: "填写了销号日期，但«\(o.0.label)»为未完成"))
        }
        if closedSaid != nil || (said.isEmpty && closedOn != nil) {
            guard let date = closedOn else {
                return .failure(Problem(column: closedSaid?.0 ?? .closedOn, message: "已销号的事项须填写销号日期"))
            }
            if let found, date < found {
                return .failure(Problem(column: .closedOn, message: "销号日期\(date.iso)早于发现日期\(found.iso)"))
            }
            if date > today { return .failure(Problem(column: .closedOn, message: "销号日期\(date.iso)晚于今天")) }
            return .success(ImportedState(state: .closed, progress: 100, closedOn: date))
        }
        if said.contains(where: { $0.1 == .requested }) {
            return .success(ImportedState(state: .closureRequested, progress: percent))
        }
        guard !said.isEmpty || percent != nil else { return .success(nil) }
        // Sent back: the request was made, so the work had begun.
        let returned = said.contains { $0.1 == .returned }
        let started = returned || said.contains { $0.1 == .open(started: true) } || (percent ?? 0) > 0
        return .success(ImportedState(state: started ? .inProgress : .pending, progress: percent, returned: returned))
    }
}
