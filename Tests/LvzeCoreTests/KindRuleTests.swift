import LvzeCore
import XCTest

/// Rules and computed fields are declarations in the catalogue: read from YAML, checked
/// against the kind's fields, and applied by LvzeCore alone.
final class KindRuleTests: XCTestCase {
    let yaml = """
    kinds:
      - id: finding
        name: 隐患台账
        system: safety
        workflow: true
        title: description
        date: found_on
        list: [found_on, description, grade]
        rules:
          - {rule: plan_before_closure, when: level, values: [重大隐患], name: 整改方案五到位, requires: [measures, funds, emergency_plan]}
          - {rule: not_before, fields: [checked_on], than: found_on}
          - {rule: days_ahead, field: filed_on, than: found_on, days: 3, setting: filing_days, action: 报备}
        computed:
          - {id: grade, label: 事故等级, rule: accident_grade, inputs: {deaths: deaths, serious_injuries: injuries, direct_loss: loss}}
          - {id: ahead, label: 提前报备, rule: days_between, inputs: {from: filed_on, to: found_on}, parameters: {text: "提前{n}日"}}
        fields:
          - {id: found_on, label: 排查日期, type: date, required: true}
          - {id: description, label: 隐患描述, type: longtext, required: true}
          - {id: level, label: 隐患等级, type: enum, values: [一般隐患, 重大隐患]}
          - {id: funds, label: 整改资金, type: money, scale: 万元}
          - {id: emergency_plan, label: 应急预案, type: longtext}
          - {id: checked_on, label: 复查日期, type: date}
          - {id: filed_on, label: 报备日期, type: date}
          - {id: deaths, label: 死亡人数, type: integer}
          - {id: injuries, label: 重伤人数, type: integer}
          - {id: loss, label: 直接经济损失, type: money, scale: 万元}
          - {id: code, label: 统一社会信用代码, type: credit_code}
    """

    func kind() throws -> LedgerKind { try CatalogueLoader.load(yaml: yaml, file: "t.yaml")[0] }

    func testPlanBeforeClosureNamesWhatIsMissing() throws {
        // setup
        let kind = try kind()
        let major: [String: FieldValue] = ["level": .text("重大隐患"), "measures": .text("停产整治")]
        // act
        let blockers = kind.closureBlockers(major)
        // check
        XCTAssertEqual(blockers, ["重大隐患须填写整改方案五到位（整改措施、整改资金、应急预案）后才能申请销号，尚缺：整改资金、应急预案"])
        XCTAssertEqual(kind.closureBlockers(["level": .text("一般隐患")]), [], "only when the level is 重大隐患")
        XCTAssertEqual(kind.closureBlockers(major.merging(["funds": .decimal(3), "emergency_plan": .text("预案")]) { a, _ in a }), [])
    }

    func testDateRulesAndTheirSetting() throws {
        let kind = try kind()
        let found = LocalDate(year: 2025, month: 6, day: 20)!
        let cases: [(values: [String: FieldValue], setting: Int?, fields: [String])] = [
            (["found_on": .date(found), "checked_on": .date(found.adding(days: -1))], nil, ["checked_on"]),
            (["found_on": .date(found), "checked_on": .date(found)], nil, []),
            (["found_on": .date(found), "filed_on": .date(found.adding(days: -3))], nil, []),
            (["found_on": .date(found), "filed_on": .date(found.adding(days: -2))], nil, ["filed_on"]),
            (["found_on": .date(found), "filed_on": .date(found.adding(days: -3))], 5, ["filed_on"]),
            (["found_on": .date(found), "deadline": .date(found.adding(days: -1))], nil, ["deadline"]),
        ]
        for c in cases {
            let problems = kind.problems(c.values, setting: { $0 == "filing_days" ? c.setting : nil })
            XCTAssertEqual(problems.map(\.field), c.fields, "\(c.values) with setting \(String(describing: c.setting))")
        }
        let late = kind.problems(["found_on": .date(found), "filed_on": .date(found.adding(days: -1))])
        XCTAssertEqual(late.first?.message, "须在排查日期3日前报备：排查日期为2025年6月20日，最迟应于2025年6月17日报备")
    }

    func testComputedFieldsReadTheirInputsInTheirScale() throws {
        let kind = try kind()
        let grade = try XCTUnwrap(kind.computedField("grade"))
        let today = LocalDate(year: 2025, month: 1, day: 1)!
        let cases: [([String: FieldValue], String?, Bool)] = [
            (["deaths": .integer(0)], "一般事故", false),
            (["deaths": .integer(3)], "较大事故", true),
            (["deaths": .integer(0), "injuries": .integer(50)], "重大事故", true),
            // 1,000万元 is 10,000,000 元: 较大 from 1,000万 up.
            (["deaths": .integer(0), "loss": .decimal(1_000)], "较大事故", true),
            (["deaths": .integer(0), "loss": .decimal(999)], "一般事故", false),
            ([:], nil, false),
        ]
        for (values, text, warn) in cases {
            let value = grade.evaluate(values, kind: kind, today: today)
            XCTAssertEqual(value?.text, text, "\(values)")
            if text != nil { XCTAssertEqual(value?.warn, warn, "\(values)") }
        }
        let ahead = kind.computedValues(["found_on": .date(today), "filed_on": .date(today.adding(days: -4))], today: today)
        XCTAssertEqual(ahead.map(\.value.text), ["提前4日"])
        XCTAssertEqual(kind.computedInputs, ["deaths", "injuries", "loss", "filed_on", "found_on"])
    }

    func testCreditCodeFieldsCheckTheCheckCharacter() throws {
        let field = try XCTUnwrap(try kind().field("code"))
        XCTAssertEqual(try field.parse("91350100M000100Y43").get(), .text("91350100M000100Y43"))
        guard case .failure(let e) = field.parse("91350100M000100Y44") else { return XCTFail("a wrong check character passes") }
        XCTAssertEqual(e.field, "code")
    }

    func testBadDeclarationsAreNamed() {
        func problem(_ from: String, _ to: String) -> String? {
            let text = yaml.replacingOccurrences(of: from, with: to)
            XCTAssertNotEqual(text, yaml, "the replacement must apply: \(from)")
            do { _ = try CatalogueLoader.load(yaml: text, file: "t.yaml"); return nil } catch { return (error as? CatalogueError)?.message }
        }
        let cases: [(String, String, String)] = [
            ("rule: accident_grade", "rule: accident_score", "rule 不对"),
            ("direct_loss: loss", "direct_loss: description", "须为金额或小数或整数"),
            ("deaths: deaths,", "deaths: nobody,", "不是本台账的字段"),
            ("than: found_on}\n", "than: description}\n", "须为日期"),
            ("values: [重大隐患]", "values: [特大隐患]", "不是「隐患等级」的可选值"),
            ("rule: not_before", "rule: not_after", "不认识"),
            ("list: [found_on, description, grade]", "list: [found_on, description, rank]", "列表列「rank」"),
            ("{id: ahead,", "{id: loss,", "重复"),
        ]
        for (from, to, expected) in cases {
            let message = problem(from, to)
            XCTAssertTrue(message?.contains(expected) ?? false, "\(to): \(message ?? "loaded")")
        }
    }

    /// Custom ledgers stored before rules existed still decode.
    func testStoredKindsWithoutRulesDecode() throws {
        var object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(try kind())) as! [String: Any]
        object["computed"] = nil
        object["rules"] = nil
        let decoded = try JSONDecoder().decode(LedgerKind.self, from: JSONSerialization.data(withJSONObject: object))
        XCTAssertEqual(decoded.rules, [])
        XCTAssertEqual(decoded.computed, [])
        XCTAssertEqual(decoded.fields, try kind().fields)
    }

    /// Counting enterprises reads the code from the kind's credit-code field, found by its type.
    func testDistinctEnterprisesUseTheCreditCodeField() throws {
        let catalogue = Catalogue([try kind()])
        func load(_ extra: String) throws -> [MetricDefinition] {
            try MetricCatalogueLoader.load(yaml: """
                metrics:
                  - id: safety.findings.enterprises
                    label: 有隐患的单位
                    unit: 个
                    system: safety
                    kind: finding
                    aggregate: distinct_enterprise
                \(extra)    basis: 测试
                """, file: "m.yaml", catalogue: catalogue)
        }
        let metric = try XCTUnwrap(try load("    field: description\n").first)
        guard case .distinctEnterprise(let code, let name) = metric.aggregate else { return XCTFail("\(metric.aggregate)") }
        XCTAssertEqual(code, "code")
        XCTAssertEqual(name, "description")
        XCTAssertThrowsError(try load(""), "the name field must be given")
        var noCode = try kind()
        noCode.fields.removeAll { $0.type == .creditCode }
        XCTAssertThrowsError(try MetricCatalogueLoader.load(yaml: "metrics:\n  - {id: a.b, label: x, unit: 个, system: safety, kind: finding, aggregate: distinct_enterprise, field: description, basis: y}",
                                                            file: "m.yaml", catalogue: Catalogue([noCode]))) { error in
            XCTAssertTrue("\(error)".contains("统一社会信用代码字段"), "\(error)")
        }
    }
}
