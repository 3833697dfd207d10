extension SVGChart {
    /// Vertical bars over categories: side by side (grouped) or one on another (stacked),
    /// e.g. hazards found and closed per month, or rectifications of each unit by state.
    ///
    /// - Parameters:
    ///   - categories: the labels under the bars, in order (1月…12月, unit names).
    ///   - series: one entry per colour; `values[i]` belongs to `categories[i]`, missing
    ///     entries count as nil. Nil draws no bar, and a category with no figure at all is
    ///     marked 无数据; 0 draws a hairline on the zero line. So "reported none" and "did
    ///     not report" stay apart.
    ///   - stacked: stack the series; the figure on top of each stack is the category total.
    ///   - unit: the unit of the figures (条, 起, %), shown as 「单位：条」 and after figures.
    ///   - width, height: the picture's size in pixels; the height grows when legend and
    ///     slanted labels would leave the plot too low to read.
    ///   - id: the base of the `<title>`/`<desc>` ids; by default derived from the content.
    public static func bar(
        title: String, categories: [String], series: [ChartSeries], stacked: Bool = false,
        unit: String = "", width: Int = 720, height: Int = 360, id: String? = nil
    ) -> String {
        let kind = stacked ? "bar-stacked" : "bar"
        let n = categories.count
        let values = series.map { s in (0..<n).map { i in i < s.values.count ? finite(s.values[i]) : nil } }
        let hasData = values.contains { $0.contains { $0 != nil } }
        guard n > 0, !series.isEmpty, hasData else {
            return empty(kind: kind, title: title, width: Double(width), height: Double(height), id: id)
        }
        let tones = series.enumerated().map { $0.element.tone ?? .series($0.offset) }

        // The extent the axis must cover: each bar, or each stack's positive and negative parts.
        var low = 0.0
        var high = 0.0
        var integral = true
        var totals = [Double?](repeating: nil, count: n)
        for i in 0..<n {
            var up = 0.0
            var down = 0.0
            for row in values {
                guard let v = row[i] else { continue }
                if !isIntegral(v) { integral = false }
                totals[i] = (totals[i] ?? 0) + v
                if stacked {
                    if v >= 0 { up += v } else { down += v }
                } else {
                    high = max(high, v)
                    low = min(low, v)
                }
            }
            if stacked {
                high = max(high, up)
                low = min(low, down)
            }
        }
        let ticks = ChartAxis.ticks(min: low, max: high, integral: integral)
        let layout = CategoryLayout(
            categories: categories,
            legendEntries: zip(series, tones).map { ($0.name, $1) },
            unit: unit, tickLabels: ticks.map(formatNumber),
            width: Double(width), height: Double(height))
        let scale = LinearScale(domainLow: ticks.first!, domainHigh: ticks.last!, rangeLow: layout.plotBottom, rangeHigh: layout.plotTop)
        let zero = scale(0)
        let slot = layout.slot

        var w = SVGWriter(capacity: 2000 + n * series.count * 160)
        drawTitle(title, width: layout.width, into: &w)
        layout.drawLegendAndUnit(unit: unit, marker: .block, into: &w)
        layout.drawValueAxis(ticks: ticks, scale: scale, into: &w)

        var labels = SVGWriter()
        w.raw("<g class=\"chart-bars\">")
        if stacked {
            let barWidth = min(slot * 0.6, 56)
            for i in 0..<n {
                let x = layout.center(i) - barWidth / 2
                var up = 0.0
                var down = 0.0
                for (j, row) in values.enumerated() {
                    guard let v = row[i], v != 0 else { continue }
                    let from = v >= 0 ? up : down
                    let to = from + v
                    if v >= 0 { up = to } else { down = to }
                    // Both edges from the scale, so rounding never makes a stack drift from its total.
                    let y1 = scale(max(from, to))
                    let y2 = scale(min(from, to))
                    let tip = "\(categories[i]) \(series[j].name)：\(say(v, unit: unit))"
                    w.rect(x: x, y: y1, width: barWidth, height: y2 - y1, fill: tones[j].fill, cls: "chart-bar \(tones[j].className)", tip: tip)
                    let figure = formatNumber(v)
                    if y2 - y1 >= 15, textWidth(figure, size: valueSize) + 4 <= barWidth {
                        labels.text(figure, x: x + barWidth / 2, y: (y1 + y2) / 2 + 4, size: valueSize, anchor: "middle", fill: tones[j].ink, cls: "chart-value chart-value-inside")
                    }
                }
                if let total = totals[i] {
                    let figure = formatNumber(total)
                    if textWidth(figure, size: valueSize) + 2 <= slot {
                        let y = total >= 0 ? scale(up) - 5 : scale(down) + valueSize + 3
                        labels.text(figure, x: layout.center(i), y: y, size: valueSize, anchor: "middle", fill: Ink.text, cls: "chart-value chart-total", bold: true)
                    }
                }
            }
        } else {
            let k = Double(series.count)
            let groupWidth = min(slot * (series.count == 1 ? 0.6 : 0.8), 44 * k)
            let barWidth = groupWidth / k
            for i in 0..<n {
                let left = layout.center(i) - groupWidth / 2
                for (j, row) in values.enumerated() {
                    guard let v = row[i] else { continue }
                    let x = left + Double(j) * barWidth
                    let drawn = max(barWidth - (k > 1 ? 1 : 0), 1)
                    let tip = "\(categories[i]) \(series[j].name)：\(say(v, unit: unit))"
                    let y1 = v >= 0 ? scale(v) : zero
                    var h = abs(scale(v) - zero)
                    // A reported 0 still leaves a mark; a nil leaves none.
                    if h < 1.5 { h = 1.5 }
                    w.rect(x: x, y: v >= 0 ? min(y1, zero - h) : y1, width: drawn, height: h, fill: tones[j].fill, cls: "chart-bar \(tones[j].className)", tip: tip)
                    // A figure wider than its bar would run into the neighbour's.
                    let figure = formatNumber(v)
                    if textWidth(figure, size: valueSize) <= barWidth + 2 {
                        let y = v >= 0 ? scale(v) - 4 : scale(v) + valueSize + 2
                        labels.text(figure, x: x + drawn / 2, y: y, size: valueSize, anchor: "middle", fill: Ink.text, cls: "chart-value")
                    }
                }
            }
        }
        w.raw("</g>")
        // A category with no figure at all says so, so its empty slot is not read as 0.
        let missingWidth = textWidth(missing, size: valueSize)
        if missingWidth + 2 <= slot {
            for i in 0..<n where totals[i] == nil {
                labels.text(missing, x: layout.center(i), y: zero - 6, size: valueSize, anchor: "middle", fill: Ink.muted, cls: "chart-missing")
            }
        }
        layout.drawBaseline(scale: scale, into: &w)
        w.raw("<g class=\"chart-values\">")
        w.raw(labels.out)
        w.raw("</g>")
        layout.drawCategoryLabels(categories, into: &w)

        let desc = describe(
            title: title, kind: stacked ? "堆叠柱状图" : "柱状图", unit: unit,
            categories: categories, series: series, values: values, totals: stacked && series.count > 1 ? totals : nil)
        return document(kind: kind, title: title, desc: desc, width: layout.width, height: layout.height, id: id, body: w.out)
    }

    /// The data in words: what it is, then every figure of every series, nil as 无数据.
    static func describe(
        title: String, kind: String, unit: String, categories: [String], series: [ChartSeries],
        values: [[Double?]], totals: [Double?]?
    ) -> String {
        var d = "\(title)。\(kind)"
        if !unit.isEmpty { d += "，单位：\(unit)" }
        d += "，共\(categories.count)项"
        if series.count > 1 { d += "、\(series.count)个系列" }
        d += "。"
        for (j, row) in values.enumerated() {
            let present = row.compactMap { $0 }
            d += series[j].name.isEmpty ? "" : series[j].name + "："
            d += "合计" + say(present.reduce(0, +), unit: unit)
            if let best = row.indices.filter({ row[$0] != nil }).max(by: { row[$0]! < row[$1]! }) {
                d += "，最高为\(categories[best]) " + say(row[best], unit: unit)
            }
            d += "；"
            for (i, c) in categories.enumerated() {
                if i > 0 { d += "，" }
                d += c + " " + say(row[i], unit: unit)
            }
            d += "。"
        }
        if let totals {
            d += "各项合计："
            for (i, c) in categories.enumerated() {
                if i > 0 { d += "，" }
                d += c + " " + say(totals[i], unit: unit)
            }
            d += "。"
        }
        return d
    }
}
