import Foundation

/// A year's 考评细则 for one responsibility system: the indicator tree with its points, how
/// each leaf is scored, the 加分/扣分 items, the 一票否决 items and how scores become 等次.
/// Declared in YAML (`AssessmentRulesLoader`) and scored by `AssessmentScorer`.
public struct AssessmentRules: Sendable, Equatable {
    public var year: Int
    public var system: LedgerSystem
    /// The document's title, 「2025年度镇（街道）安全生产责任制考核细则」.
    public var title: String
    /// Which units are assessed: towns (镇街) or departments (区直部门).
    public var assessed: AssessedUnits
    /// 一级指标, each with its 二级指标.
    public var indicators: [AssessmentIndicator]
    public var adjustments: [AssessmentAdjustment]
    public var vetoes: [AssessmentVeto]
    public var grading: AssessmentGrading

    public init(year: Int, system: LedgerSystem, title: String, assessed: AssessedUnits, indicators: [AssessmentIndicator],
                adjustments: [AssessmentAdjustment] = [], vetoes: [AssessmentVeto] = [], grading: AssessmentGrading = .standard) {
        self.year = year
        self.system = system
        self.title = title
        self.assessed = assessed
        self.indicators = indicators
        self.adjustments = adjustments
        self.vetoes = vetoes
        self.grading = grading
    }

    /// The base points: the sum of the 一级指标 (100 in every 细则 we have seen).
    public var totalPoints: Decimal { indicators.reduce(0) { $0 + $1.points } }

    /// The scored items in document order, each with the 一级指标 it belongs to.
    public var leaves: [AssessmentIndicator] { indicators.flatMap(\.leaves) }

    /// Every metric id the rules read, each once, in order of first use.
    public var metricIDs: [String] {
        var seen: Set<String> = []
        let all = leaves.compactMap { leaf -> String? in
            if case .records(let f) = leaf.scoring { return f.metric }
            return nil
        } + adjustments.compactMap(\.metric) + vetoes.map(\.metric)
        return all.filter { seen.insert($0).inserted }
    }
}

public enum AssessedUnits: String, Sendable, Equatable, CaseIterable, Codable {
    case towns = "town", departments = "department"

    public var label: String {
        switch self {
        case .towns: return "镇（街道）"
        case .departments: return "区直部门"
        }
    }
}

/// An indicator (指标): a heading with children, or a scored leaf.
public struct AssessmentIndicator: Sendable, Equatable {
    public var id: String
    public var name: String
    public var points: Decimal
    /// 评分标准 in words, printed on the score sheet.
    public var standard: String
    public var children: [AssessmentIndicator]
    /// Set on leaves only.
    public var scoring: AssessmentScoring?

    public init(id: String, name: String, points: Decimal, standard: String = "", children: [AssessmentIndicator] = [],
                scoring: AssessmentScoring? = nil) {
        self.id = id
        self.name = name
        self.points = points
        self.standard = standard
        self.children = children
        self.scoring = scoring
    }

    public var leaves: [AssessmentIndicator] { children.isEmpty ? [self] : children.flatMap(\.leaves) }
}

/// How a leaf gets its score.
public enum AssessmentScoring: Sendable, Equatable {
    /// From the records, through a metric evaluated for the assessed unit.
    case records(AssessmentFormula)
    /// The unit scores itself with evidence; the assessment group sets the score with a reason.
    case review(evidenceRequired: Bool)

    public var method: AssessmentMethod {
        switch self {
        case .records: return .records
        case .review: return .review
        }
    }
}

/// How a score was reached, as `lvze assessment` writes it.
public enum AssessmentMethod: String, Sendable, Equatable, Codable, CaseIterable {
    case records, review, bonus, veto

    public var label: String {
        switch self {
        case .records: return "按台账计分"
        case .review: return "自评审核"
        case .bonus: return "加扣分"
        case .veto: return "一票否决"
        }
    }
}

/// A formula over one metric's value for the assessed unit.
public struct AssessmentFormula: Sendable, Equatable {
    public enum Rule: Sendable, Equatable {
        /// Full points when the value holds the comparison, none otherwise (每季度研究 ≥ 1 次).
        case fullWhen(ClaimDefinition.Comparison, Decimal)
        /// Full points less `per` for each unit of the value, never below 0 (逾期一项扣0.5分).
        case deduct(per: Decimal)
        /// Points in proportion to the value, full at `full` (a share of 100 % gives full marks).
        case proportion(full: Decimal)
        /// The first tier whose comparison the value holds gives its score; none gives 0.
        case tiers([AssessmentTier])
    }

    /// What a leaf scores when the metric has no value for the unit (it kept no such ledger,
    /// or a share's base is 0): nothing unless the 细则 says full marks (no overdue items).
    public enum IfMissing: String, Sendable, Equatable {
        case zero, full
    }

    public var metric: String
    public var rule: Rule
    public var ifMissing: IfMissing

    public init(metric: String, rule: Rule, ifMissing: IfMissing = .zero) {
        self.metric = metric
        self.rule = rule
        self.ifMissing = ifMissing
    }
}

public struct AssessmentTier: Sendable, Equatable {
    public var comparison: ClaimDefinition.Comparison
    public var threshold: Decimal
    public var score: Decimal

    public init(_ comparison: ClaimDefinition.Comparison, _ threshold: Decimal, score: Decimal) {
        self.comparison = comparison
        self.threshold = threshold
        self.score = score
    }
}

/// A 加分 or 扣分 item outside the base points: `per` for each unit of a metric's value (or
/// set by the group on review when no metric is named), at most `max`.
public struct AssessmentAdjustment: Sendable, Equatable {
    public enum Direction: String, Sendable, Equatable, Codable {
        case bonus, penalty

        public var label: String { self == .bonus ? "加分" : "扣分" }
    }

    public var id: String
    public var name: String
    public var direction: Direction
    /// nil: the group decides the points on review, with a reason.
    public var metric: String?
    public var per: Decimal
    public var max: Decimal

    public init(id: String, name: String, direction: Direction, metric: String?, per: Decimal, max: Decimal) {
        self.id = id
        self.name = name
        self.direction = direction
        self.metric = metric
        self.per = per
        self.max = max
    }
}

/// A 一票否决 item: when the metric's value holds the comparison, the unit's 等次 is at most
/// `grade` whatever its score (a 较大 accident decides the safety rating).
public struct AssessmentVeto: Sendable, Equatable {
    public var id: String
    public var name: String
    public var metric: String
    public var comparison: ClaimDefinition.Comparison
    public var threshold: Decimal
    public var grade: AssessmentGrade

    public init(id: String, name: String, metric: String, comparison: ClaimDefinition.Comparison, threshold: Decimal,
                grade: AssessmentGrade = .poor) {
        self.id = id
        self.name = name
        self.metric = metric
        self.comparison = comparison
        self.threshold = threshold
        self.grade = grade
    }
}

/// 等次, best first.
public enum AssessmentGrade: String, Sendable, Equatable, Codable, CaseIterable, Comparable {
    case good = "好", fairlyGood = "较好", average = "一般", poor = "差"

    private var order: Int { Self.allCases.firstIndex(of: self)! }

    /// Better grades sort first.
    public static func < (a: Self, b: Self) -> Bool { a.order < b.order }

    public var lower: AssessmentGrade? { order + 1 < Self.allCases.count ? Self.allCases[order + 1] : nil }
}

/// How totals become 等次: the lowest score of each grade, and at most a share of the
/// assessed units in a grade (名额), filled in rank order; a unit past the quota drops a grade.
public struct AssessmentGrading: Sendable, Equatable {
    /// The lowest total of each grade but 差, best first.
    public var bands: [(grade: AssessmentGrade, minimum: Decimal)]
    /// The largest share (0–100) of assessed units a grade may hold.
    public var quotas: [AssessmentGrade: Decimal]

    public init(bands: [(grade: AssessmentGrade, minimum: Decimal)], quotas: [AssessmentGrade: Decimal] = [:]) {
        self.bands = bands.sorted { $0.grade < $1.grade }
        self.quotas = quotas
    }

    public static let standard = AssessmentGrading(bands: [(.good, 90), (.fairlyGood, 80), (.average, 60)])

    /// The grade a total earns by the bands alone.
    public func grade(for total: Decimal) -> AssessmentGrade {
        bands.first { total >= $0.minimum }?.grade ?? .poor
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.quotas == b.quotas && a.bands.count == b.bands.count
            && zip(a.bands, b.bands).allSatisfy { $0.grade == $1.grade && $0.minimum == $1.minimum }
    }
}
