import Foundation
import Yams

/// A problem in a catalogue file, with where it is: 「safety.yaml」第12行：…
public struct CatalogueError: Error, Sendable, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int?
    public var message: String

    public var description: String {
        line.map { "「\(file)」第\($0)行：\(message)" } ?? "「\(file)」：\(message)"
    }
}

/// Reads ledger kinds from YAML and checks them; every problem names its file and line.
///
/// ```yaml
/// kinds:
///   - id: hazard
///     name: 隐患排查治理台账
///     system: safety
///     workflow: true
///     title: description
///     date: found_on
///     fields:
///       - {id: found_on, label: 排查时间, type: date, required: true, aliases: [检查时间]}
/// ```
public enum CatalogueLoader {
    static let idPattern = "^[a-z][a-z0-9_]{0,39}$"

    public static func load(yaml: String, file: String) throws -> [LedgerKind] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw CatalogueError(file: file, line: yamlLine(error), message: "YAML格式错误：\(yamlProblem(error))")
        }
        guard let root, let mapping = root.mapping else {
            throw CatalogueError(file: file, line: root?.mark?.line, message: "文件顶层应为包含 kinds 的映射")
        }
        try checkKeys(mapping, allowed: ["kinds"], file: file, what: "文件顶层")
        guard let kindsNode = mapping["kinds"], let kinds = kindsNode.sequence else {
            throw CatalogueError(file: file, line: root.mark?.line, message: "缺少 kinds 列表")
        }
        var out: [LedgerKind] = []
        for node in kinds {
            let kind = try parseKind(node, file: file, builtIn: true)
            if out.contains(where: { $0.id == kind.id }) {
                throw CatalogueError(file: file, line: node.mark?.line, message: "台账编号「\(kind.id)」重复")
            }
            out.append(kind)
        }
        return out
    }

    /// Checks a kind built from a page (custom ledger) with the same rules as the files.
    public static func check(_ kind: LedgerKind) -> [String] {
        var problems: [String] = []
        if kind.id.range(of: idPattern, options: .regularExpression) == nil {
            problems.append("台账编号「\(kind.id)」须以小写字母开头，由小写字母、数字和下划线组成，最长40位")
        }
        if kind.name.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("台账名称不能为空") }
        var seen: Set<String> = []
        for field in kind.fields {
            if field.id.range(of: idPattern, options: .regularExpression) == nil {
                problems.append("字段编号「\(field.id)」须以小写字母开头，由小写字母、数字和下划线组成")
            }
            if !seen.insert(field.id).inserted { problems.append("字段编号「\(field.id)」重复") }
            if field.label.trimmingCharacters(in: .whitespaces).isEmpty { problems.append("字段「\(field.id)」缺少名称") }
            if field.type == .enumeration, field.values.isEmpty { problems.append("选项字段「\(field.label)」须列出可选值") }
            if field.type != .enumeration, !field.values.isEmpty { problems.append("字段「\(field.label)」不是选项字段，不能列出可选值") }
            if Set(field.values).count != field.values.count { problems.append("选项字段「\(field.label)」的可选值有重复") }
            if let d = field.defaultValue, case .failure(let e) = field.parse(d) { problems.append("字段「\(field.label)」的默认值\(e.message)") }
        }
        var headers: [String: String] = [:]
        for field in kind.fields {
            for key in Set(field.headerKeys) {
                if let other = headers[key], other != field.id {
                    problems.append("字段「\(field.label)」与「\(kind.field(other)?.label ?? other)」的表头别名「\(key)」重复，导入时无法区分")
                }
                headers[key] = field.id
            }
        }
        for computed in kind.computed {
            if kind.field(computed.id) != nil || kind.computed.filter({ $0.id == computed.id }).count > 1 || builtInColumns.contains(computed.id) {
                problems.append("计算字段编号「\(computed.id)」与其他字段重复")
            }
            for input in computed.rule.inputs {
                guard let id = computed.inputs[input.name] else {
                    if input.required { problems.append("计算字段「\(computed.label)」缺少输入 \(input.name)") }
                    continue
                }
                guard let f = kind.field(id) else { problems.append("计算字段「\(computed.label)」的输入「\(id)」不是本台账的字段"); continue }
                if !input.types.contains(f.type) {
                    problems.append("计算字段「\(computed.label)」的输入「\(f.label)」须为\(input.types.map(\.label).joined(separator: "或"))")
                }
            }
            for key in computed.inputs.keys where !computed.rule.inputs.contains(where: { $0.name == key }) {
                problems.append("计算字段「\(computed.label)」的规则 \(computed.rule.rawValue) 没有输入 \(key)")
            }
            for key in computed.parameters.keys where computed.rule.parameters[key] == nil {
                problems.append("计算字段「\(computed.label)」的规则 \(computed.rule.rawValue) 没有参数 \(key)")
            }
        }
        for rule in kind.rules {
            for id in rule.fieldIDs where kind.field(id) == nil { problems.append("规则中的字段「\(id)」不是本台账的字段") }
            switch rule {
            case .notBefore(let fields, let than):
                for id in fields + [than] where kind.field(id).map({ $0.type != .date }) ?? false { problems.append("规则中的字段「\(id)」须为日期") }
            case .daysAhead(let field, let than, _, _, _), .followUp(let field, let than, _, _, _):
                for id in [field, than] where kind.field(id).map({ $0.type != .date }) ?? false { problems.append("规则中的字段「\(id)」须为日期") }
            case .planBeforeClosure(let when, let values, _, _):
                if !kind.workflow { problems.append("销号前须填写的方案只适用于走整改流程的台账") }
                if let f = kind.field(when), f.type == .enumeration, let bad = values.first(where: { !f.values.contains($0) }) {
                    problems.append("规则中的「\(bad)」不是「\(f.label)」的可选值")
                }
            }
        }
        for column in kind.listColumns where kind.field(column) == nil && kind.computedField(column) == nil && !builtInColumns.contains(column) {
            problems.append("列表列「\(column)」不是本台账的字段")
        }
        if kind.field(kind.titleField) == nil { problems.append("标题字段「\(kind.titleField)」不是本台账的字段") }
        else if let t = kind.field(kind.titleField), ![.text, .longText, .enumeration].contains(t.type) {
            problems.append("标题字段「\(t.label)」须为文本或选项")
        }
        if let d = kind.dateField {
            if kind.field(d)?.type != .date { problems.append("日期字段「\(d)」须为本台账的日期字段") }
        }
        if let a = kind.amountField {
            if ![.money, .decimal, .integer].contains(kind.field(a)?.type) { problems.append("金额字段「\(a)」须为本台账的金额或数字字段") }
        }
        if let f = kind.systemField {
            let labels = Set(LedgerSystem.allCases.filter { $0 != .common }.map(\.label))
            if kind.system != .common { problems.append("system_field 只用于四个责任制共用的台账（system: common）") }
            else if let spec = kind.field(f), spec.type == .enumeration, Set(spec.values).isSubset(of: labels) {}
            else { problems.append("system_field「\(f)」须为本台账的选项字段，选项为\(LedgerSystem.allCases.filter { $0 != .common }.map(\.label).joined(separator: "、"))") }
        }
        for f in kind.declaredKey where f != LedgerKind.unitKey {
            if kind.field(f) == nil || kind.field(f)?.type == .attachments {
                problems.append("natural_key 中的「\(f)」须为本台账的字段（附件除外）或 unit")
            }
        }
        if kind.readers.isEmpty { problems.append("至少要有一个可以查阅的角色") }
        if kind.readers.contains(where: \.isAdministrator) || kind.writers.contains(where: \.isAdministrator) {
            problems.append("管理员角色不能查阅或录入业务台账（三员分立）")
        }
        return problems
    }

    /// List columns that are not fields but every record has.
    public static let builtInColumns: Set<String> = ["unit", "status", "updated_at"]

    static func parseKind(_ node: Node, file: String, builtIn: Bool) throws -> LedgerKind {
        guard let m = node.mapping else { throw CatalogueError(file: file, line: node.mark?.line, message: "每个台账应为映射") }
        try checkKeys(m, allowed: ["id", "name", "system", "workflow", "title", "date", "amount", "list", "readers",
                                   "writers", "sensitive", "description", "fields", "computed", "rules", "system_field", "natural_key"], file: file, what: "台账")
        func str(_ key: String, required: Bool = true) throws -> String? {
            guard let v = m[key] else {
                if required { throw CatalogueError(file: file, line: node.mark?.line, message: "台账缺少 \(key)") }
                return nil
            }
            guard let s = v.string, v.scalar != nil else { throw CatalogueError(file: file, line: v.mark?.line, message: "\(key) 应为文字") }
            return s
        }
        let id = try str("id")!
        let systemText = try str("system")!
        guard let system = LedgerSystem(rawValue: systemText) else {
            throw CatalogueError(file: file, line: m["system"]?.mark?.line,
                                 message: "system「\(systemText)」不对，可选：\(LedgerSystem.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let workflow = try bool(m["workflow"], file: file, key: "workflow") ?? false
        guard let fieldsNode = m["fields"], let fieldNodes = fieldsNode.sequence, !fieldNodes.isEmpty else {
            throw CatalogueError(file: file, line: node.mark?.line, message: "台账「\(id)」缺少 fields 列表")
        }
        var fields: [FieldSpec] = []
        for f in fieldNodes {
            let field = try parseField(f, file: file)
            if fields.contains(where: { $0.id == field.id }) {
                throw CatalogueError(file: file, line: f.mark?.line, message: "字段编号「\(field.id)」重复")
            }
            fields.append(field)
        }
        if workflow {
            for standard in LedgerKind.workflowFields where !fields.contains(where: { $0.id == standard.id }) {
                fields.append(standard)
            }
        }
        // Every ledger has somewhere to keep what its other fields do not (and an import's extra columns).
        if !fields.contains(where: { $0.id == LedgerKind.noteField || $0.label == LedgerKind.noteSpec.label }) {
            fields.append(LedgerKind.noteSpec)
        }
        let list = try strings(m["list"], file: file, key: "list") ?? Array(fields.prefix(5).map(\.id))
        let readers = try roles(m["readers"], file: file, key: "readers") ?? LedgerKind.defaultReaders
        let writers = try roles(m["writers"], file: file, key: "writers") ?? [.clerk]
        let kind = LedgerKind(
            id: id, name: try str("name")!, system: system, fields: fields, listColumns: list,
            titleField: try str("title", required: false) ?? fields.first(where: { $0.type == .text || $0.type == .longText })?.id ?? fields[0].id,
            dateField: try str("date", required: false), amountField: try str("amount", required: false),
            workflow: workflow, readers: readers, writers: writers,
            sensitive: try bool(m["sensitive"], file: file, key: "sensitive") ?? false, builtIn: builtIn,
            description: try str("description", required: false) ?? "",
            computed: try (m["computed"]?.sequence ?? []).map { try parseComputed($0, file: file) },
            rules: try (m["rules"]?.sequence ?? []).map { try parseRule($0, file: file) },
            systemField: try str("system_field", required: false),
            naturalKey: try strings(m["natural_key"], file: file, key: "natural_key") ?? [])
        if m["computed"] != nil, m["computed"]?.sequence == nil {
            throw CatalogueError(file: file, line: m["computed"]?.mark?.line, message: "computed 应为列表")
        }
        if m["rules"] != nil, m["rules"]?.sequence == nil {
            throw CatalogueError(file: file, line: m["rules"]?.mark?.line, message: "rules 应为列表")
        }
        if let problem = check(kind).first {
            throw CatalogueError(file: file, line: node.mark?.line, message: "台账「\(id)」：\(problem)")
        }
        return kind
    }

    static func parseField(_ node: Node, file: String) throws -> FieldSpec {
        guard let m = node.mapping else { throw CatalogueError(file: file, line: node.mark?.line, message: "每个字段应为映射") }
        try checkKeys(m, allowed: ["id", "label", "type", "required", "values", "unit_kinds", "scale", "decimals",
                                   "aliases", "help", "min", "max", "default"], file: file, what: "字段")
        guard let id = m["id"]?.string else { throw CatalogueError(file: file, line: node.mark?.line, message: "字段缺少 id") }
        guard let label = m["label"]?.string else { throw CatalogueError(file: file, line: node.mark?.line, message: "字段「\(id)」缺少 label") }
        guard let typeText = m["type"]?.string else { throw CatalogueError(file: file, line: node.mark?.line, message: "字段「\(id)」缺少 type") }
        guard let type = FieldType(rawValue: typeText) else {
            throw CatalogueError(file: file, line: m["type"]?.mark?.line,
                                 message: "字段「\(id)」的类型「\(typeText)」不对，可选：\(FieldType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var unitKinds: [UnitKind] = []
        for k in try strings(m["unit_kinds"], file: file, key: "unit_kinds") ?? [] {
            guard let kind = UnitKind(rawValue: k) else {
                throw CatalogueError(file: file, line: m["unit_kinds"]?.mark?.line, message: "字段「\(id)」的单位类型「\(k)」不对")
            }
            unitKinds.append(kind)
        }
        var scale = MoneyScale.yuan
        if let s = m["scale"]?.string {
            guard let v = MoneyScale(rawValue: s) else {
                throw CatalogueError(file: file, line: m["scale"]?.mark?.line, message: "字段「\(id)」的金额单位「\(s)」不对，可选：元、万元")
            }
            scale = v
        }
        func number(_ key: String) throws -> Decimal? {
            guard let n = m[key] else { return nil }
            guard let s = n.string, let d = Decimal(string: s, locale: Locale(identifier: "en_US_POSIX")) else {
                throw CatalogueError(file: file, line: n.mark?.line, message: "字段「\(id)」的 \(key) 应为数字")
            }
            return d
        }
        let decimals = try number("decimals").map { NSDecimalNumber(decimal: $0).intValue } ?? (type == .money ? 2 : 4)
        return FieldSpec(id: id, label: label, type: type, required: try bool(m["required"], file: file, key: "required") ?? false,
                         values: try strings(m["values"], file: file, key: "values") ?? [], unitKinds: unitKinds,
                         moneyScale: scale, decimals: decimals, aliases: try strings(m["aliases"], file: file, key: "aliases") ?? [],
                         help: m["help"]?.string ?? "", min: try number("min"), max: try number("max"),
                         defaultValue: m["default"]?.string)
    }

    static func parseComputed(_ node: Node, file: String) throws -> ComputedField {
        guard let m = node.mapping else { throw CatalogueError(file: file, line: node.mark?.line, message: "每个计算字段应为映射") }
        try checkKeys(m, allowed: ["id", "label", "rule", "inputs", "parameters"], file: file, what: "计算字段")
        guard let id = m["id"]?.string, let label = m["label"]?.string else {
            throw CatalogueError(file: file, line: node.mark?.line, message: "计算字段须有 id 和 label")
        }
        guard let ruleText = m["rule"]?.string, let rule = ComputedField.Rule(rawValue: ruleText) else {
            throw CatalogueError(file: file, line: m["rule"]?.mark?.line ?? node.mark?.line,
                                 message: "计算字段「\(id)」的 rule 不对，可选：\(ComputedField.Rule.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return ComputedField(id: id, label: label, rule: rule, inputs: try textMap(m["inputs"], file: file, key: "inputs"),
                             parameters: try textMap(m["parameters"], file: file, key: "parameters"))
    }

    static func parseRule(_ node: Node, file: String) throws -> KindRule {
        guard let m = node.mapping, let name = m["rule"]?.string else {
            throw CatalogueError(file: file, line: node.mark?.line, message: "每条规则应为含 rule 的映射")
        }
        func text(_ key: String) throws -> String {
            guard let s = m[key]?.string, m[key]?.scalar != nil else {
                throw CatalogueError(file: file, line: node.mark?.line, message: "规则 \(name) 缺少 \(key)")
            }
            return s
        }
        func list(_ key: String) throws -> [String] {
            guard let l = try strings(m[key], file: file, key: key), !l.isEmpty else {
                throw CatalogueError(file: file, line: node.mark?.line, message: "规则 \(name) 缺少 \(key) 列表")
            }
            return l
        }
        switch name {
        case "not_before":
            try checkKeys(m, allowed: ["rule", "fields", "than"], file: file, what: "规则")
            return .notBefore(fields: try list("fields"), than: try text("than"))
        case "days_ahead":
            try checkKeys(m, allowed: ["rule", "field", "than", "days", "setting", "action"], file: file, what: "规则")
            guard let days = Int(try text("days")), days >= 0 else {
                throw CatalogueError(file: file, line: m["days"]?.mark?.line, message: "规则 days_ahead 的 days 应为非负整数")
            }
            return .daysAhead(field: try text("field"), than: try text("than"), days: days,
                              setting: m["setting"]?.string, action: try text("action"))
        case "plan_before_closure":
            try checkKeys(m, allowed: ["rule", "when", "values", "requires", "name"], file: file, what: "规则")
            return .planBeforeClosure(when: try text("when"), values: try list("values"), requires: try list("requires"), name: try text("name"))
        case "follow_up":
            try checkKeys(m, allowed: ["rule", "since", "until", "days", "setting", "action"], file: file, what: "规则")
            guard let days = Int(try text("days")), days > 0 else {
                throw CatalogueError(file: file, line: m["days"]?.mark?.line, message: "规则 follow_up 的 days 应为正整数")
            }
            return .followUp(since: try text("since"), until: try text("until"), days: days, setting: m["setting"]?.string,
                             action: try text("action"))
        default:
            throw CatalogueError(file: file, line: m["rule"]?.mark?.line,
                                 message: "规则「\(name)」不认识，可选：not_before, days_ahead, plan_before_closure, follow_up")
        }
    }

    static func textMap(_ node: Node?, file: String, key: String) throws -> [String: String] {
        guard let node else { return [:] }
        guard let m = node.mapping else { throw CatalogueError(file: file, line: node.mark?.line, message: "\(key) 应为映射") }
        var out: [String: String] = [:]
        for (k, v) in m {
            guard let name = k.string, let value = v.string, v.scalar != nil else {
                throw CatalogueError(file: file, line: v.mark?.line, message: "\(key) 的每一项应为文字")
            }
            out[name] = value
        }
        return out
    }

    static func checkKeys(_ m: Node.Mapping, allowed: Set<String>, file: String, what: String) throws {
        for (key, _) in m {
            guard let k = key.string, allowed.contains(k) else {
                throw CatalogueError(file: file, line: key.mark?.line,
                                     message: "\(what)不认识的键「\(key.string ?? "?")」，可用：\(allowed.sorted().joined(separator: ", "))")
            }
        }
    }

    static func bool(_ node: Node?, file: String, key: String) throws -> Bool? {
        guard let node else { return nil }
        guard let b = node.bool else { throw CatalogueError(file: file, line: node.mark?.line, message: "\(key) 应为 true 或 false") }
        return b
    }

    static func strings(_ node: Node?, file: String, key: String) throws -> [String]? {
        guard let node else { return nil }
        guard let seq = node.sequence else { throw CatalogueError(file: file, line: node.mark?.line, message: "\(key) 应为列表") }
        return try seq.map { item in
            guard let s = item.string, item.scalar != nil else {
                throw CatalogueError(file: file, line: item.mark?.line, message: "\(key) 的每一项应为文字")
            }
            return s
        }
    }

    static func roles(_ node: Node?, file: String, key: String) throws -> Set<Role>? {
        guard let list = try strings(node, file: file, key: key) else { return nil }
        var out: Set<Role> = []
        for r in list {
            guard let role = Role(rawValue: r) else {
                throw CatalogueError(file: file, line: node?.mark?.line, message: "\(key) 中的角色「\(r)」不对")
            }
            out.insert(role)
        }
        return out
    }

    static func yamlLine(_ error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    static func yamlProblem(_ error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        case .duplicatedKeysInMapping(let duplicates, _): return "重复的键 \(duplicates.joined(separator: ", "))"
        default: return String(describing: error)
        }
    }
}
