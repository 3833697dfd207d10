import Fluent
import Foundation
import LvzeCore
import LvzeOffice
import Vapor

/// Writes a filtered list to XLSX (bold frozen header, widths, real dates and numbers) or
/// CSV (UTF-8 with BOM), reading the records in pages so memory stays flat.
struct LedgerExporter {
    let kind: LedgerKind
    let db: any Database
    /// The day computed values are reckoned on (a reply overdue as of today).
    var today = LocalDate(Date())

    enum Format: String {
        case xlsx, csv
    }

    var fields: [FieldSpec] { kind.fields.filter { $0.type != .attachments } }

    func columns() -> [ExportColumn] {
        var cols = [ExportColumn("序号", kind: .integer, width: 6), ExportColumn("责任单位", width: 18)]
        for f in fields {
            let k: ExportColumn.Kind
            switch f.type {
            case .integer: k = .integer
            case .decimal, .money: k = .decimal(places: f.type == .money ? min(f.decimals, 4) : 2)
            case .date: k = .date
            case .boolean: k = .boolean
            default: k = .text
            }
            cols.append(ExportColumn(f.header, kind: k, width: f.type == .longText ? 40 : nil))
        }
        for c in kind.computed { cols.append(ExportColumn(c.label, width: 16)) }
        if kind.workflow {
            cols += [ExportColumn("状态", width: 10), ExportColumn("销号日期", kind: .date), ExportColumn("延期次数", kind: .integer)]
        }
        return cols
    }

    func values(_ r: RecordRow, index: Int, names: ReferenceNames, today: LocalDate) -> [ExportValue] {
        let v = FieldJSON.decode(r.data, kind: kind)
        var out: [ExportValue] = [.integer(index), .text(names.unit(r.unitID))]
        for f in fields {
            switch v[f.id] {
            case .integer(let i)?: out.append(.integer(i))
            case .decimal(let d)?: out.append(.decimal(NSDecimalNumber(decimal: d).doubleValue))
            case .date(let d)?: out.append(.date(d))
            case .boolean(let b)?: out.append(.boolean(b))
            case .some(let value): out.append(.text(names.display(value, field: f)))
            case nil: out.append(.empty)
            }
        }
        for c in kind.computed { out.append(c.evaluate(v, kind: kind, today: today).map { .text($0.text) } ?? .empty) }
        if kind.workflow {
            out += [.text(r.state?.label ?? ""), .date(r.closedOn.flatMap(LocalDate.parse)), .integer(WorkflowData.decode(r.workflow).extensions)]
        }
        return out
    }

    /// Writes every record matching `filter` to `url`; returns the count.
    func write(_ filter: RecordFilter, format: Format, to url: URL, threadPool: NIOThreadPool) async throws -> Int {
        let cols = columns()
        let sheet = XLSXWriter.sanitizedSheetName(kind.name)
        let box = WriterBox(xlsx: format == .xlsx ? try XLSXWriter(url: url, sheetName: sheet, columns: cols) : nil,
                            csv: format == .csv ? try CSVWriter(url: url, columns: cols) : nil)
        var lastID = Int.max
        var count = 0
        while true {
            let page = try await RecordRow.page(filter, beforeID: lastID, limit: 2000, on: db)
            if page.isEmpty { break }
            let names = try await ReferenceNames.load(page.map { ($0.unitID, $0.data) }, kind: kind, on: db)
            let rows = page.enumerated().map { values($1, index: count + $0 + 1, names: names, today: today) }
            try await threadPool.runIfActive {
                for row in rows { try box.append(row) }
            }
            count += page.count
            lastID = page.last!.id
        }
        try await threadPool.runIfActive {
            try box.finish()
        }
        return count
    }
}

/// The writers are used by one task at a time, one page after another, off the event loop.
private final class WriterBox: @unchecked Sendable {
    let xlsx: XLSXWriter?
    let csv: CSVWriter?

    init(xlsx: XLSXWriter?, csv: CSVWriter?) {
        self.xlsx = xlsx
        self.csv = csv
    }

    func append(_ row: [ExportValue]) throws {
        if let xlsx { try xlsx.append(row) } else { try csv?.append(row) }
    }

    func finish() throws {
        if let xlsx { try xlsx.finish() } else { try csv?.finish() }
    }
}
