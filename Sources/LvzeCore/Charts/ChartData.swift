/// One named row of figures over a chart's categories, in category order.
public struct ChartSeries: Sendable, Equatable {
    public var name: String
    /// One value per category; `nil` means no data and is drawn as a gap, never as 0, so a
    /// unit that did not report cannot pass for one that reported nothing.
    public var values: [Double?]
    /// The colour; `nil` takes the palette colour of the series' position.
    public var tone: ChartTone?

    public init(name: String, values: [Double?], tone: ChartTone? = nil) {
        self.name = name
        self.values = values
        self.tone = tone
    }
}

/// One part of a whole, for `SVGChart.donut`.
public struct ChartSlice: Sendable, Equatable {
    public var label: String
    /// `nil` means no data: listed in the legend as 无数据, never drawn as a share.
    public var value: Double?
    public var tone: ChartTone?

    public init(label: String, value: Double?, tone: ChartTone? = nil) {
        self.label = label
        self.value = value
        self.tone = tone
    }
}

/// A colour with a meaning. Charts carry it both as a CSS class (so the site stylesheet can
/// theme them) and as a `fill` attribute (so they look right with no stylesheet, e.g. printed
/// or opened on their own).
///
/// The status colours follow the Okabe–Ito colour-blind-safe set, and differ in lightness
/// as well as hue, so 已销号 and 逾期 stay apart for red–green colour-blind readers.
public enum ChartTone: Sendable, Hashable {
    /// The n-th colour of the general palette: deep red first, then blues and greys.
    case series(Int)
    /// 已销号.
    case closed
    /// 申请销号.
    case closureRequested
    /// 整改中.
    case inProgress
    /// 待整改.
    case pending
    /// 逾期.
    case overdue

    /// The general palette, in the order series take it. Deep red leads as the official
    /// colour; neighbours differ in lightness so they part in greyscale print too.
    static let palette: [String] = [
        "#b71c1c", "#1f5fa8", "#90a4ae", "#e57373", "#0d3b66", "#546e7a", "#7fb3e0", "#8d6e63",
    ]

    public var fill: String {
        switch self {
        case .series(let n): return Self.palette[((n % Self.palette.count) + Self.palette.count) % Self.palette.count]
        case .closed: return "#009e73"
        case .closureRequested: return "#0072b2"
        case .inProgress: return "#e69f00"
        case .pending: return "#9e9e9e"
        case .overdue: return "#c62828"
        }
    }

    /// The class the stylesheet themes: `s0`…`s7` by position, `tone-…` by meaning.
    public var className: String {
        switch self {
        case .series(let n): return "s\(((n % Self.palette.count) + Self.palette.count) % Self.palette.count)"
        case .closed: return "tone-closed"
        case .closureRequested: return "tone-closure-requested"
        case .inProgress: return "tone-in-progress"
        case .pending: return "tone-pending"
        case .overdue: return "tone-overdue"
        }
    }

    /// The colour of a figure written on top of this fill: dark on the light fills, where
    /// white would not be legible.
    var ink: String {
        switch self {
        case .inProgress, .pending: return "#1f2328"
        case .series(let n):
            let i = ((n % Self.palette.count) + Self.palette.count) % Self.palette.count
            return [2, 3, 6].contains(i) ? "#1f2328" : "#ffffff"
        default: return "#ffffff"
        }
    }

    /// The colour of a rectification state, so every chart of one state looks the same.
    public static func state(_ state: RectificationState) -> ChartTone {
        switch state {
        case .pending: return .pending
        case .inProgress: return .inProgress
        case .closureRequested: return .closureRequested
        case .closed: return .closed
        }
    }
}
