import Foundation

/// One unit's score sheet (考核评分表): each leaf's score and how it was reached, the
/// adjustments, the vetoes that held, and the total.
public struct AssessmentSheet: Sendable, Equatable, Codable {
    public struct Line: Sendable, Equatable, Codable {
        public var id: String
        public var name: String
        /// The leaf's points, or an adjustment's cap.
        public var points: Decimal
        /// nil while a reviewed leaf waits for the group's score.
        public var score: Decimal?
        public var method: AssessmentMethod
        public var metric: String?
        public var value: MetricValue?
        /// How the score follows from the value, in words (「逾期3项，每项扣0.5分，扣1.5分」).
        public var note: String
    }

    public var lines: [Line]
    public var adjustments: [Line]
    /// Every veto item, with `score` 1 when it held and 0 when not.
    public var vetoes: [Line]
    public var base: Decimal
    public var bonus: Decimal
    public var penalty: Decimal
    public var total: Decimal
    /// The best grade the vetoes that held allow; nil when none held.
    public var cap: AssessmentGrade?

    /// Leaves and adjustments still waiting for the group's score.
    public var pending: [String] {
        (lines + adjustments).filter { $0.score == nil }.map(\.id)
    }
}

/// The group's score for a reviewed leaf or a review-set adjustment, with its reason.
public struct AssessmentReview: Sendable, Equatable, Codable {
    public var score: Decimal
    public var reason: String

    public init(score: Decimal, reason: String) {
        self.score = score
        self.reason = reason
    }
}

/// Scores a unit against the rules from its metric values and the group's reviews. Pure:
/// the server evaluates the metrics for the unit (the report's engine) and passes them in.
public enum AssessmentScorer {
    public static func score(_ rules: AssessmentRules, values: [String: MetricValue],
                             reviews: [String: AssessmentReview] = [:]) -> AssessmentSheet {
        let lines = rules.leaves.map { leaf in line(leaf, values: values, review: reviews[leaf.id]) }
        let adjustments = rules.adjustments.map { adjustment(for: $0, values: values, review: reviews[$0.id]) }
        let vetoes = rules.vetoes.map { v -> AssessmentSheet.Line in
            let value = values[v.metric]
            let held = value?.number.map { v.comparison.holds($0, v.threshold) } ?? false
            let note = held ? "\(describe(value))，等次不高于「\(v.grade.rawValue)」" : "未触发（\(describe(value))）"
            return .init(id: v.id, name: v.name, points: 0, score: held ? 1 : 0, method: .veto, metric: v.metric, value: value,
                         note: note)
        }
        let base = lines.reduce(Decimal(0)) { $0 + ($1.score ?? 0) }
        let directed = zip(rules.adjustments, adjustments)
        let bonus = directed.filter { $0.0.direction == .bonus }.reduce(Decimal(0)) { $0 + ($1.1.score ?? 0) }
        let penalty = directed.filter { $0.0.direction == .penalty }.reduce(Decimal(0)) { $0 + ($1.1.score ?? 0) }
        let cap = zip(rules.vetoes, vetoes).filter { $1.score == 1 }.map(\.0.grade).max()
        return AssessmentSheet(lines: lines, adjustments: adjustments, vetoes: vetoes, base: base, bonus: bonus, penalty: penalty,
                               total: Swift.max(0, base + bonus - penalty), cap: cap)
    }

    static func line(_ leaf: AssessmentIndicator, values: [String: MetricValue], review: AssessmentReview?) -> AssessmentSheet.Line {
        var out = AssessmentSheet.Line(id: leaf.id, name: leaf.name, points: leaf.points, score: nil, method: .review, metric: nil,
                                       value: nil, note: "")
        switch leaf.scoring {
        case .review, nil:
            if let review {
                out.score = clamp(review.score, leaf.points)
                out.note = review.reason
            } else {
                out.note = "待考核组评分"
            }
        case .records(let formula):
            out.method = .records
            out.metric = formula.metric
            let value = values[formula.metric]
            out.value = value
            guard let n = value?.number else {
                if formula.ifMissing == .full {
                    out.score = leaf.points
                    out.note = "无数据（\(missingReason(value))），按细则得满分"
                } else {
                    out.score = 0
                    out.note = "无数据（\(missingReason(value))），不得分"
                }
                return out
            }
            let shown = number(n)
            switch formula.rule {
            case .fullWhen(let cmp, let threshold):
                let held = cmp.holds(n, threshold)
                out.score = held ? leaf.points : 0
                out.note = "实际\(shown)，\(held ? "达到" : "未达到")「\(cmp.symbol)\(number(threshold))」"
            case .deduct(let per):
                let deducted = Swift.min(leaf.points, per * n)
                out.score = round(leaf.points - deducted)
                out.note = n == 0 ? "实际0，不扣分" : "实际\(shown)，每个扣\(number(per))分，扣\(number(round(deducted)))分"
            case .proportion(let full):
                out.score = full == 0 ? leaf.points : round(clamp(leaf.points * n / full, leaf.points))
                out.note = "实际\(shown)，按达到\(number(full))得满分折算"
            case .tiers(let tiers):
                let tier = tiers.first { $0.comparison.holds(n, $0.threshold) }
                out.score = tier.map { clamp($0.score, leaf.points) } ?? 0
                out.note = tier.map { "实际\(shown)，符合「\($0.comparison.symbol)\(number($0.threshold))」档" } ?? "实际\(shown)，未达到任何一档"
            }
        }
        return out
    }

    static func adjustment(for a: AssessmentAdjustment, values: [String: MetricValue], review: AssessmentReview?) -> AssessmentSheet.Line {
        var out = AssessmentSheet.Line(id: a.id, name: a.name, points: a.max, score: nil, method: .bonus, metric: a.metric, value: nil,
                                       note: "")
        guard let metric = a.metric else {
            // Set by the group; no review means no adjustment rather than a pending sheet.
            out.score = review.map { clamp($0.score, a.max) } ?? 0
            out.note = review?.reason ?? "无"
            return out
        }
        let value = values[metric]
        out.value = value
        let n = value?.number ?? 0
        let points = round(Swift.min(a.max, a.per * Swift.max(0, n)))
        out.score = points
        out.note = n == 0 ? "无（\(describe(value))）" : "实际\(number(n))，每个\(a.direction.label)\(number(a.per))分，\(a.direction.label)\(number(points))分"
        return out
    }

    static func clamp(_ d: Decimal, _ top: Decimal) -> Decimal { Swift.min(top, Swift.max(0, d)) }

    /// Scores are kept to two decimals, half up, as score sheets print them.
    static func round(_ d: Decimal) -> Decimal { MetricFormat.round(d, decimals: 2) }

    /// A score as sheets print it: two decimals at most, no trailing zeros (「12.5」).
    public static func number(_ d: Decimal) -> String { FieldJSON.plain(MetricFormat.round(d, decimals: 2)) }

    static func missingReason(_ value: MetricValue?) -> String {
        if case .missing(let reason)? = value, !reason.isEmpty { return reason }
        return "指标没有算出数值"
    }

    static func describe(_ value: MetricValue?) -> String {
        guard let n = value?.number else { return "无数据" }
        return "实际\(number(n))"
    }
}
