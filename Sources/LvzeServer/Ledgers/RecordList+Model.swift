import Fluent
import Foundation
import LvzeCore

/// One page of a ledger's list: the filter as the user set it, the count, the rows and the
/// pager. `load` runs the queries; `RecordList+View` writes the markup.
struct RecordList {
    struct Column: Encodable {
        var id: String
        var label: String
    }

    struct Row: Encodable {
        var id: Int
        var cells: [String]
        var tier: String
    }

    struct FilterField: Encodable {
        var id: String
        var label: String
        var isDate: Bool
        var options: [SelectOption]
        var from: String
        var to: String
    }

    /// What the list's query string asked for, read by the handler.
    struct Parameters {
        var filter: RecordFilter
        var problems: [String]
        var unitCode: String
        var sort: String
        var after: String
    }

    static let pageSize = 50
    static let sortOptions: [(String, String)] = [
        ("-id", "最近录入在前"), ("id", "最早录入在前"), ("-record_date", "日期从近到远"), ("record_date", "日期从远到近"),
        ("due_date", "整改时限从近到远"), ("title", "标题"),
    ]

    var kind: KindSummary
    var canWrite: Bool
    var exportQuery: [(String, String)]
    var problems: [String]
    var unitCode: String
    var year: String
    var query: String
    var statuses: [SelectOption]
    var filters: [FilterField]
    var sorts: [SelectOption]
    var total = 0
    var totalCapped = false
    var columns: [Column]
    var rows: [Row] = []
    var linkColumn: Int
    var first: SiteURL?
    var next: SiteURL?

    /// Keyset pagination: the cursor is the last row's sort value and id, so every page
    /// costs the same however deep it is.
    static func load(_ kind: LedgerKind, _ parameters: Parameters, canWrite: Bool, today: LocalDate,
                     warning: DeadlineWarningSettings, counts: KeptCounts, on db: any Database) async throws -> RecordList {
        let filter = parameters.filter
        let sortKey = sortOptions.map(\.0).contains(parameters.sort) && (parameters.sort != "due_date" || kind.workflow) ? parameters.sort : "-id"
        let unitItems = parameters.unitCode.isEmpty ? [] : [("unit", parameters.unitCode)]
        var list = RecordList(
            kind: KindSummary(kind), canWrite: canWrite, exportQuery: filter.queryItems + unitItems, problems: parameters.problems,
            unitCode: parameters.unitCode, year: filter.year.map(String.init) ?? "", query: filter.text,
            statuses: RectificationState.allCases.map { SelectOption(value: $0.rawValue, label: $0.label, selected: filter.status == $0) },
            filters: filterFields(kind, filter),
            sorts: sortOptions.filter { $0.0 != "due_date" || kind.workflow }.map { SelectOption(value: $0.0, label: $0.1, selected: $0.0 == sortKey) },
            columns: kind.listColumns.map { Column(id: $0, label: columnLabel($0, kind)) },
            linkColumn: kind.listColumns.firstIndex(of: kind.titleField) ?? 0)
        let pageLink = { (extra: [(String, String)]) in SiteURL.records(kind.id, query: filter.queryItems + [("sort", sortKey)] + extra) }
        if !parameters.after.isEmpty { list.first = pageLink(unitItems) }
        guard parameters.problems.isEmpty else { return list }
        var records: [RecordRow], counted: (count: Int, capped: Bool)
        do {
            (records, counted) = try await RecordRow.list(filter, sort: sortKey, after: parameters.after, limit: pageSize + 1,
                                                          countingTo: 1_000, counts: counts, on: db)
        } catch let tooSlow as RecordRow.TooSlow {
            // Said where the filters' problems are, above the filters to narrow.
            list.problems.append(tooSlow.reason)
            return list
        }
        (list.total, list.totalCapped) = counted
        if records.count > pageSize {
            records = Array(records.prefix(pageSize))
            list.next = pageLink([("after", cursor(records.last!, sortKey))] + unitItems)
        }
        list.rows = try await rows(records, kind: kind, today: today, warning: warning, on: db)
        return list
    }

    /// The enum, yes/no and date fields the list can be filtered by, as set now.
    static func filterFields(_ kind: LedgerKind, _ filter: RecordFilter) -> [FilterField] {
        kind.fields.compactMap { f in
            switch f.type {
            case .enumeration:
                return FilterField(id: f.id, label: f.label, isDate: false,
                                   options: f.values.map { SelectOption(value: $0, label: $0, selected: filter.equals[f.id] == $0) }, from: "", to: "")
            case .boolean:
                return FilterField(id: f.id, label: f.label, isDate: false,
                                   options: [SelectOption(value: "是", label: "是", selected: filter.equals[f.id] == "true"),
                                             SelectOption(value: "否", label: "否", selected: filter.equals[f.id] == "false")], from: "", to: "")
            case .date:
                let r = filter.dateRanges[f.id]
                return FilterField(id: f.id, label: f.label, isDate: true, options: [], from: r?.from?.iso ?? "", to: r?.to?.iso ?? "")
            default: return nil
            }
        }
    }

    static func cursor(_ r: RecordRow, _ sort: String) -> String {
        let column = sort.hasPrefix("-") ? String(sort.dropFirst()) : sort
        switch column {
        case "record_date": return "\(r.recordDate)|\(r.id)"
        case "due_date": return "\(r.dueDate ?? "")|\(r.id)"
        case "title": return "\(r.title)|\(r.id)"
        default: return String(r.id)
        }
    }

    static func columnLabel(_ id: String, _ kind: LedgerKind) -> String {
        switch id {
        case "unit": return "责任单位"
        case "status": return "状态"
        case "updated_at": return "更新时间"
        default: return kind.field(id)?.header ?? kind.computedField(id)?.label ?? id
        }
    }

    /// Display rows with references resolved to names in two queries, not one per cell.
    static func rows(_ records: [RecordRow], kind: LedgerKind, today: LocalDate, warning: DeadlineWarningSettings,
                     on db: any Database) async throws -> [Row] {
        var known: [Int: String] = [:]
        for r in records { if let name = r.unitName { known[r.unitID] = name } }
        let names = try await ReferenceNames.load(records.map { ($0.unitID, $0.data) }, kind: kind, known: known, on: db)
        // Only the listed fields are read, and what listed computed fields read.
        let computed = kind.listColumns.compactMap(kind.computedField)
        let inputs = Set(computed.flatMap(\.inputs.values))
        let listed = FieldJSON.Reader(fields: kind.fields.filter { kind.listColumns.contains($0.id) || inputs.contains($0.id) })
        return records.map { r in
            let values = listed.decode(r.data)
            let cells = kind.listColumns.map { column -> String in
                switch column {
                case "unit": return names.unit(r.unitID)
                case "status": return r.state?.label ?? ""
                case "updated_at": return ISOTime.local(r.updatedAt)
                default:
                    if let c = kind.computedField(column) { return c.evaluate(values, kind: kind, today: today)?.text ?? "" }
                    return names.display(values[column], field: kind.field(column))
                }
            }
            var tier = ""
            if kind.workflow, let state = r.state, let due = r.dueDate.flatMap(LocalDate.parse), let opened = LocalDate.parse(r.openedOn) {
                let schedule = RectificationSchedule(created: opened, deadline: due)
                tier = schedule.warningTier(on: today, isClosed: state.isClosed, settings: warning)?.rawValue ?? ""
            }
            return Row(id: r.id, cells: cells, tier: tier)
        }
    }
}

/// A kind as pages name it: its name, its system and the system's page.
struct KindSummary: Encodable {
    var id: String
    var name: String
    var system: String
    var systemPath: String
    var workflow: Bool
    var description: String

    init(_ kind: LedgerKind) {
        id = kind.id
        name = kind.name
        system = kind.system.label
        systemPath = ResponsibilitySystem(rawValue: kind.system.rawValue).map { SiteURL.system($0).path } ?? Endpoint.ledgers.rawValue
        workflow = kind.workflow
        description = kind.description
    }

    var systemURL: HTML { "\(systemPath)" }
}
