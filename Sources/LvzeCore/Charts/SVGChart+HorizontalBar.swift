extension SVGChart {
    /// A ranking: one horizontal bar per label, e.g. overdue rectifications by unit. The
    /// height follows the number of rows, so 3 rows and 20 rows are both read at one size.
    ///
    /// - Parameters:
    ///   - labels: the row names; names longer than about 13 Chinese characters are shortened
    ///     with 「…」 and keep the full name as their tooltip.
    ///   - values: one per label; nil shows 「无数据」 in place of a bar.
    ///   - sorted: rank the rows from the largest down (nil last; ties keep the given order).
    ///     Off keeps the given order, for a ranking already made elsewhere.
    ///   - tone: the bars' colour, e.g. `.overdue` for overdue items.
    ///   - height: nil to fit the rows; a larger value adds space at the bottom.
    public static func horizontalBar(
        title: String, labels: [String], values: [Double?], unit: String = "",
        sorted: Bool = true, tone: ChartTone = .series(0), width: Int = 720, height: Int? = nil,
        id: String? = nil
    ) -> String {
        let kind = "bar-horizontal"
        let clean = labels.indices.map { i in i < values.count ? finite(values[i]) : nil }
        guard !labels.isEmpty, clean.contains(where: { $0 != nil }) else {
            return empty(kind: kind, title: title, width: Double(width), height: Double(height ?? 240), id: id)
        }
        var order = Array(labels.indices)
        if sorted {
            order.sort { a, b in
                switch (clean[a], clean[b]) {
                case let (x?, y?): return x != y ? x > y : a < b
                case (.some, nil): return true
                case (nil, .some): return false
                case (nil, nil): return a < b
                }
            }
        }
        let rows = order.count
        let W = Double(width)
        let labelSize = 13.0
        let figureSize = 12.0
        let rowHeight = rows > 20 ? 24.0 : 28.0
        let barHeight = rowHeight * 0.6

        let maxLabel = 13 * labelSize
        let shownLabels = order.map { truncate(labels[$0], maxWidth: maxLabel, size: labelSize) }
        let labelWidth = shownLabels.map { textWidth($0, size: labelSize) }.max() ?? 0
        let figures = order.map { say(clean[$0], unit: "") }
        let figureWidth = figures.map { textWidth($0, size: figureSize) }.max() ?? 0

        var low = 0.0
        var high = 0.0
        var integral = true
        for v in clean.compactMap({ $0 }) {
            low = min(low, v)
            high = max(high, v)
            if !isIntegral(v) { integral = false }
        }
        let plotLeft = margin + labelWidth + 10
        let plotRight = W - margin - figureWidth - 8
        let target = max(2, min(6, Int((plotRight - plotLeft) / 90)))
        let ticks = ChartAxis.ticks(min: low, max: high, target: target, integral: integral)
        let plotTop = unit.isEmpty ? 44.0 : 58.0
        let plotBottom = plotTop + Double(rows) * rowHeight
        let H = max(Double(height ?? 0), plotBottom + 30)
        let scale = LinearScale(domainLow: ticks.first!, domainHigh: ticks.last!, rangeLow: plotLeft, rangeHigh: plotRight)
        let zero = scale(0)

        var w = SVGWriter(capacity: 1500 + rows * 400)
        drawTitle(title, width: W, into: &w)
        if !unit.isEmpty {
            w.text("单位：" + unit, x: W - margin, y: 50, size: SVGChart.labelSize, anchor: "end", fill: Ink.muted, cls: "chart-unit")
        }
        w.raw("<g class=\"chart-axis chart-axis-x\">")
        for t in ticks {
            let x = scale(t)
            if t != 0 { w.line(x1: x, y1: plotTop, x2: x, y2: plotBottom, stroke: Ink.grid, cls: "chart-grid") }
            w.text(formatNumber(t), x: x, y: plotBottom + 18, size: SVGChart.labelSize, anchor: "middle", fill: Ink.muted, cls: "chart-tick")
        }
        w.raw("</g><g class=\"chart-bars\">")
        for (r, index) in order.enumerated() {
            let mid = plotTop + rowHeight * (Double(r) + 0.5)
            w.text(shownLabels[r], x: plotLeft - 10, y: mid + 4.5, size: labelSize, anchor: "end", fill: Ink.text, cls: "chart-category", fullText: labels[index])
            guard let v = clean[index] else {
                w.text(missing, x: zero + 6, y: mid + 4, size: figureSize, fill: Ink.muted, cls: "chart-value chart-missing")
                continue
            }
            let end = scale(v)
            let x = min(zero, end)
            let length = max(abs(end - zero), 1.5)
            w.rect(x: v < 0 ? zero - length : x, y: mid - barHeight / 2, width: length, height: barHeight, fill: tone.fill, cls: "chart-bar \(tone.className)", tip: "\(labels[index])：\(say(v, unit: unit))")
            let figureX = v >= 0 ? max(end, zero + 1.5) + 6 : zero + 6
            w.text(figures[r], x: figureX, y: mid + 4, size: figureSize, fill: Ink.text, cls: "chart-value")
        }
        w.raw("</g>")
        w.line(x1: zero, y1: plotTop, x2: zero, y2: plotBottom, stroke: Ink.axis, cls: "chart-baseline")

        var d = "\(title)。条形图排名"
        if !unit.isEmpty { d += "，单位：\(unit)" }
        d += "，共\(rows)项："
        for (r, index) in order.enumerated() {
            if r > 0 { d += "，" }
            if sorted, let v = clean[index] {
                // Equal figures share a place (1, 2, 2, 4), as rankings are announced.
                d += "第\(1 + clean.filter { ($0 ?? -.infinity) > v }.count)名 "
            }
            d += labels[index] + " " + say(clean[index], unit: unit)
        }
        d += "。"
        return document(kind: kind, title: title, desc: d, width: W, height: H, id: id, body: w.out)
    }
}
