import Foundation

/// A figure of the annual report, declared in the catalogue: which records it reads, how it
/// aggregates them, and how it is shown. Ids are fixed by `report-figures.md`.
public struct MetricDefinition: Sendable, Equatable {
    public var id: String
    /// The Chinese label shown beside the value (e.g. 「查出隐患」).
    public var label: String
    /// The unit shown after the value (条, 个, 万元, %…); empty for name lists.
    public var unit: String
    public var system: LedgerSystem
    /// The ledger kind read; nil for figures computed from the unit tree and people.
    public var kind: String?
    public var aggregate: MetricAggregate
    public var period: MetricPeriod
    /// The date field that places a record in the period; nil means the kind's own date.
    public var dateField: String?
    /// For `.stock`: the field that ends a record's life (closed_on, dissolved_on…).
    public var endField: String?
    public var conditions: [MetricCondition]
    /// Rectification states as of the last day of the year (年末状态); empty means any.
    public var states: [RectificationState]
    /// Values are divided by this before they are shown (responsibility zones in 万).
    public var divisor: Decimal
    public var decimals: Int
    /// How the figure is computed, in words, for the report's basis column and the drill-down.
    public var basis: String
    public var claims: [ClaimDefinition]

    public init(id: String, label: String, unit: String, system: LedgerSystem, kind: String?, aggregate: MetricAggregate,
                period: MetricPeriod = .year, dateField: String? = nil, endField: String? = nil,
                conditions: [MetricCondition] = [], states: [RectificationState] = [], divisor: Decimal = 1,
                decimals: Int = 0, basis: String = "", claims: [ClaimDefinition] = []) {
        self.id = id
        self.label = label
        self.unit = unit
        self.system = system
        self.kind = kind
        self.aggregate = aggregate
        self.period = period
        self.dateField = dateField
        self.endField = endField
        self.conditions = conditions
        self.states = states
        self.divisor = divisor
        self.decimals = decimals
        self.basis = basis
        self.claims = claims
    }

    /// Other metrics this one is computed from (shares, year-on-year changes).
    public var dependencies: [String] {
        switch aggregate {
        case .share(let n, let d): return [n, d]
        case .yearOnYear(let of): return [of]
        default: return []
        }
    }

    /// True when the value is a list of names rather than a number.
    public var isNameList: Bool {
        if case .names = aggregate { return true }
        return false
    }
}

/// How the records a metric selects become one value.
public enum MetricAggregate: Sendable, Equatable {
    case count
    /// Distinct non-empty values of a field (trimmed).
    case distinct(field: String)
    /// Distinct enterprises: the credit code when present, else the trimmed name.
    case distinctEnterprise(code: String, name: String)
    /// The sum of one or more numeric fields (hydrants + sprinklers).
    case sum(fields: [String])
    case mean(field: String)
    /// Σ(value × weight) / Σ weight.
    case weightedMean(field: String, weight: String)
    case min(field: String)
    case max(field: String)
    /// Distinct names in a text field split on 、，,; plus a count field of records
    /// without names (persons handled in discipline cases).
    case distinctPeople(names: String, fallbackCount: String?)
    /// Names of the records, in date order.
    case names(field: String)
    /// numerator / denominator × 100, both metric ids.
    case share(numerator: String, denominator: String)
    /// (previous year − this year) / previous year × 100: a decline is positive.
    case yearOnYear(of: String)
    /// Elevated inspection rounds whose items' closed share is below the elapsed share of
    /// their period at the year end (整改率未超序时进度).
    case roundsBehindSchedule(itemKind: String, itemSource: String, batchField: String, roundNameField: String,
                              startField: String, deadlineField: String)
    /// Computed from units, flags and positions (see `OrganisationMetric`).
    case organisation(OrganisationMetric)
}

/// Figures the organisation records decide rather than a ledger.
public enum OrganisationMetric: String, Sendable, Equatable, CaseIterable {
    case temporaryOrgsFounded = "temporary_orgs_founded"
    case veteransSelected = "veterans_selected"
    case townHired = "town_hired"
    case villageSecretaryMeanAge = "village_secretary_mean_age"
    case villageSecretaryCollegeShare = "village_secretary_college_share"
    case backwardTransformed = "backward_transformed"
    case weakTransformed = "weak_transformed"
    case povertyVillages = "poverty_villages"
}

/// Which records fall in the report year.
public enum MetricPeriod: String, Sendable, Equatable {
    /// The date field falls in the year.
    case year
    /// Began on or before 31 December and not ended by then (teaching sites, zones).
    case stock
    /// The date field on or before 31 December, any earlier year included.
    case through
    /// Every record, whatever its date (cumulative campaign figures).
    case all
}

/// One filter on a metric's records.
public struct MetricCondition: Sendable, Equatable {
    public enum Op: String, Sendable, Equatable {
        case equals = "eq", oneOf = "in", contains, empty, notEmpty = "set"
        case less = "lt", lessOrEqual = "lte", greater = "gt", greaterOrEqual = "gte"
        /// The unit referenced by the field carries one of the flags on 31 December.
        case flagged
        /// Any of `children` holds (an accident of grade 较大 or above: deaths ≥ 3, or…).
        case any
    }

    /// A field id of the kind, or a record column prefixed with `@` (`@closed_on`, `@due_date`).
    public var field: String
    public var op: Op
    public var values: [MetricOperand]
    /// Also accept records where the field is empty (repealed_on empty or after 1 January).
    public var orEmpty: Bool
    public var children: [MetricCondition]

    public init(field: String, op: Op, values: [MetricOperand] = [], orEmpty: Bool = false, children: [MetricCondition] = []) {
        self.field = field
        self.op = op
        self.values = values
        self.orEmpty = orEmpty
        self.children = children
    }

    public var isColumn: Bool { field.hasPrefix("@") }
}

/// A value in a condition: a literal, a day relative to the report year, or a setting of
/// the report template (the campaign a figure is about).
public enum MetricOperand: Sendable, Equatable {
    case literal(String)
    case yearStart
    case yearEnd
    /// `$key` in the catalogue; `$?key` is optional: the condition is dropped when the
    /// template does not set it (a batch), while a missing required setting (the campaign a
    /// figure is about) leaves the figure without data.
    case setting(String, optional: Bool)

    /// The operand's text for a year and template settings; nil when a setting is not given.
    public func resolve(year: Int, settings: [String: String]) -> String? {
        switch self {
        case .literal(let s): return s
        case .yearStart: return LocalDate(year: year, month: 1, day: 1)!.iso
        case .yearEnd: return LocalDate(year: year, month: 12, day: 31)!.iso
        case .setting(let key, _): return settings[key].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        }
    }
}

/// Words of the report the data must support, declared next to the metric that decides
/// them: 「未发生较大及以上生产安全事故」 holds when `safety.accidents.major_or_above` == 0.
public struct ClaimDefinition: Sendable, Equatable {
    public enum Comparison: String, Sendable, Equatable {
        case equal = "==", atLeast = ">=", atMost = "<=", greater = ">", less = "<"

        /// Reads 「>= 4」 as written in the catalogue and the 考评细则: sign, one space, number.
        public static func parse(_ text: String) -> (Comparison, Decimal)? {
            let parts = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard parts.count == 2, let cmp = Comparison(rawValue: parts[0]),
                  let threshold = Decimal(string: parts[1], locale: Locale(identifier: "en_US_POSIX")) else { return nil }
            return (cmp, threshold)
        }

        /// The sign as printed for readers: 「≥4」 rather than 「>= 4」.
        public var symbol: String {
            switch self {
            case .equal: return "="
            case .atLeast: return "≥"
            case .atMost: return "≤"
            case .greater: return ">"
            case .less: return "<"
            }
        }

        public func holds(_ value: Decimal, _ threshold: Decimal) -> Bool {
            switch self {
            case .equal: return value == threshold
            case .atLeast: return value >= threshold
            case .atMost: return value <= threshold
            case .greater: return value > threshold
            case .less: return value < threshold
            }
        }
    }

    public var id: String
    public var words: String
    /// The metric whose value decides the claim.
    public var metric: String
    public var comparison: Comparison
    public var threshold: Decimal
    /// Why the words fail, with `{value}` for the metric's value (「有{value}个问题未销号」).
    public var failure: String

    public init(id: String, words: String, metric: String, comparison: Comparison, threshold: Decimal, failure: String) {
        self.id = id
        self.words = words
        self.metric = metric
        self.comparison = comparison
        self.threshold = threshold
        self.failure = failure
    }

    /// Whether a value supports the words; nil (no data) never does.
    public func holds(for value: Decimal?) -> Bool {
        guard let value else { return false }
        return comparison.holds(value, threshold)
    }
}
