import Fluent
import LvzeCore
import SQLKit
import Vapor

/// The landing page of each responsibility system, the supervision list and the report
/// figures that the organisation records already decide.
struct SystemController {
    static let readers: [Role] = [.leader, .clerk, .reviewer, .discipline]

    func boot(routes: any RoutesBuilder) {
        routes.get(.system, use: system)
    }

    struct Link: Encodable {
        var title: String
        var detail: String
        var href: String
    }

    struct Table: Encodable {
        var title: String
        var empty: String
        var rows: [FlagQueries.Row]
        var showCleared: Bool
    }

    struct SystemContent: Encodable {
        var label: String
        var duty: String
        var ledgers: [Link]
        var links: [Link]
        var tables: [Table]
        var year: Int
        var dashboard: String
    }

    func system(req: Request) async throws -> Response {
        let p = try req.require(Self.readers)
        guard let system = ResponsibilitySystem(rawValue: req.parameters.get("system") ?? "") else { throw Abort(.notFound) }
        let today = LocalDate(req.now)
        let year = today.year
        var links: [Link] = []
        var tables: [Table] = []
        let duty: String
        switch system {
        case .party:
            duty = "党委（党组）书记抓基层党建第一责任人职责：健全组织体系、建强干部队伍、整顿后进和软弱涣散基层党组织。"
            links = [
                Link(title: "组织架构", detail: "区、部门、镇街、村社区和各级党组织", href: SiteURL.units.path),
                Link(title: "人员", detail: "村（社区）干部等人员及其任职经历", href: SiteURL.people.path),
                Link(title: "在任查询", detail: "某日在任的村（社区）党组织书记等，含平均年龄和学历结构", href: SiteURL.incumbents.path),
            ]
            tables.append(Table(title: "待转化的后进、软弱涣散党组织", empty: "管辖范围内没有未转化的后进、软弱涣散党组织。",
                                rows: try await FlagQueries.open(in: p.scope, kinds: [.backward, .weak], on: req.db, today: today),
                                showCleared: false))
            tables.append(Table(title: "\(year)年已转化", empty: "\(year)年尚无转化记录。",
                                rows: try await FlagQueries.cleared(in: p.scope, kinds: [.backward, .weak], year: year, on: req.db),
                                showCleared: true))
        case .integrity:
            duty = "落实党风廉政建设主体责任：明责、督责、考责、问责，推动全面从严治党向基层延伸。"
            links = [Link(title: "组织架构", detail: "查看各单位及其标记", href: SiteURL.units.path)]
            tables.append(Table(title: "低收入村、经济薄弱村", empty: "管辖范围内没有被认定的低收入村、经济薄弱村。",
                                rows: try await FlagQueries.open(in: p.scope, kinds: [.lowIncome, .economicallyWeak], on: req.db, today: today),
                                showCleared: false))
            tables.append(Table(title: "\(year)年摘帽", empty: "\(year)年尚无摘帽记录。",
                                rows: try await FlagQueries.cleared(in: p.scope, kinds: [.lowIncome, .economicallyWeak], year: year, on: req.db),
                                showCleared: true))
        case .ideology:
            duty = "党委（党组）对意识形态工作负主体责任，书记是第一责任人，分管领导负直接责任，班子成员落实一岗双责。"
            links = [Link(title: "承担主体责任的党组织", detail: "管辖范围内的党委", href: SiteURL.units.path + "?kind=party_committee"),
                     Link(title: "党组织书记", detail: "今日在任的各级党组织书记", href: SiteURL.incumbents.path + "?post=secretary&kind=party_committee&date=\(today.iso)")]
        case .safety:
            duty = "党政同责、一岗双责、齐抓共管、失职追责：管行业必须管安全、管业务必须管安全、管生产经营必须管安全。"
            links = [Link(title: "生产经营单位", detail: "管辖范围内登记的企业", href: SiteURL.units.path + "?kind=enterprise"),
                     Link(title: "镇（街道）", detail: "属地监管责任单位", href: SiteURL.units.path + "?kind=town")]
        }
        let kinds = req.lvze.catalogue.catalogue.kinds(in: LedgerSystem(rawValue: system.rawValue)!)
            .filter { p.hasAny(Array($0.readers)) }
        let counts = try await LedgerIndex.counts(kinds.map(\.id), scope: p.scope, on: req.db)
        let ledgers = kinds.map { Link(title: $0.name, detail: "\(counts[$0.id] ?? 0)条记录" + ($0.description.isEmpty ? "" : " · \($0.description)"),
                                      href: Endpoint.records.url($0.id).path) }
        return try await req.render("systems/show", title: system.label,
                                    SystemContent(label: system.label, duty: duty, ledgers: ledgers, links: links, tables: tables, year: year,
                                                  dashboard: Endpoint.dashboard.url(system.rawValue).path),
                                    section: SiteURL.system(system).path)
    }
}
