/// Charts drawn on the server as standalone SVG strings, so a dashboard page loads nothing
/// from outside (no JavaScript chart library, no web font) and prints as it shows.
///
/// Every chart carries `<title>` and a `<desc>` that spells out all its figures in Chinese
/// (screen readers, print, copy-paste into a report), uses presentation attributes and class
/// names but never `style` (the site's CSP forbids inline styles), and escapes every word
/// that came from user data. Output is a pure function of the input.
///
/// Class names for the site stylesheet (CSS `fill`/`stroke` rules override the attributes):
/// `chart` and `chart-type-bar|bar-stacked|bar-horizontal|line|donut` on the root;
/// `chart-title`, `chart-unit`, `chart-legend`, `chart-swatch`, `chart-grid`, `chart-baseline`,
/// `chart-tick`, `chart-category`, `chart-bar`, `chart-line`, `chart-point`, `chart-slice`,
/// `chart-value`, `chart-total`, `chart-missing`, `chart-frame`, `chart-empty`; colours as
/// `s0`…`s7` and `tone-closed|closure-requested|in-progress|pending|overdue` (`ChartTone`).
public enum SVGChart {
    /// The CJK fonts an office machine has, named in the markup so nothing is downloaded.
    static let fontFamily = "'Noto Sans CJK SC','Source Han Sans SC','Microsoft YaHei',sans-serif"

    static let titleSize = 16.0
    static let labelSize = 12.0
    static let valueSize = 11.0
    static let margin = 16.0
    static let noData = "暂无数据"
    static let missing = "无数据"

    /// The `<svg>` element around a drawn body. The id of `<title>`/`<desc>` comes from a hash
    /// of the content unless given, so several charts on one page do not share ids.
    static func document(
        kind: String, title: String, desc: String, width: Double, height: Double,
        id: String?, body: String
    ) -> String {
        let base: String
        if let id {
            base = SVGWriter.escape(id)
        } else {
            // The desc spells out every figure, so with kind, title and size it tells charts
            // apart without hashing the (much longer) drawing.
            var h = stableHash(kind + "|" + fmt(width) + "x" + fmt(height))
            h ^= stableHash(title) &* 31
            h ^= stableHash(desc) &* 131
            base = "chart-" + String(h, radix: 16)
        }
        var w = SVGWriter(capacity: body.utf8.count + desc.utf8.count + 600)
        w.raw("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart chart-type-\(kind)\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" role=\"img\" aria-labelledby=\"\(base)-title\" aria-describedby=\"\(base)-desc\" font-family=\"\(fontFamily)\">")
        w.raw("<title id=\"\(base)-title\">")
        w.escaped(title)
        w.raw("</title><desc id=\"\(base)-desc\">")
        w.escaped(desc)
        w.raw("</desc>")
        w.raw("<rect class=\"chart-bg\" x=\"0\" y=\"0\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" fill=\"#ffffff\"/>")
        w.raw(body)
        w.raw("</svg>")
        return w.out
    }

    /// The chart's heading inside the picture, so it still says what it is when printed or
    /// saved on its own.
    static func drawTitle(_ title: String, width: Double, into w: inout SVGWriter) {
        let shown = truncate(title, maxWidth: width - 2 * margin, size: titleSize)
        w.text(shown, x: margin, y: 26, size: titleSize, cls: "chart-title", bold: true, fullText: title)
    }

    /// A frame with 暂无数据: an empty axis with zeros would read as "nothing happened",
    /// which is a different statement from "nothing was recorded".
    static func empty(kind: String, title: String, width: Double, height: Double, id: String?) -> String {
        var w = SVGWriter()
        drawTitle(title, width: width, into: &w)
        let top = 40.0
        w.raw("<rect class=\"chart-frame\" x=\"\(fmt(margin))\" y=\"\(fmt(top))\" width=\"\(fmt(width - 2 * margin))\" height=\"\(fmt(height - top - margin))\" rx=\"4\" fill=\"\(Ink.panel)\" stroke=\"\(Ink.frame)\"/>")
        w.text(noData, x: width / 2, y: (top + height - margin) / 2 + 5, size: 14, anchor: "middle", fill: Ink.muted, cls: "chart-empty")
        return document(kind: kind, title: title, desc: "\(title)：\(noData)。", width: width, height: height, id: id, body: w.out)
    }

    /// A figure with its unit, as the desc and the tooltips say it (「12条」, 「无数据」).
    static func say(_ v: Double?, unit: String) -> String {
        guard let v, v.isFinite else { return missing }
        return formatNumber(v) + unit
    }

    static func finite(_ v: Double?) -> Double? {
        guard let v, v.isFinite else { return nil }
        return v
    }

    static func isIntegral(_ v: Double) -> Bool { v == v.rounded() }

    // MARK: Legend

    enum Marker { case block, line }

    struct LegendLayout {
        var items: [(label: String, tone: ChartTone, x: Double, y: Double)]
        var height: Double
    }

    /// Legend entries flowing left to right, wrapping to new rows within the width.
    static func layoutLegend(_ entries: [(String, ChartTone)], left: Double, right: Double, top: Double) -> LegendLayout {
        let rowHeight = 20.0
        var x = left
        var row = 0
        var items: [(label: String, tone: ChartTone, x: Double, y: Double)] = []
        let maxLabel = right - left - 24
        for (label, tone) in entries {
            let shown = truncate(label, maxWidth: maxLabel, size: labelSize)
            let itemWidth = 18 + textWidth(shown, size: labelSize)
            if x > left, x + itemWidth > right {
                row += 1
                x = left
            }
            items.append((label, tone, x, top + Double(row) * rowHeight))
            x += itemWidth + 20
        }
        return LegendLayout(items: items, height: entries.isEmpty ? 0 : Double(row + 1) * rowHeight)
    }

    static func drawLegend(_ legend: LegendLayout, marker: Marker, right: Double, into w: inout SVGWriter) {
        w.raw("<g class=\"chart-legend\">")
        for item in legend.items {
            switch marker {
            case .block:
                w.raw("<rect class=\"chart-swatch \(item.tone.className)\" x=\"\(fmt(item.x))\" y=\"\(fmt(item.y + 3))\" width=\"12\" height=\"12\" rx=\"2\" fill=\"\(item.tone.fill)\"/>")
            case .line:
                w.line(x1: item.x - 1, y1: item.y + 9, x2: item.x + 13, y2: item.y + 9, stroke: item.tone.fill, cls: "chart-swatch \(item.tone.className)", width: 2)
                w.raw("<circle class=\"chart-point \(item.tone.className)\" cx=\"\(fmt(item.x + 6))\" cy=\"\(fmt(item.y + 9))\" r=\"3\" fill=\"#ffffff\" stroke=\"\(item.tone.fill)\" stroke-width=\"2\"/>")
            }
            let shown = truncate(item.label, maxWidth: right - item.x - 18, size: labelSize)
            w.text(shown, x: item.x + 18, y: item.y + 14, size: labelSize, cls: "chart-legend-label", fullText: item.label)
        }
        w.raw("</g>")
    }
}
