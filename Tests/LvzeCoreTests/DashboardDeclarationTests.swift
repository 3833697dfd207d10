import LvzeCore
import XCTest

/// The dashboards' key figures are declared by metric id and checked at start.
final class DashboardDeclarationTests: XCTestCase {
    let boards: Set<String> = ["party", "integrity", "safety"]

    func metrics() throws -> MetricCatalogue {
        MetricCatalogue(try MetricCatalogueLoader.load(yaml: """
            metrics:
              - {id: safety.units.count, label: 单位数, unit: 个, system: safety, aggregate: organisation, builtin: town_hired, basis: 测试}
              - {id: safety.units.more, label: 单位数二, unit: 个, system: safety, aggregate: organisation, builtin: town_hired, basis: 测试}
            """, file: "m.yaml", catalogue: Catalogue([])))
    }

    func testADeclarationIsReadWithItsBreakdown() throws {
        let loaded = try DashboardLoader.load(yaml: """
            dashboards:
              - board: safety
                key: [safety.units.count, safety.units.more]
                breakdown: {title: 构成, unit: 个, metrics: [safety.units.more]}
              - board: party
                key: [safety.units.count]
            """, file: "d.yaml", metrics: try metrics(), boards: boards)
        XCTAssertEqual(loaded, [
            DashboardDeclaration(board: "safety", key: ["safety.units.count", "safety.units.more"],
                                 breakdown: .init(title: "构成", unit: "个", metrics: ["safety.units.more"])),
            DashboardDeclaration(board: "party", key: ["safety.units.count"], breakdown: nil),
        ])
    }

    /// Each mistake stops start with a message naming what is wrong and, where known, its line.
    func testMistakesAreNamedWithTheirLine() throws {
        let cases: [(yaml: String, message: String, line: Int?)] = [
            ("dashboards:\n  - board: safety\n    key: [safety.units.count, no.such]\n", "指标「no.such」不存在", 3),
            ("dashboards:\n  - board: roads\n    key: [safety.units.count]\n", "看板名称应为", 2),
            ("dashboards:\n  - board: safety\n    key: []\n", "key 应为非空的指标编号列表", 3),
            ("dashboards:\n  - board: safety\n    key: [safety.units.count]\n  - board: safety\n    key: [safety.units.count]\n", "看板「safety」重复", 4),
            ("dashboards:\n  - board: safety\n    key: [safety.units.count]\n    colour: red\n", "colour", 4),
            ("dashboards:\n  - board: safety\n    key: [safety.units.count]\n    breakdown: {metrics: [safety.units.count]}\n", "breakdown 缺少 title", 4),
            ("boards: []\n", "dashboards", nil),
            ("dashboards: [\n", "YAML格式错误", nil),
        ]
        let metrics = try metrics()
        for c in cases {
            XCTAssertThrowsError(try DashboardLoader.load(yaml: c.yaml, file: "d.yaml", metrics: metrics, boards: boards), c.yaml) { error in
                guard let e = error as? CatalogueError else { return XCTFail("\(error)") }
                XCTAssertTrue(e.message.contains(c.message), "\(c.yaml): \(e.message)")
                if let line = c.line { XCTAssertEqual(e.line, line, c.yaml) }
            }
        }
    }
}
