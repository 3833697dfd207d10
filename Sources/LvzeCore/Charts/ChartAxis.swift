import Foundation

/// The value axis of a chart: round ticks and the mapping from values to pixels.
public enum ChartAxis {
    /// Evenly spaced ticks at a step of 1, 2 or 5 × 10ⁿ, from the last multiple at or below
    /// `min` to the first at or above `max`, about `target` intervals apart: round numbers
    /// are what readers of an official chart expect to read values against (max 87 →
    /// 0, 20, 40, 60, 80, 100).
    ///
    /// `integral` keeps the step at 1 or more for counts (no 0.5 条 gridline); the step is
    /// never below 0.1 because figures are shown with at most one decimal.
    public static func ticks(min: Double, max: Double, target: Int = 5, integral: Bool = false) -> [Double] {
        var lo = min.isFinite ? min : 0
        var hi = max.isFinite ? max : 0
        if lo > hi { swap(&lo, &hi) }
        if hi == lo {
            // All values equal (often all 0): still draw a readable axis above them.
            hi = lo + (integral ? 5 : 1)
        }
        let raw = (hi - lo) / Double(Swift.max(target, 1))
        let magnitude = pow(10, floor(log10(raw)))
        let normalised = raw / magnitude
        let nice: Double = normalised <= 1 ? 1 : normalised <= 2 ? 2 : normalised <= 5 ? 5 : 10
        var step = nice * magnitude
        if integral { step = Swift.max(step, 1) }
        step = Swift.max(step, 0.1)
        let first = Int((lo / step + 1e-9).rounded(.down))
        let last = Int((hi / step - 1e-9).rounded(.up))
        return (first...Swift.max(first + 1, last)).map { k in
            // Multiples of 0.1 etc. carry binary noise; six decimals is far below what is shown.
            (Double(k) * step * 1e6).rounded() / 1e6
        }
    }
}

/// A linear map from a value domain onto a pixel range.
struct LinearScale {
    let domainLow: Double
    let domainHigh: Double
    let rangeLow: Double
    let rangeHigh: Double

    func callAsFunction(_ v: Double) -> Double {
        let span = domainHigh - domainLow
        guard span != 0 else { return rangeLow }
        return rangeLow + (v - domainLow) / span * (rangeHigh - rangeLow)
    }
}
