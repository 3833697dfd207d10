import Foundation
import LvzeCore

/// A report as HTML: each figure a link to the records behind it, each claim the data does
/// not support marked with the reason, each figure without data a visible marker.
struct ReportHTML {
    let report: BuiltReport
    /// Links to drill-down pages (the web page); a file written by the CLI has none.
    var links: Bool = true
    /// Unit, year and template of the page, so a drill-down uses the same settings.
    var base: [(String, String)] = []

    /// The document body: title and blocks.
    func body() -> HTML {
        let blocks = HTML.each(report.document.blocks) { block -> HTML in
            switch block {
            case .heading(let level, let r):
                return level <= 1 ? "<h2 class=\"report-h\(level)\">\(runs(r))</h2>\n" : "<h3 class=\"report-h\(level)\">\(runs(r))</h3>\n"
            case .paragraph(let r):
                return "<p>\(runs(r))</p>\n"
            case .table(let rows):
                let cells = HTML.each(rows.enumerated()) { i, row -> HTML in
                    "<tr>\(HTML.each(row) { i == 0 ? "<th>\($0)</th>" : "<td>\($0)</td>" })</tr>"
                }
                return "<table class=\"report-table\">\(cells)</table>\n"
            }
        }
        return "<article class=\"report-doc\">\n<h1 class=\"report-title\">\(runs(report.document.title))</h1>\n\(blocks)</article>\n"
    }

    func runs(_ runs: [DocumentRun]) -> HTML { HTML.each(runs, run) }

    func run(_ r: DocumentRun) -> HTML {
        let text = r.text
        switch r.role {
        case .text:
            return r.bold ? "<strong>\(text)</strong>" : "\(text)"
        case .figure(let id):
            let label = report.metrics[id]?.label ?? id
            guard links else { return "<span class=\"fig\" title=\"\(label)\">\(text)</span>" }
            return "<a class=\"fig\" href=\"\(drillURL(id))\" title=\"\(label)（\(id)）：查看记录\">\(text)</a>"
        case .missing(let id, let reason):
            let why = "「\(report.metrics[id]?.label ?? id)」无数据：\(reason)"
            return "<mark class=\"missing\" title=\"\(why)\">\(text)<span class=\"why\">（\(why)）</span></mark>"
        case .claim(let id, let problem):
            guard let problem else { return "<span class=\"claim\" title=\"记录支持这一表述（\(id)）\">\(text)</span>" }
            let link: HTML = .when(links) { " <a href=\"\(drillURL(report.metrics.claims[id]?.metric ?? id))\">查看记录</a>" }
            return "<mark class=\"claim-problem\" title=\"\(problem)\">\(text)<span class=\"why\">（与记录不符：\(problem)\(link)）</span></mark>"
        }
    }

    func drillURL(_ id: String) -> SiteURL {
        Endpoint.reportDrill.url(query: [("metric", id)] + (base.isEmpty ? [("unit", report.unitCode), ("year", String(report.year))] : base))
    }

    /// A standalone page for a file written from the command line: its own small stylesheet,
    /// nothing loaded from outside.
    func page() -> HTML {
        """
        <!DOCTYPE html>
        <html lang="zh-CN"><head><meta charset="utf-8"><title>\(report.document.titleText)</title>
        <style>
        body { font-family: "FangSong", "仿宋_GB2312", "Noto Serif CJK SC", serif; font-size: 16pt; line-height: 29pt; max-width: 156mm; margin: 2em auto; color: #111; }
        .report-title { font-family: "方正小标宋简体", "Noto Serif CJK SC", serif; font-size: 22pt; text-align: center; font-weight: normal; line-height: 1.5; }
        p { text-indent: 2em; margin: 0; text-align: justify; }
        .report-h1 { font-family: "黑体", "Noto Sans CJK SC", sans-serif; font-size: 16pt; font-weight: normal; text-indent: 2em; margin: 0; }
        .report-h2 { font-family: "楷体_GB2312", "KaiTi", serif; font-size: 16pt; font-weight: normal; text-indent: 2em; margin: 0; }
        mark { background: #fff3b0; color: #b71c1c; }
        .why { font-size: 11pt; }
        </style></head><body>
        \(body())</body></html>
        """
    }
}
