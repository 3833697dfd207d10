/// Where the parts of a chart over categories (bars, lines) go: heading, legend, unit, plot
/// and the category labels under it, chosen so no two labels overlap and none is cut off.
struct CategoryLayout {
    enum LabelMode: Equatable {
        /// One line, level: short labels with room.
        case horizontal
        /// Two level lines: Chinese breaks between any two characters, and two lines read
        /// better than slanted text for names of units.
        case wrapped
        /// Slanted 45°: long labels in narrow slots.
        case rotated
    }

    var width: Double
    var height: Double
    var plotLeft: Double
    var plotRight: Double
    var plotTop: Double
    var plotBottom: Double
    var legend: SVGChart.LegendLayout?
    var unitBaseline: Double?
    var mode: LabelMode
    /// Every `step`-th label is drawn when even slanted ones would collide (long series).
    var step: Int
    /// The words drawn for each category, one entry per line.
    var lines: [[String]]
    var count: Int

    var slot: Double { (plotRight - plotLeft) / Double(max(count, 1)) }
    func center(_ i: Int) -> Double { plotLeft + slot * (Double(i) + 0.5) }

    static let rotatedMaxWidth = 110.0
    static let sin45 = 0.7071

    init(categories: [String], legendEntries: [(String, ChartTone)], unit: String, tickLabels: [String], width: Double, height: Double) {
        let size = SVGChart.labelSize
        let margin = SVGChart.margin
        self.width = width
        count = categories.count
        var top = 38.0
        if legendEntries.count > 1 {
            let legend = SVGChart.layoutLegend(legendEntries, left: margin, right: width - margin, top: top)
            self.legend = legend
            top += legend.height + 4
        }
        if !unit.isEmpty {
            unitBaseline = top + 12
            top += 18
        }
        // Room above the highest bar for its figure.
        plotTop = top + 14
        let tickWidth = tickLabels.map { textWidth($0, size: size) }.max() ?? 0
        let baseLeft = margin + tickWidth + 8
        plotLeft = baseLeft
        plotRight = width - margin

        let widths = categories.map { textWidth($0, size: size) }
        let widest = widths.max() ?? 0
        let n = Double(max(count, 1))
        let slot = (plotRight - baseLeft) / n
        var bottom: Double
        if widest + 6 <= slot {
            mode = .horizontal
            step = 1
            lines = categories.map { [$0] }
            bottom = 28
        } else if let split = CategoryLayout.wrap(categories, widths: widths, slot: slot) {
            mode = .wrapped
            step = 1
            lines = split
            bottom = 42
        } else {
            let rotatedStep = Int((17 / slot).rounded(.up))
            if rotatedStep > 1, widest <= 48 {
                // Short labels of a long sequence (months, days): level and thinned reads
                // better than a slanted fence.
                mode = .horizontal
                step = Int(((widest + 8) / slot).rounded(.up))
                lines = categories.map { [$0] }
                bottom = 28
            } else {
                mode = .rotated
                step = max(rotatedStep, 1)
                lines = categories.map { [truncate($0, maxWidth: CategoryLayout.rotatedMaxWidth, size: size)] }
                let shownWidest = lines.map { textWidth($0[0], size: size) }.max() ?? 0
                bottom = CategoryLayout.sin45 * (shownWidest + size) + 18
                // The first slanted labels reach left past their bar: move the plot right
                // until none leaves the picture.
                for _ in 0..<3 {
                    let s = (plotRight - plotLeft) / n
                    var need = baseLeft
                    for i in Swift.stride(from: 0, to: count, by: step) {
                        let w = textWidth(lines[i][0], size: size)
                        need = max(need, 4 + CategoryLayout.sin45 * (w + size) - s * (Double(i) + 0.5))
                    }
                    plotLeft = need
                }
            }
        }
        var height = height
        let minPlot = 120.0
        if height - bottom - plotTop < minPlot { height = plotTop + minPlot + bottom }
        self.height = height
        plotBottom = height - bottom
    }

    /// Each label that does not fit on one line broken into two halves of similar width, or
    /// nil when some half still does not fit.
    static func wrap(_ categories: [String], widths: [Double], slot: Double) -> [[String]]? {
        let size = SVGChart.labelSize
        var result: [[String]] = []
        result.reserveCapacity(categories.count)
        for (label, width) in zip(categories, widths) {
            if width + 6 <= slot {
                result.append([label])
                continue
            }
            let scalars = Array(label.unicodeScalars)
            // 「西河|镇」, 「10|月」: short words broken in two read worse than slanted whole.
            guard scalars.count >= 4 else { return nil }
            var best: (Int, Double)? = nil
            var leftWidth = 0.0
            for i in 1..<scalars.count {
                leftWidth += textWidth(String(scalars[i - 1]), size: size)
                var cost = max(leftWidth, width - leftWidth)
                // Do not cut a run of Latin letters or digits (a number, a code) in two.
                if isWordScalar(scalars[i - 1]), isWordScalar(scalars[i]) { cost += 1000 }
                if best == nil || cost < best!.1 { best = (i, cost) }
            }
            guard let (cut, cost) = best, cost + 6 <= slot else { return nil }
            var first = String.UnicodeScalarView()
            first.append(contentsOf: scalars[..<cut])
            var second = String.UnicodeScalarView()
            second.append(contentsOf: scalars[cut...])
            result.append([String(first), String(second)])
        }
        return result
    }

    private static func isWordScalar(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x2E: return true
        default: return false
        }
    }

    // MARK: Drawing

    func drawLegendAndUnit(unit: String, marker: SVGChart.Marker, into w: inout SVGWriter) {
        if let legend { SVGChart.drawLegend(legend, marker: marker, right: width - SVGChart.margin, into: &w) }
        if let unitBaseline {
            w.text("单位：" + unit, x: SVGChart.margin, y: unitBaseline, size: SVGChart.labelSize, fill: Ink.muted, cls: "chart-unit")
        }
    }

    /// Gridlines at the ticks, their figures on the left, and the zero line darker.
    func drawValueAxis(ticks: [Double], scale: LinearScale, into w: inout SVGWriter) {
        w.raw("<g class=\"chart-axis chart-axis-y\">")
        for t in ticks where t != 0 {
            let y = scale(t)
            w.line(x1: plotLeft, y1: y, x2: plotRight, y2: y, stroke: Ink.grid, cls: "chart-grid")
        }
        for t in ticks {
            w.text(formatNumber(t), x: plotLeft - 8, y: scale(t) + 4, size: SVGChart.labelSize, anchor: "end", fill: Ink.muted, cls: "chart-tick")
        }
        w.raw("</g>")
    }

    /// The zero line, drawn after the bars so they stand on it.
    func drawBaseline(scale: LinearScale, into w: inout SVGWriter) {
        let y = scale(0)
        w.line(x1: plotLeft, y1: y, x2: plotRight, y2: y, stroke: Ink.axis, cls: "chart-baseline")
    }

    func drawCategoryLabels(_ categories: [String], into w: inout SVGWriter) {
        let size = SVGChart.labelSize
        w.raw("<g class=\"chart-axis chart-axis-x\">")
        for i in Swift.stride(from: 0, to: count, by: step) {
            let cx = center(i)
            let shown = lines[i]
            switch mode {
            case .horizontal:
                // Thinned labels are wider than their slot: drop one that would be cut at an edge.
                let half = textWidth(shown[0], size: size) / 2
                if step > 1, cx - half < 2 || cx + half > width - 2 { continue }
                w.text(shown[0], x: cx, y: plotBottom + 18, size: size, anchor: "middle", fill: Ink.text, cls: "chart-category")
            case .wrapped:
                if shown.count == 1 {
                    w.text(shown[0], x: cx, y: plotBottom + 18, size: size, anchor: "middle", fill: Ink.text, cls: "chart-category")
                } else {
                    w.raw("<text class=\"chart-category\" x=\"\(fmt(cx))\" y=\"\(fmt(plotBottom + 18))\" font-size=\"\(fmt(size))\" fill=\"\(Ink.text)\" text-anchor=\"middle\">")
                    for (k, part) in shown.enumerated() {
                        w.raw("<tspan x=\"\(fmt(cx))\" dy=\"\(k == 0 ? "0" : fmt(size + 3))\">")
                        w.escaped(part)
                        w.raw("</tspan>")
                    }
                    w.raw("</text>")
                }
            case .rotated:
                w.text(shown[0], x: cx + 4, y: plotBottom + 14, size: size, anchor: "end", fill: Ink.text, cls: "chart-category", rotate: -45, fullText: categories[i])
            }
        }
        w.raw("</g>")
    }
}
