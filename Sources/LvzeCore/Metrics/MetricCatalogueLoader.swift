import Foundation
import Yams

/// Reads metric declarations from YAML and checks them against the ledger kinds: a metric
/// that names a field the kind lacks, or an enum value the field does not allow, stops start
/// with file and line, as a bad ledger does.
///
/// ```yaml
/// metrics:
///   - id: safety.hazards.rectified
///     label: 整改隐患
///     unit: 条
///     kind: hazard
///     aggregate: count
///     state: [已销号]
///     basis: 本年度排查出的隐患中，截至12月31日已销号的
/// ```
public enum MetricCatalogueLoader {
    static let idPattern = "^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)+$"

    public static func load(yaml: String, file: String, catalogue: Catalogue) throws -> [MetricDefinition] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw CatalogueError(file: file, line: CatalogueLoader.yamlLine(error), message: "YAML格式错误：\(CatalogueLoader.yamlProblem(error))")
        }
        guard let root, let mapping = root.mapping, let list = mapping["metrics"]?.sequence else {
            throw CatalogueError(file: file, line: root?.mark?.line, message: "文件顶层应为包含 metrics 列表的映射")
        }
        try CatalogueLoader.checkKeys(mapping, allowed: ["metrics"], file: file, what: "文件顶层")
        return try list.map { try parse($0, file: file, catalogue: catalogue) }
    }

    /// Checks references between metrics (shares, year-on-year, claims) once every file is read.
    public static func checkReferences(_ metrics: [MetricDefinition], file: String) throws {
        var ids: Set<String> = []
        var claimIDs: Set<String> = []
        for m in metrics {
            guard ids.insert(m.id).inserted else { throw CatalogueError(file: file, line: nil, message: "指标编号「\(m.id)」重复") }
            for c in m.claims where !claimIDs.insert(c.id).inserted || ids.contains(c.id) && c.id != m.id {
                throw CatalogueError(file: file, line: nil, message: "表述编号「\(c.id)」重复")
            }
        }
        for m in metrics {
            for d in m.dependencies where !ids.contains(d) {
                throw CatalogueError(file: file, line: nil, message: "指标「\(m.id)」引用的指标「\(d)」不存在")
            }
            if case .yearOnYear(let of) = m.aggregate, let base = metrics.first(where: { $0.id == of }), !base.dependencies.isEmpty {
                throw CatalogueError(file: file, line: nil, message: "指标「\(m.id)」的同比基数「\(of)」须直接由台账计算")
            }
        }
    }

    static func parse(_ node: Node, file: String, catalogue: Catalogue) throws -> MetricDefinition {
        guard let m = node.mapping else { throw CatalogueError(file: file, line: node.mark?.line, message: "每个指标应为映射") }
        let line = node.mark?.line
        try CatalogueLoader.checkKeys(m, allowed: ["id", "label", "unit", "system", "kind", "aggregate", "field", "fields", "weight",
                                                   "fallback", "numerator", "denominator", "of", "builtin", "items", "source",
                                                   "batch", "round_name", "start", "deadline", "period", "date", "end", "where",
                                                   "state", "divisor", "decimals", "basis", "claims"],
                                      file: file, what: "指标")
        func fail(_ message: String, _ at: Node? = nil) -> CatalogueError {
            CatalogueError(file: file, line: at?.mark?.line ?? line, message: message)
        }
        func str(_ key: String, required: Bool = false) throws -> String? {
            guard let v = m[key] else {
                if required { throw fail("指标缺少 \(key)") }
                return nil
            }
            guard v.scalar != nil, let s = v.string else { throw fail("\(key) 应为文字", v) }
            return s
        }
        let id = try str("id", required: true)!
        guard id.range(of: idPattern, options: .regularExpression) != nil else {
            throw fail("指标编号「\(id)」须为以点分隔的小写字母、数字和下划线，如 safety.hazards.found")
        }
        let label = try str("label", required: true)!
        let systemText = try str("system") ?? String(id.prefix { $0 != "." })
        guard let system = LedgerSystem(rawValue: systemText) else { throw fail("指标「\(id)」的 system「\(systemText)」不对") }
        let aggregateText = try str("aggregate", required: true)!

        var kind: LedgerKind?
        if let k = try str("kind") {
            guard let found = catalogue[k] else { throw fail("指标「\(id)」的台账「\(k)」不存在", m["kind"]) }
            kind = found
        }
        func needKind() throws -> LedgerKind {
            guard let kind else { throw fail("指标「\(id)」须指明 kind（台账）") }
            return kind
        }
        func field(_ key: String, numeric: Bool = false, in k: LedgerKind? = nil) throws -> String {
            guard let f = try str(key) else { throw fail("指标「\(id)」的汇总方式 \(aggregateText) 须指明 \(key)") }
            try checkField(f, in: try k ?? needKind(), numeric: numeric, id: id, node: m[key], file: file)
            return f
        }

        let aggregate: MetricAggregate
        switch aggregateText {
        case "count": _ = try needKind(); aggregate = .count
        case "distinct": aggregate = .distinct(field: try field("field"))
        case "distinct_enterprise":
            // The code is the kind's 统一社会信用代码 field (by its type); `field` names the unit's name,
            // used for records without a code.
            let k = try needKind()
            let codes = k.fields.filter { $0.type == .creditCode }
            guard codes.count == 1 else {
                throw fail("指标「\(id)」：台账「\(k.name)」须有且只有一个统一社会信用代码字段（type: credit_code），才能按生产经营单位去重")
            }
            aggregate = .distinctEnterprise(code: codes[0].id, name: try field("field"))
        case "sum":
            let k = try needKind()
            var fields: [String] = []
            if m["fields"] != nil {
                fields = try CatalogueLoader.strings(m["fields"], file: file, key: "fields") ?? []
            } else if let f = try str("field") { fields = [f] }
            guard !fields.isEmpty else { throw fail("指标「\(id)」的 sum 须指明 field 或 fields") }
            for f in fields { try checkField(f, in: k, numeric: true, id: id, node: m["fields"] ?? m["field"], file: file) }
            aggregate = .sum(fields: fields)
        case "mean": aggregate = .mean(field: try field("field", numeric: true))
        case "min": aggregate = .min(field: try field("field", numeric: true))
        case "max": aggregate = .max(field: try field("field", numeric: true))
        case "weighted_mean": aggregate = .weightedMean(field: try field("field", numeric: true), weight: try field("weight", numeric: true))
        case "names": aggregate = .names(field: try field("field"))
        case "distinct_people":
            let fallback = m["fallback"] != nil ? try field("fallback", numeric: true) : nil
            aggregate = .distinctPeople(names: try field("field"), fallbackCount: fallback)
        case "share":
            guard let n = try str("numerator"), let d = try str("denominator") else { throw fail("指标「\(id)」的 share 须指明 numerator 和 denominator") }
            aggregate = .share(numerator: n, denominator: d)
        case "yoy":
            guard let of = try str("of") else { throw fail("指标「\(id)」的 yoy 须指明 of（同比的指标）") }
            aggregate = .yearOnYear(of: of)
        case "rounds_behind":
            let rounds = try needKind()
            guard let itemsID = try str("items"), let items = catalogue[itemsID], items.workflow else {
                throw fail("指标「\(id)」的 items 须为一个整改流程台账")
            }
            guard let source = try str("source") else { throw fail("指标「\(id)」须指明 source（整改问题的来源）") }
            try checkValue(source, field: "source", in: items, id: id, node: m["source"], file: file)
            aggregate = .roundsBehindSchedule(itemKind: itemsID, itemSource: source, batchField: try field("batch", in: items),
                                              roundNameField: try field("round_name", in: rounds),
                                              startField: try field("start", in: rounds), deadlineField: try field("deadline", in: rounds))
        case "organisation":
            guard let b = try str("builtin"), let o = OrganisationMetric(rawValue: b) else {
                throw fail("指标「\(id)」的 builtin 不对，可选：\(OrganisationMetric.allCases.map(\.rawValue).joined(separator: ", "))", m["builtin"])
            }
            aggregate = .organisation(o)
        default:
            throw fail("指标「\(id)」的汇总方式「\(aggregateText)」不对，可选：count, distinct, distinct_enterprise, sum, mean, min, max, weighted_mean, names, distinct_people, share, yoy, rounds_behind, organisation", m["aggregate"])
        }

        let periodText = try str("period") ?? "year"
        guard let period = MetricPeriod(rawValue: periodText) else { throw fail("指标「\(id)」的 period「\(periodText)」不对，可选：year, stock, through, all", m["period"]) }
        let dateField = try str("date")
        if let dateField { try checkField(dateField, in: try needKind(), type: .date, id: id, node: m["date"], file: file) }
        let endField = try str("end")
        if let endField { try checkField(endField, in: try needKind(), type: .date, id: id, node: m["end"], file: file) }
        if period == .stock, endField == nil { throw fail("指标「\(id)」按存量（stock）统计，须指明 end（终止日期字段）") }

        var conditions: [MetricCondition] = []
        if let whereNode = m["where"] {
            guard let w = whereNode.mapping else { throw fail("指标「\(id)」的 where 应为映射", whereNode) }
            let k = try needKind()
            for (keyNode, valueNode) in w {
                guard let key = keyNode.string else { throw fail("where 的键应为字段编号", keyNode) }
                conditions.append(try condition(key, valueNode, kind: k, id: id, file: file))
            }
        }
        var states: [RectificationState] = []
        for s in try CatalogueLoader.strings(m["state"], file: file, key: "state") ?? [] {
            guard let st = RectificationState(rawValue: s) ?? RectificationState.allCases.first(where: { $0.label == s }) else {
                throw fail("指标「\(id)」的 state「\(s)」不对，可选：待整改、整改中、申请销号、已销号", m["state"])
            }
            states.append(st)
        }
        if !states.isEmpty, try needKind().workflow == false { throw fail("指标「\(id)」：台账「\(kind!.name)」没有整改流程，不能按年末状态统计") }

        let divisor = try decimal(m["divisor"], file: file) ?? 1
        guard divisor > 0 else { throw fail("指标「\(id)」的 divisor 须大于0", m["divisor"]) }
        let decimals = try decimal(m["decimals"], file: file).map { NSDecimalNumber(decimal: $0).intValue } ?? 0
        guard (0...4).contains(decimals) else { throw fail("指标「\(id)」的 decimals 须为0到4", m["decimals"]) }

        var claims: [ClaimDefinition] = []
        if let claimsNode = m["claims"] {
            guard let seq = claimsNode.sequence else { throw fail("指标「\(id)」的 claims 应为列表", claimsNode) }
            for c in seq { claims.append(try claim(c, metric: id, file: file)) }
        }
        return MetricDefinition(id: id, label: label, unit: try str("unit") ?? "", system: system, kind: kind?.id, aggregate: aggregate,
                                period: period, dateField: dateField, endField: endField, conditions: conditions, states: states,
                                divisor: divisor, decimals: decimals, basis: try str("basis") ?? "", claims: claims)
    }

    static let columns: [String: FieldType] = ["@closed_on": .date, "@due_date": .date, "@opened_on": .date]

    static func condition(_ key: String, _ node: Node, kind: LedgerKind, id: String, file: String) throws -> MetricCondition {
        func fail(_ message: String) -> CatalogueError { CatalogueError(file: file, line: node.mark?.line, message: "指标「\(id)」：\(message)") }
        if key == "any" {
            guard let m = node.mapping, m.count >= 2 else { throw fail("any 须列出至少两个条件，满足其一即可") }
            let children = try m.map { (k, v) -> MetricCondition in
                guard let name = k.string else { throw fail("any 的键应为字段编号") }
                return try condition(name, v, kind: kind, id: id, file: file)
            }
            return MetricCondition(field: "any", op: .any, children: children)
        }
        let type: FieldType
        if key.hasPrefix("@") {
            guard let t = columns[key] else { throw fail("记录列「\(key)」不对，可选：\(columns.keys.sorted().joined(separator: ", "))") }
            type = t
        } else {
            guard let f = kind.field(key) else { throw fail("台账「\(kind.name)」没有字段「\(key)」") }
            type = f.type
        }
        if let seq = node.sequence {
            let values = try seq.map { item -> MetricOperand in
                guard let s = item.string else { throw fail("「\(key)」的可选值应为文字") }
                return try operand(s, key: key, kind: kind, id: id, node: item, file: file)
            }
            return MetricCondition(field: key, op: .oneOf, values: values)
        }
        if let s = node.string, node.scalar != nil {
            return MetricCondition(field: key, op: .equals, values: [try operand(s, key: key, kind: kind, id: id, node: node, file: file)])
        }
        guard let m = node.mapping else { throw fail("「\(key)」的条件应为值、列表或映射") }
        var op: MetricCondition.Op?
        var values: [MetricOperand] = []
        var orEmpty = false
        for (kNode, vNode) in m {
            let k = kNode.string ?? ""
            if k == "or_empty" { orEmpty = vNode.bool ?? false; continue }
            guard let o = MetricCondition.Op(rawValue: k) else {
                throw fail("「\(key)」的条件「\(k)」不对，可选：eq, in, contains, empty, set, lt, lte, gt, gte, flagged, or_empty")
            }
            op = o
            switch o {
            case .empty, .notEmpty: break
            case .flagged:
                guard type == .unit else { throw fail("只有单位字段可以按单位标记（flagged）筛选") }
                values = try (vNode.sequence ?? [vNode]).map { item in
                    guard let s = item.string, let flag = UnitFlagKind.allCases.first(where: { $0.rawValue == s || $0.label == s }) else {
                        throw fail("单位标记「\(item.string ?? "")」不对")
                    }
                    return .literal(flag.rawValue)
                }
            default:
                values = try (vNode.sequence ?? [vNode]).map { item in
                    guard let s = item.string else { throw fail("「\(key)」的条件值应为文字") }
                    let value = try operand(s, key: key, kind: kind, id: id, node: item, file: file, checkEnum: o == .equals || o == .oneOf)
                    if [.less, .lessOrEqual, .greater, .greaterOrEqual].contains(o), type == .date, case .literal(let l) = value, LocalDate.parse(l) == nil {
                        throw fail("「\(key)」的日期「\(l)」不对")
                    }
                    return value
                }
            }
        }
        guard let op else { throw fail("「\(key)」缺少条件") }
        return MetricCondition(field: key, op: op, values: values, orEmpty: orEmpty)
    }

    static func operand(_ s: String, key: String, kind: LedgerKind, id: String, node: Node, file: String, checkEnum: Bool = true) throws -> MetricOperand {
        switch s {
        case "$year_start": return .yearStart
        case "$year_end": return .yearEnd
        default:
            if s.hasPrefix("$?") { return .setting(String(s.dropFirst(2)), optional: true) }
            if s.hasPrefix("$") { return .setting(String(s.dropFirst()), optional: false) }
            if checkEnum { try checkValue(s, field: key, in: kind, id: id, node: node, file: file) }
            return .literal(s)
        }
    }

    static func checkValue(_ value: String, field: String, in kind: LedgerKind, id: String, node: Node?, file: String) throws {
        guard let f = kind.field(field) else { return }
        if f.type == .enumeration, !f.values.contains(value) {
            throw CatalogueError(file: file, line: node?.mark?.line,
                                 message: "指标「\(id)」：「\(value)」不是「\(f.label)」的可选值（\(f.values.joined(separator: "、"))）")
        }
        if f.type == .boolean, !["是", "否"].contains(value) {
            throw CatalogueError(file: file, line: node?.mark?.line, message: "指标「\(id)」：「\(f.label)」的值应为 是 或 否")
        }
    }

    static func checkField(_ id: String, in kind: LedgerKind, numeric: Bool = false, type: FieldType? = nil, id metric: String, node: Node?, file: String) throws {
        guard let f = kind.field(id) else {
            throw CatalogueError(file: file, line: node?.mark?.line, message: "指标「\(metric)」：台账「\(kind.name)」没有字段「\(id)」")
        }
        if numeric, ![.integer, .decimal, .money].contains(f.type) {
            throw CatalogueError(file: file, line: node?.mark?.line, message: "指标「\(metric)」：字段「\(f.label)」不是数字，不能汇总")
        }
        if let type, f.type != type {
            throw CatalogueError(file: file, line: node?.mark?.line, message: "指标「\(metric)」：字段「\(f.label)」须为\(type.label)")
        }
    }

    static func decimal(_ node: Node?, file: String) throws -> Decimal? {
        guard let node else { return nil }
        guard let s = node.string, let d = Decimal(string: s, locale: Locale(identifier: "en_US_POSIX")) else {
            throw CatalogueError(file: file, line: node.mark?.line, message: "应为数字")
        }
        return d
    }

    static func claim(_ node: Node, metric: String, file: String) throws -> ClaimDefinition {
        guard let m = node.mapping, let id = m["id"]?.string, let words = m["words"]?.string, let holds = m["holds"]?.string else {
            throw CatalogueError(file: file, line: node.mark?.line, message: "指标「\(metric)」的表述须有 id、words、holds")
        }
        try CatalogueLoader.checkKeys(m, allowed: ["id", "words", "holds", "failure"], file: file, what: "表述")
        guard let (cmp, threshold) = ClaimDefinition.Comparison.parse(holds) else {
            throw CatalogueError(file: file, line: m["holds"]?.mark?.line, message: "表述「\(id)」的 holds 应写成「== 0」「>= 100」这样的比较")
        }
        return ClaimDefinition(id: id, words: words, metric: metric, comparison: cmp, threshold: threshold,
                               failure: m["failure"]?.string ?? "记录显示为{value}，不支持这一表述")
    }
}
