extension SVGChart {
    /// Lines with points over categories, e.g. hazards found per month this year and last.
    /// A nil breaks the line: a month without data is a gap, not a dip to 0.
    ///
    /// Figures are written beside the points only for a single line with room for them;
    /// with several lines they would collide, and the tooltips and `<desc>` carry them.
    public static func line(
        title: String, categories: [String], series: [ChartSeries], unit: String = "",
        width: Int = 720, height: Int = 360, id: String? = nil
    ) -> String {
        let kind = "line"
        let n = categories.count
        let values = series.map { s in (0..<n).map { i in i < s.values.count ? finite(s.values[i]) : nil } }
        guard n > 0, values.contains(where: { $0.contains { $0 != nil } }) else {
            return empty(kind: kind, title: title, width: Double(width), height: Double(height), id: id)
        }
        let tones = series.enumerated().map { $0.element.tone ?? .series($0.offset) }
        var low = 0.0
        var high = 0.0
        var integral = true
        for row in values {
            for v in row {
                guard let v else { continue }
                low = min(low, v)
                high = max(high, v)
                if !isIntegral(v) { integral = false }
            }
        }
        let ticks = ChartAxis.ticks(min: low, max: high, integral: integral)
        let layout = CategoryLayout(
            categories: categories,
            legendEntries: zip(series, tones).map { ($0.name, $1) },
            unit: unit, tickLabels: ticks.map(formatNumber),
            width: Double(width), height: Double(height))
        let scale = LinearScale(domainLow: ticks.first!, domainHigh: ticks.last!, rangeLow: layout.plotBottom, rangeHigh: layout.plotTop)

        var w = SVGWriter(capacity: 2000 + n * series.count * 120)
        drawTitle(title, width: layout.width, into: &w)
        layout.drawLegendAndUnit(unit: unit, marker: .line, into: &w)
        layout.drawValueAxis(ticks: ticks, scale: scale, into: &w)
        layout.drawBaseline(scale: scale, into: &w)

        var widest = 0.0
        for row in values { for v in row { if let v { widest = max(widest, textWidth(formatNumber(v), size: valueSize)) } } }
        let showFigures = series.count == 1 && widest + 4 <= layout.slot
        let pointRadius = layout.slot >= 12 ? 3.5 : 2.0

        for (j, row) in values.enumerated() {
            let tone = tones[j]
            var d = ""
            var penDown = false
            for i in 0..<n {
                guard let v = row[i] else {
                    penDown = false
                    continue
                }
                d += (penDown ? "L" : "M") + fmt(layout.center(i)) + " " + fmt(scale(v))
                penDown = true
            }
            w.raw("<g class=\"chart-series \(tone.className)\">")
            w.raw("<path class=\"chart-line \(tone.className)\" d=\"\(d)\" fill=\"none\" stroke=\"\(tone.fill)\" stroke-width=\"2\" stroke-linejoin=\"round\" stroke-linecap=\"round\"/>")
            for i in 0..<n {
                guard let v = row[i] else { continue }
                w.raw("<circle class=\"chart-point \(tone.className)\" cx=\"\(fmt(layout.center(i)))\" cy=\"\(fmt(scale(v)))\" r=\"\(fmt(pointRadius))\" fill=\"#ffffff\" stroke=\"\(tone.fill)\" stroke-width=\"2\"><title>")
                w.escaped("\(categories[i]) \(series[j].name)：\(say(v, unit: unit))")
                w.raw("</title></circle>")
            }
            w.raw("</g>")
        }
        if showFigures {
            w.raw("<g class=\"chart-values\">")
            for i in 0..<n {
                guard let v = values[0][i] else { continue }
                w.text(formatNumber(v), x: layout.center(i), y: scale(v) - 9, size: valueSize, anchor: "middle", fill: Ink.text, cls: "chart-value")
            }
            w.raw("</g>")
        }
        layout.drawCategoryLabels(categories, into: &w)
        let desc = describe(title: title, kind: "折线图", unit: unit, categories: categories, series: series, values: values, totals: nil)
        return document(kind: kind, title: title, desc: desc, width: layout.width, height: layout.height, id: id, body: w.out)
    }
}
