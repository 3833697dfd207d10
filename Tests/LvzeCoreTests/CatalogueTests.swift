import LvzeCore
import XCTest

final class CatalogueLoaderTests: XCTestCase {
    let good = """
    kinds:
      - id: hazard
        name: 隐患排查治理台账
        system: safety
        workflow: true
        title: description
        date: found_on
        amount: funds
        fields:
          - {id: found_on, label: 排查时间, type: date, required: true, aliases: [检查时间]}
          - {id: description, label: 隐患描述, type: longtext, required: true}
          - {id: level, label: 隐患等级, type: enum, values: [一般隐患, 重大隐患]}
          - {id: funds, label: 整改资金, type: money, scale: 万元}
    """

    func testLoadsAKindAndAddsWorkflowFields() throws {
        let kinds = try CatalogueLoader.load(yaml: good, file: "safety.yaml")
        XCTAssertEqual(kinds.count, 1)
        let hazard = kinds[0]
        XCTAssertEqual(hazard.system, .safety)
        XCTAssertEqual(hazard.field("funds")?.moneyScale, .tenThousandYuan)
        XCTAssertEqual(hazard.field("funds")?.header, "整改资金（万元）")
        XCTAssertEqual(hazard.field("deadline")?.type, .date, "workflow fields are added")
        XCTAssertTrue(hazard.field("deadline")!.required)
        XCTAssertEqual(hazard.readers, LedgerKind.defaultReaders)
        XCTAssertEqual(hazard.writers, [.clerk])
    }

    func testErrorsNameFileAndLine() {
        func problem(_ yaml: String) -> CatalogueError? {
            do { _ = try CatalogueLoader.load(yaml: yaml, file: "bad.yaml"); return nil } catch { return error as? CatalogueError }
        }
        let badType = good.replacingOccurrences(of: "type: money", with: "type: currency")
        XCTAssertEqual(problem(badType)?.line, 13)
        XCTAssertTrue(problem(badType)?.message.contains("类型「currency」不对") ?? false)
        let unknownKey = good.replacingOccurrences(of: "    workflow: true", with: "    workflow: true\n    colour: red")
        XCTAssertEqual(problem(unknownKey)?.line, 6)
        XCTAssertTrue(problem(unknownKey)?.description.hasPrefix("「bad.yaml」第6行：") ?? false)
        let broken = good.replacingOccurrences(of: "  - id: hazard", with: "  - id: [hazard")
        XCTAssertNotNil(problem(broken)?.line)
        XCTAssertTrue(problem(broken)?.message.hasPrefix("YAML格式错误") ?? false)
        let enumWithoutValues = good.replacingOccurrences(of: ", values: [一般隐患, 重大隐患]", with: "")
        XCTAssertTrue(problem(enumWithoutValues)?.message.contains("须列出可选值") ?? false)
        let duplicateField = good.replacingOccurrences(of: "id: level", with: "id: funds")
        XCTAssertTrue(problem(duplicateField)?.message.contains("字段编号「funds」重复") ?? false)
        let adminReader = good.replacingOccurrences(of: "    workflow: true", with: "    workflow: true\n    readers: [auditor]")
        XCTAssertTrue(problem(adminReader)?.message.contains("三员分立") ?? false)
        let badTitle = good.replacingOccurrences(of: "title: description", with: "title: nothing")
        XCTAssertTrue(problem(badTitle)?.message.contains("标题字段「nothing」") ?? false)
    }

    func testDefaultsAreCheckedLikeValues() throws {
        let withDefault = good.replacingOccurrences(of: "values: [一般隐患, 重大隐患]}", with: "values: [一般隐患, 重大隐患], default: 一般隐患}")
        XCTAssertEqual(try CatalogueLoader.load(yaml: withDefault, file: "x.yaml")[0].field("level")?.defaultValue, "一般隐患")
        let badDefault = good.replacingOccurrences(of: "values: [一般隐患, 重大隐患]}", with: "values: [一般隐患, 重大隐患], default: 特大}")
        XCTAssertThrowsError(try CatalogueLoader.load(yaml: badDefault, file: "x.yaml")) { error in
            XCTAssertTrue((error as? CatalogueError)?.message.contains("默认值") ?? false)
        }
    }

    func testFieldParsing() {
        let money = FieldSpec(id: "funds", label: "整改资金", type: .money, moneyScale: .tenThousandYuan)
        XCTAssertEqual(try money.parse("１，２３４.５６７万元").get(), .decimal(Decimal(string: "1234.57")!))
        XCTAssertThrowsError(try money.parse("一千").get())
        let date = FieldSpec(id: "d", label: "日期", type: .date)
        XCTAssertEqual(try date.parse("2025.3.5").get(), .date(LocalDate(year: 2025, month: 3, day: 5)!))
        XCTAssertEqual(try date.parse("  ").get(), nil)
        let level = FieldSpec(id: "level", label: "等级", type: .enumeration, values: ["一般隐患", "重大隐患"])
        XCTAssertEqual(try level.parse("重大隐患").get(), .text("重大隐患"))
        XCTAssertEqual(try level.parse("重大").get(), .text("重大隐患"), "a prefix naming one value")
        XCTAssertThrowsError(try FieldSpec(id: "x", label: "x", type: .enumeration, values: ["一般隐患", "一般风险"]).parse("一般").get(),
                             "an ambiguous prefix is refused")
        if case .failure(let e) = level.parse("特大") {
            XCTAssertEqual(e.description, "«等级»：「特大」不是可选值（可选：一般隐患、重大隐患）")
        } else { XCTFail("must refuse") }
        let flag = FieldSpec(id: "closed", label: "是否销号", type: .boolean)
        XCTAssertEqual(try flag.parse("是").get(), .boolean(true))
        XCTAssertEqual(try flag.parse("否").get(), .boolean(false))
        let count = FieldSpec(id: "n", label: "人数", type: .integer, min: 0)
        XCTAssertEqual(try count.parse("１２").get(), .integer(12))
        XCTAssertEqual(try count.parse("12.0").get(), .integer(12))
        XCTAssertThrowsError(try count.parse("-1").get())
        XCTAssertThrowsError(try count.parse("1.5").get())
    }
}
