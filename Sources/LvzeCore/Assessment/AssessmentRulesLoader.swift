import Foundation
import Yams

/// Reads a 考评细则 from YAML and checks it against the metric catalogue, as ledger kinds and
/// report templates are checked: an unknown metric, points that do not add up or a leaf with
/// no way to score it is an error naming the line.
///
/// ```yaml
/// year: 2025
/// system: safety
/// title: 2025年度镇（街道）安全生产责任制考核细则
/// assessed: town
/// grades: {好: 90, 较好: 80, 一般: 60}
/// quotas: {好: 30}
/// indicators:
///   - id: lead
///     name: 组织领导
///     points: 20
///     items:
///       - id: lead.study
///         name: 专题研究安全生产
///         points: 10
///         from: safety.unit.meetings
///         full_when: ">= 4"
///       - id: lead.list
///         name: 签订安全生产责任书
///         points: 10
///         review: 上传责任书扫描件
/// vetoes:
///   - id: veto.major_accident
///     name: 发生较大及以上生产安全事故
///     from: safety.accidents.major_or_above
///     when: "> 0"
/// ```
public enum AssessmentRulesLoader {
    static let idPattern = "^[a-z][a-z0-9_]*(\\.[a-z0-9_]+)*$"

    public static func load(yaml: String, file: String, metrics: MetricCatalogue) throws -> AssessmentRules {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw CatalogueError(file: file, line: CatalogueLoader.yamlLine(error), message: "YAML格式错误：\(CatalogueLoader.yamlProblem(error))")
        }
        guard let root, let m = root.mapping else {
            throw CatalogueError(file: file, line: root?.mark?.line, message: "细则顶层应为映射，含 year、system、title、indicators")
        }
        try CatalogueLoader.checkKeys(m, allowed: ["year", "system", "title", "assessed", "grades", "quotas", "indicators", "bonus",
                                                   "penalties", "vetoes"], file: file, what: "细则顶层")
        let p = Parser(file: file, metrics: metrics)
        guard let yearNode = m["year"], let year = yearNode.int, (2000...2100).contains(year) else {
            throw CatalogueError(file: file, line: m["year"]?.mark?.line ?? root.mark?.line, message: "year 应为年度，如 2025")
        }
        let systemText = try p.text(m, "system", required: true, at: root)!
        guard let system = LedgerSystem(rawValue: systemText), system != .common else {
            throw p.fail("system「\(systemText)」不对，可用：party、integrity、ideology、safety", m["system"])
        }
        let title = try p.text(m, "title", required: true, at: root)!
        let assessedText = try p.text(m, "assessed", at: root) ?? AssessedUnits.towns.rawValue
        guard let assessed = AssessedUnits(rawValue: assessedText) else {
            throw p.fail("assessed「\(assessedText)」不对，可用：town（镇街）、department（区直部门）", m["assessed"])
        }
        guard let list = m["indicators"]?.sequence, !list.isEmpty else {
            throw p.fail("细则缺少 indicators（一级指标列表）", m["indicators"] ?? root)
        }
        var rules = AssessmentRules(year: year, system: system, title: title, assessed: assessed,
                                    indicators: try list.map { try p.indicator($0, depth: 1) })
        rules.adjustments = try (m["bonus"].map { try p.adjustments($0, .bonus) } ?? [])
            + (m["penalties"].map { try p.adjustments($0, .penalty) } ?? [])
        rules.vetoes = try m["vetoes"].map(p.vetoes) ?? []
        rules.grading = try p.grading(m["grades"], quotas: m["quotas"])
        var ids: Set<String> = []
        for id in rules.indicators.flatMap(allIDs) + rules.adjustments.map(\.id) + rules.vetoes.map(\.id) {
            guard ids.insert(id).inserted else { throw CatalogueError(file: file, line: nil, message: "编号「\(id)」重复") }
        }
        return rules
    }

    static func allIDs(_ i: AssessmentIndicator) -> [String] { [i.id] + i.children.flatMap(allIDs) }

    struct Parser {
        let file: String
        let metrics: MetricCatalogue

        func fail(_ message: String, _ at: Node?) -> CatalogueError {
            CatalogueError(file: file, line: at?.mark?.line, message: message)
        }

        func text(_ m: Node.Mapping, _ key: String, required: Bool = false, at: Node) throws -> String? {
            guard let v = m[key] else {
                if required { throw fail("缺少 \(key)", at) }
                return nil
            }
            guard v.scalar != nil, let s = v.string, !s.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw fail("\(key) 应为文字", v)
            }
            return s
        }

        func decimal(_ node: Node?, _ key: String, at: Node) throws -> Decimal? {
            guard let node else { return nil }
            guard node.scalar != nil, let s = node.string, let d = Decimal(string: s, locale: Locale(identifier: "en_US_POSIX")),
                  d >= 0, s.range(of: "^[0-9]+(\\.[0-9]+)?$", options: .regularExpression) != nil else {
                throw fail("\(key) 应为不小于0的数，如 10 或 0.5", node)
            }
            return d
        }

        func id(_ m: Node.Mapping, at: Node) throws -> String {
            let id = try text(m, "id", required: true, at: at)!
            guard id.range(of: AssessmentRulesLoader.idPattern, options: .regularExpression) != nil else {
                throw fail("编号「\(id)」须为小写字母、数字和下划线，可用点分隔，如 lead.study", m["id"])
            }
            return id
        }

        /// A metric the unit's score can be computed from: it must exist and give a number.
        func metric(_ m: Node.Mapping, at: Node) throws -> String {
            let id = try text(m, "from", required: true, at: at)!
            guard let metric = metrics[id] else { throw fail("指标「\(id)」不存在", m["from"]) }
            guard !metric.isNameList else { throw fail("指标「\(id)」是名单，不是数值，不能用来计分", m["from"]) }
            return id
        }

        func comparison(_ node: Node?, _ key: String, at: Node) throws -> (ClaimDefinition.Comparison, Decimal) {
            guard let node else { throw fail("缺少 \(key)", at) }
            guard node.scalar != nil, let (cmp, threshold) = ClaimDefinition.Comparison.parse(node.string ?? "") else {
                throw fail("\(key) 应写成「>= 4」「== 0」「> 0」这样的比较（符号与数字之间空一格）", node)
            }
            return (cmp, threshold)
        }

        func indicator(_ node: Node, depth: Int) throws -> AssessmentIndicator {
            guard let m = node.mapping else { throw fail("每个指标应为映射", node) }
            try CatalogueLoader.checkKeys(m, allowed: ["id", "name", "points", "standard", "items", "from", "full_when", "deduct",
                                                       "proportion", "tiers", "if_missing", "review", "evidence"],
                                          file: file, what: "指标")
            let id = try id(m, at: node)
            let name = try text(m, "name", required: true, at: node)!
            guard let points = try decimal(m["points"], "points", at: node), points > 0 else {
                throw fail("指标「\(id)」缺少 points（分值），或分值为0", m["points"] ?? node)
            }
            var out = AssessmentIndicator(id: id, name: name, points: points)
            if let items = m["items"] {
                guard depth < 3 else { throw fail("指标「\(id)」：细则最多三级指标", items) }
                guard let list = items.sequence, !list.isEmpty else { throw fail("指标「\(id)」的 items 应为非空列表", items) }
                for key in ["from", "review", "full_when", "deduct", "proportion", "tiers"] where m[key] != nil {
                    throw fail("指标「\(id)」有下级指标，不能再有 \(key)：只有末级指标计分", m[key])
                }
                out.children = try list.map { try indicator($0, depth: depth + 1) }
                let sum = out.children.reduce(Decimal(0)) { $0 + $1.points }
                guard sum == points else {
                    throw fail("指标「\(id)」分值\(FieldJSON.plain(points))分，下级指标合计\(FieldJSON.plain(sum))分，应相等", m["points"])
                }
                out.standard = try text(m, "standard", at: node) ?? ""
                return out
            }
            out.standard = try text(m, "standard", at: node) ?? ""
            switch (m["from"] != nil, m["review"] != nil) {
            case (true, true): throw fail("指标「\(id)」不能同时有 from（按台账计分）和 review（自评审核）", m["review"])
            case (false, false):
                throw fail("末级指标「\(id)」须写明计分方式：from 加 full_when/deduct/proportion/tiers，或 review", node)
            case (false, true):
                let guidance = try text(m, "review", at: node)!
                if out.standard.isEmpty { out.standard = guidance }
                let evidence = try text(m, "evidence", at: node) ?? "optional"
                guard ["required", "optional"].contains(evidence) else { throw fail("evidence 应为 required 或 optional", m["evidence"]) }
                out.scoring = .review(evidenceRequired: evidence == "required")
            case (true, false):
                if m["evidence"] != nil { throw fail("指标「\(id)」按台账计分，不需要 evidence", m["evidence"]) }
                out.scoring = .records(try formula(m, leaf: id, points: points, at: node))
            }
            return out
        }

        func formula(_ m: Node.Mapping, leaf: String, points: Decimal, at node: Node) throws -> AssessmentFormula {
            let metric = try metric(m, at: node)
            let rules = ["full_when", "deduct", "proportion", "tiers"].filter { m[$0] != nil }
            guard rules.count == 1 else {
                throw fail("指标「\(leaf)」须有且只有一种计分规则：full_when、deduct、proportion 或 tiers", node)
            }
            let rule: AssessmentFormula.Rule
            switch rules[0] {
            case "full_when":
                let (cmp, t) = try comparison(m["full_when"], "full_when", at: node)
                rule = .fullWhen(cmp, t)
            case "deduct":
                rule = .deduct(per: try decimal(m["deduct"], "deduct", at: node)!)
            case "proportion":
                rule = .proportion(full: try decimal(m["proportion"], "proportion", at: node)!)
            default:
                guard let list = m["tiers"]?.sequence, !list.isEmpty else { throw fail("tiers 应为非空列表", m["tiers"]) }
                rule = .tiers(try list.map { t in
                    guard let tm = t.mapping else { throw fail("tiers 的每一档应写成 {when: \">= 4\", score: 10}", t) }
                    try CatalogueLoader.checkKeys(tm, allowed: ["when", "score"], file: file, what: "档次")
                    let (cmp, threshold) = try comparison(tm["when"], "when", at: t)
                    guard let score = try decimal(tm["score"], "score", at: t) else { throw fail("档次缺少 score", t) }
                    guard score <= points else { throw fail("档次得分\(FieldJSON.plain(score))超过指标分值\(FieldJSON.plain(points))", tm["score"]) }
                    return AssessmentTier(cmp, threshold, score: score)
                })
            }
            let missingText = try text(m, "if_missing", at: node) ?? "zero"
            guard let ifMissing = AssessmentFormula.IfMissing(rawValue: missingText) else {
                throw fail("if_missing 应为 zero（不得分）或 full（得满分）", m["if_missing"])
            }
            return AssessmentFormula(metric: metric, rule: rule, ifMissing: ifMissing)
        }

        func adjustments(_ node: Node, _ direction: AssessmentAdjustment.Direction) throws -> [AssessmentAdjustment] {
            guard let list = node.sequence else { throw fail("\(direction == .bonus ? "bonus" : "penalties") 应为列表", node) }
            return try list.map { item in
                guard let m = item.mapping else { throw fail("每个\(direction.label)项应为映射", item) }
                try CatalogueLoader.checkKeys(m, allowed: ["id", "name", "from", "per", "max"], file: file, what: "\(direction.label)项")
                let id = try id(m, at: item)
                let name = try text(m, "name", required: true, at: item)!
                let metric = m["from"] == nil ? nil : try metric(m, at: item)
                guard let max = try decimal(m["max"], "max", at: item), max > 0 else {
                    throw fail("\(direction.label)项「\(id)」缺少 max（最多\(direction.label)多少分）", m["max"] ?? item)
                }
                let per = try decimal(m["per"], "per", at: item)
                if metric != nil && per == nil { throw fail("\(direction.label)项「\(id)」按指标计分，须写 per（每个加减几分）", item) }
                return AssessmentAdjustment(id: id, name: name, direction: direction, metric: metric, per: per ?? 0, max: max)
            }
        }

        func vetoes(_ node: Node) throws -> [AssessmentVeto] {
            guard let list = node.sequence else { throw fail("vetoes 应为列表", node) }
            return try list.map { item in
                guard let m = item.mapping else { throw fail("每个一票否决项应为映射", item) }
                try CatalogueLoader.checkKeys(m, allowed: ["id", "name", "from", "when", "grade"], file: file, what: "一票否决项")
                let id = try id(m, at: item)
                let name = try text(m, "name", required: true, at: item)!
                let metric = try metric(m, at: item)
                let (cmp, threshold) = try comparison(m["when"], "when", at: item)
                let gradeText = try text(m, "grade", at: item) ?? AssessmentGrade.poor.rawValue
                guard let grade = AssessmentGrade(rawValue: gradeText) else { throw fail("grade「\(gradeText)」不对，可用：好、较好、一般、差", m["grade"]) }
                return AssessmentVeto(id: id, name: name, metric: metric, comparison: cmp, threshold: threshold, grade: grade)
            }
        }

        func grading(_ grades: Node?, quotas: Node?) throws -> AssessmentGrading {
            guard let grades else { return .standard }
            guard let gm = grades.mapping else { throw fail("grades 应写成 {好: 90, 较好: 80, 一般: 60}", grades) }
            var bands: [(grade: AssessmentGrade, minimum: Decimal)] = []
            for (k, v) in gm {
                guard let name = k.string, let grade = AssessmentGrade(rawValue: name), grade != .poor else {
                    throw fail("grades 中的「\(k.string ?? "?")」不对，可写：好、较好、一般（其余为差）", k)
                }
                bands.append((grade, try decimal(v, "grades.\(name)", at: v)!))
            }
            let sorted = bands.sorted { $0.grade < $1.grade }
            for (a, b) in zip(sorted, sorted.dropFirst()) where a.minimum <= b.minimum {
                throw fail("「\(a.grade.rawValue)」的分数线应高于「\(b.grade.rawValue)」", grades)
            }
            var quotaMap: [AssessmentGrade: Decimal] = [:]
            if let quotas {
                guard let qm = quotas.mapping else { throw fail("quotas 应写成 {好: 30}（百分比）", quotas) }
                for (k, v) in qm {
                    guard let name = k.string, let grade = AssessmentGrade(rawValue: name), grade != .poor else {
                        throw fail("quotas 中的「\(k.string ?? "?")」不对，可写：好、较好、一般", k)
                    }
                    let share = try decimal(v, "quotas.\(name)", at: v)!
                    guard share <= 100 else { throw fail("名额比例应在0到100之间", v) }
                    quotaMap[grade] = share
                }
            }
            return AssessmentGrading(bands: sorted, quotas: quotaMap)
        }
    }
}
