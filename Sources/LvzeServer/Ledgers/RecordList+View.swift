import LvzeCore

/// The list page's markup, built in Swift rather than in the template: on a busy list the
/// template engine's per-cell expressions cost more than the database.
extension RecordList {
    /// The table's rows; the title column links to the record. Written into one buffer: a page
    /// has some three hundred cells.
    static func tableBody(_ rows: [Row], kindID: String, linkColumn: Int, columns: Int, empty: String = "没有符合条件的记录。") -> HTML {
        guard !rows.isEmpty else { return "<tr><td colspan=\"\(columns)\" class=\"empty\">\(empty)</td></tr>" }
        var b = HTML.Builder(capacity: rows.count * 400)
        for r in rows {
            if r.tier.isEmpty { b += "<tr>" } else { b += "<tr class=\"tier-"; b.text(r.tier); b += "\">" }
            for (i, cell) in r.cells.enumerated() {
                if i == linkColumn {
                    b += "<td><a href=\""
                    b.url(SiteURL.record(kindID, r.id))
                    b += "\">"
                    if cell.isEmpty { b += "（未填）" } else { b.text(cell) }
                    b += "</a></td>"
                } else {
                    b += "<td>"
                    b.text(cell)
                    b += "</td>"
                }
            }
            b += "</tr>\n"
        }
        return b.html
    }

    /// Title bar, filters, count, table and pager.
    var body: HTML {
        let exports = HTML.each([("xlsx", "导出Excel"), ("csv", "导出CSV")]) { format, label in
            "    <a class=\"button\" href=\"\(SiteURL.recordExport(kind.id, query: exportQuery + [("format", format)]))\">\(label)</a>\n"
        }
        let writing: HTML = .when(canWrite) {
            "    <a class=\"button\" href=\"\(SiteURL.recordImport(kind.id))\">导入</a><a class=\"button primary\" href=\"\(SiteURL.recordNew(kind.id))\">新增记录</a>\n"
        }
        let description: HTML = .when(!kind.description.isEmpty) { "<p class=\"muted\">\(kind.description)</p>\n" }
        let errors: HTML = .when(!problems.isEmpty) {
            "<div class=\"errors\" role=\"alert\"><ul>\(HTML.each(problems) { "<li>\($0)</li>" })</ul></div>\n"
        }
        // With a problem nothing was searched, and no count is shown.
        let count: HTML = .when(problems.isEmpty) { "<p class=\"muted small\">符合条件\(total)条\(totalCapped ? "以上" : "")。</p>" }
        let first: HTML = first.map { "<a href=\"\($0)\">‹ 回到第一页</a>" } ?? .empty
        let next: HTML = next.map { "<a href=\"\($0)\">下一页 ›</a>" } ?? .empty
        return """
            <p class="crumbs"><a href="\(kind.systemURL)">\(kind.system)</a> ›</p>
            <div class="titlebar">
              <h1>\(kind.name)</h1>
              <div class="actions">
            \(exports)\(writing)  </div>
            </div>
            \(description)\(errors)\(filterForm)
            \(count)
            <table class="data records">
            <thead><tr>\(HTML.each(columns) { "<th>\($0.label)</th>" })</tr></thead>
            <tbody>
            \(Self.tableBody(rows, kindID: kind.id, linkColumn: linkColumn, columns: columns.count,
                             empty: problems.isEmpty ? "没有符合条件的记录。" : "未检索：请按上面的提示修改条件后再试。"))
            </tbody></table>
            <p class="pager">\(first) \(next)</p>

            """
    }

    /// Unit, year, status, each enum, yes/no and date field, text, sort.
    var filterForm: HTML {
        func options(_ options: [SelectOption]) -> HTML {
            HTML.each(options) { o in "<option value=\"\(o.value)\"\(o.selected ? HTML(" selected") : .empty)>\(o.label)</option>" }
        }
        let status: HTML = .when(kind.workflow) {
            "  <label>状态<select name=\"status\"><option value=\"\">全部</option>\(options(statuses))</select></label>\n"
        }
        let fields = HTML.each(filters) { f in
            if f.isDate {
                return """
                      <label>\(f.label)起<input type="date" name="f_\(f.id)_from" value="\(f.from)"></label>
                      <label>\(f.label)止<input type="date" name="f_\(f.id)_to" value="\(f.to)"></label>

                    """
            }
            return "  <label>\(f.label)<select name=\"f_\(f.id)\"><option value=\"\">全部</option>\(options(f.options))</select></label>\n"
        }
        return """
            <form method="get" action="\(SiteURL.records(kind.id))" class="filters">
              <label>单位<input name="unit" value="\(unitCode)" placeholder="代码或名称，含下级" size="14" data-unit-search></label>
              <label>年度<input name="year" value="\(year)" inputmode="numeric" size="5"></label>
            \(status)\(fields)  <label>关键词<input name="q" value="\(query)"></label>
              <label>排序<select name="sort">\(options(sorts))</select></label>
              <button type="submit">查询</button>
              <a href="\(SiteURL.records(kind.id))">清除条件</a>
            </form>
            """
    }
}
