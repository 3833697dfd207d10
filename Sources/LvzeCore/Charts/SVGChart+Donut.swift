import Foundation

extension SVGChart {
    /// Parts of a whole as a ring with the total in its middle and a legend giving each
    /// part's figure and share, e.g. accidents by grade or the four forms (四种形态).
    ///
    /// Slices are drawn clockwise from twelve o'clock in the given order. Negative values
    /// count as 0 (a share cannot be negative); nil is listed as 无数据 and not drawn. When
    /// every figure is 0 the ring is drawn grey with 合计 0: "none happened" is data.
    public static func donut(
        title: String, slices: [ChartSlice], unit: String = "", width: Int = 560, height: Int = 300,
        id: String? = nil
    ) -> String {
        let kind = "donut"
        let values = slices.map { finite($0.value).map { max($0, 0) } }
        guard values.contains(where: { $0 != nil }) else {
            return empty(kind: kind, title: title, width: Double(width), height: Double(height), id: id)
        }
        let tones = slices.enumerated().map { $0.element.tone ?? .series($0.offset) }
        let total = values.compactMap { $0 }.reduce(0, +)
        let share: (Double) -> String = { v in formatNumber(total > 0 ? v / total * 100 : 0) + "%" }

        let rowHeight = 26.0
        let top = 44.0
        let names = slices.map { truncate($0.label, maxWidth: 13 * labelSize, size: labelSize) }
        let nameWidth = names.map { textWidth($0, size: labelSize) }.max() ?? 0
        let figures = values.map { v in v.map { say($0, unit: unit) + "（" + share($0) + "）" } ?? missing }
        let figureWidth = figures.map { textWidth($0, size: labelSize) }.max() ?? 0
        // Swatch, name, then figure and share right-aligned in one column.
        let legendWidth = 18 + nameWidth + 20 + figureWidth
        let legendHeight = Double(slices.count) * rowHeight

        var W = Double(width)
        var H = Double(height)
        let radius, cx, cy, legendX, legendTop: Double
        let besideHeight = max(H, top + legendHeight + margin, top + 160 + margin)
        let besideRadius = min((besideHeight - top - margin) / 2, 120)
        if 2 * margin + 8 + 2 * besideRadius + 36 + legendWidth <= W {
            // Legend beside the ring.
            H = besideHeight
            radius = besideRadius
            cx = margin + 8 + radius
            cy = top + (H - top - margin) / 2
            legendX = cx + radius + 36
            legendTop = cy - legendHeight / 2
        } else {
            // Too narrow: legend under the ring, the picture grows downwards instead of wider.
            W = max(W, legendWidth + 2 * margin)
            radius = min(100, (W - 2 * margin) / 2 - 8)
            cx = W / 2
            cy = top + 8 + radius
            legendX = margin
            legendTop = cy + radius + 16
            H = max(H, legendTop + legendHeight + margin)
        }
        let inner = radius * 0.6
        let figureRight = W - margin

        var w = SVGWriter(capacity: 3000 + slices.count * 500)
        drawTitle(title, width: W, into: &w)
        w.raw("<g class=\"chart-slices\">")
        if total > 0 {
            var start = 0.0
            for (j, v) in values.enumerated() {
                guard let v, v > 0 else { continue }
                let sweep = v / total
                let tip = "\(slices[j].label)：\(say(v, unit: unit))，占\(share(v))"
                w.raw("<path class=\"chart-slice \(tones[j].className)\" d=\"\(ringPath(cx: cx, cy: cy, outer: radius, inner: inner, from: start, to: start + sweep))\" fill=\"\(tones[j].fill)\" stroke=\"#ffffff\" stroke-width=\"1.5\" fill-rule=\"evenodd\"><title>")
                w.escaped(tip)
                w.raw("</title></path>")
                start += sweep
            }
            // Shares on the ring where the arc is long enough to hold them.
            start = 0
            for (j, v) in values.enumerated() {
                guard let v, v > 0 else { continue }
                let sweep = v / total
                let text = share(v)
                let mid = (start + sweep / 2) * 2 * Double.pi - Double.pi / 2
                let r = (radius + inner) / 2
                let arcLength = sweep * 2 * Double.pi * r
                if arcLength >= textWidth(text, size: valueSize) + 6 {
                    w.text(text, x: cx + r * cos(mid), y: cy + r * sin(mid) + 4, size: valueSize, anchor: "middle", fill: tones[j].ink, cls: "chart-value chart-share")
                }
                start += sweep
            }
        } else {
            w.raw("<path class=\"chart-slice chart-slice-empty\" d=\"\(ringPath(cx: cx, cy: cy, outer: radius, inner: inner, from: 0, to: 1))\" fill=\"\(Ink.grid)\" fill-rule=\"evenodd\"/>")
        }
        w.raw("</g>")
        w.text(formatNumber(total), x: cx, y: cy + 4, size: 26, anchor: "middle", fill: Ink.text, cls: "chart-total", bold: true)
        w.text(unit.isEmpty ? "合计" : "合计（\(unit)）", x: cx, y: cy + 24, size: labelSize, anchor: "middle", fill: Ink.muted, cls: "chart-total-label")

        w.raw("<g class=\"chart-legend\">")
        for (j, slice) in slices.enumerated() {
            let y = legendTop + Double(j) * rowHeight
            w.raw("<rect class=\"chart-swatch \(tones[j].className)\" x=\"\(fmt(legendX))\" y=\"\(fmt(y + 7))\" width=\"12\" height=\"12\" rx=\"2\" fill=\"\(tones[j].fill)\"/>")
            w.text(names[j], x: legendX + 18, y: y + 18, size: labelSize, fill: Ink.text, cls: "chart-legend-label", fullText: slice.label)
            w.text(figures[j], x: figureRight, y: y + 18, size: labelSize, anchor: "end", fill: values[j] == nil ? Ink.muted : Ink.text, cls: "chart-value")
        }
        w.raw("</g>")

        var d = "\(title)。环形图"
        if !unit.isEmpty { d += "，单位：\(unit)" }
        d += "，合计" + say(total, unit: unit) + "。"
        for (j, slice) in slices.enumerated() {
            if j > 0 { d += "；" }
            d += slice.label + " "
            if let v = values[j] { d += say(v, unit: unit) + "，占" + share(v) } else { d += missing }
        }
        d += "。"
        return document(kind: kind, title: title, desc: d, width: W, height: H, id: id, body: w.out)
    }

    /// The outline of a ring segment between two fractions of a turn (0 = twelve o'clock).
    /// A whole turn is drawn as two half arcs because one SVG arc cannot close on itself.
    static func ringPath(cx: Double, cy: Double, outer: Double, inner: Double, from: Double, to: Double) -> String {
        func point(_ r: Double, _ t: Double) -> String {
            let a = t * 2 * Double.pi - Double.pi / 2
            return fmt(cx + r * cos(a)) + " " + fmt(cy + r * sin(a))
        }
        if to - from >= 0.9999 {
            let o = fmt(outer)
            let i = fmt(inner)
            return "M\(point(outer, 0))A\(o) \(o) 0 1 1 \(point(outer, 0.5))A\(o) \(o) 0 1 1 \(point(outer, 0))Z"
                + "M\(point(inner, 0))A\(i) \(i) 0 1 0 \(point(inner, 0.5))A\(i) \(i) 0 1 0 \(point(inner, 0))Z"
        }
        let large = to - from > 0.5 ? 1 : 0
        let o = fmt(outer)
        let i = fmt(inner)
        return "M\(point(outer, from))A\(o) \(o) 0 \(large) 1 \(point(outer, to))L\(point(inner, to))A\(i) \(i) 0 \(large) 0 \(point(inner, from))Z"
    }
}
