import Fluent
import Foundation
import LvzeCore
@testable import LvzeDemo
@testable import LvzeServer
import SQLKit
import XCTest
import XCTVapor

/// The demo data (`lvze demo`, small scale): deterministic, every kind in both years, every
/// record valid for the catalogue, and the report's figures fed.
final class DemoRecordsTests: XCTestCase {
    private func withDemo(seed: UInt64 = 1, before: (Application) async throws -> Void = { _ in },
                          _ body: (Application, DemoLoad) async throws -> Void) async throws {
        let app = try await makeTestApp()
        do {
            try await before(app)
            let loaded = try await loadDemoIfEmpty(app, seed: seed)
            let load = try XCTUnwrap(loaded)
            try await body(app, load)
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    private func records(_ app: Application) async throws -> [LedgerRecord] {
        try await LedgerRecord.query(on: app.db).sort(\.$id).all()
    }

    func testSmallDemoIsDeterministicForASeed() async throws {
        var first: (count: Int, titles: [String], data: String, events: Int) = (0, [], "", 0)
        try await withDemo(seed: 42) { app, load in
            let all = try await records(app)
            XCTAssertEqual(all.count, load.records.total)
            first = (all.count, [all[0].title, all[all.count / 2].title, all[all.count - 1].title], all[all.count / 3].data,
                     try await RecordEvent.query(on: app.db).count())
        }
        try await withDemo(seed: 42) { app, _ in
            let all = try await records(app)
            XCTAssertEqual(all.count, first.count)
            XCTAssertEqual([all[0].title, all[all.count / 2].title, all[all.count - 1].title], first.titles)
            XCTAssertEqual(all[all.count / 3].data, first.data)
            let events = try await RecordEvent.query(on: app.db).count()
            XCTAssertEqual(events, first.events)
        }
        try await withDemo(seed: 43) { app, _ in
            let all = try await records(app)
            XCTAssertNotEqual(all[all.count / 3].data, first.data, "another seed, other records")
        }
    }

    func testEveryKindInBothYearsAndEveryRecordValid() async throws {
        // A custom ledger added later gets records from its field types alone.
        let custom = LedgerKind(
            id: "demo_custom_check", name: "自定义检查台账", system: .safety,
            fields: [
                FieldSpec(id: "checked_on", label: "检查日期", type: .date, required: true),
                FieldSpec(id: "subject", label: "检查事项", type: .text, required: true),
                FieldSpec(id: "detail", label: "情况", type: .longText),
                FieldSpec(id: "score", label: "得分", type: .integer, required: true, min: 60, max: 100),
                FieldSpec(id: "ratio", label: "比例", type: .decimal, decimals: 1, min: 0, max: 1),
                FieldSpec(id: "cost", label: "费用", type: .money, required: true, moneyScale: .tenThousandYuan),
                FieldSpec(id: "grade", label: "等级", type: .enumeration, required: true, values: ["甲", "乙", "丙"]),
                FieldSpec(id: "village", label: "村", type: .unit, unitKinds: [.village]),
                FieldSpec(id: "owner", label: "负责人", type: .person),
                FieldSpec(id: "passed", label: "是否通过", type: .boolean, required: true),
                FieldSpec(id: "files", label: "附件", type: .attachments),
            ],
            listColumns: ["checked_on", "subject"], titleField: "subject", dateField: "checked_on", builtIn: false)
        try await withDemo(before: { app in app.lvze.catalogue.upsert(custom) }) { app, load in
            let catalogue = app.lvze.catalogue.catalogue
            let today = LocalDate(app.lvze.clock.now())
            let y = today.year
            let all = try await records(app)
            let units = Dictionary(uniqueKeysWithValues: try await OrgUnit.query(on: app.db).all().map { ($0.id!, $0) })
            let personIDs = Set(try await Person.query(on: app.db).all().compactMap(\.id))
            let root = try XCTUnwrap(units.values.first { $0.code == "DEMO" })

            // Every kind, the custom one included, has records in the previous and the current year;
            // accidents also the year before, for last year's year-on-year change.
            var years: [String: Set<Int>] = [:]
            for r in all { years[r.kind, default: []].insert(r.year) }
            for kind in catalogue.kinds {
                let expected: Set<Int> = kind.id == "accident" ? [y - 2, y - 1, y] : [y - 1, y]
                XCTAssertEqual(years[kind.id] ?? [], expected, "«\(kind.id)» needs records in \(expected.sorted())")
            }
            XCTAssertEqual(load.records.perKind.count, catalogue.kinds.count)
            XCTAssertGreaterThan(load.records.unitsAdded, 0, "this year's temporary party organisations")

            let settings = app.lvze.settings
            var problems: [String] = []
            for r in all {
                guard let kind = catalogue[r.kind] else { problems.append("#\(r.id!): unknown kind \(r.kind)"); continue }
                let values = FieldJSON.decode(r.data, kind: kind)
                let raw = (try JSONSerialization.jsonObject(with: Data(r.data.utf8))) as? [String: Any] ?? [:]
                if raw.count != values.count { problems.append("#\(r.id!) \(kind.id): \(raw.count) stored values, \(values.count) readable") }
                for field in kind.fields where field.required && field.type != .attachments && values[field.id] == nil {
                    problems.append("#\(r.id!) \(kind.id).\(field.id): required, missing")
                }
                for (id, value) in values {
                    guard let field = kind.field(id) else { problems.append("#\(r.id!) \(kind.id).\(id): no such field"); continue }
                    switch field.type {
                    case .unit:
                        guard case .reference(let ref) = value, let u = units[ref] else { problems.append("#\(r.id!) \(kind.id).\(id): no unit"); continue }
                        if !field.unitKinds.isEmpty, !field.unitKinds.contains(u.unitKind) {
                            problems.append("#\(r.id!) \(kind.id).\(id): \(u.name) is \(u.kind)")
                        }
                    case .person:
                        guard case .reference(let ref) = value, personIDs.contains(ref) else { problems.append("#\(r.id!) \(kind.id).\(id): no person"); continue }
                    case .attachments:
                        problems.append("#\(r.id!) \(kind.id).\(id): attachments must stay empty")
                    default:
                        switch field.parse(value.display) {
                        case .success(let parsed?):
                            if field.type != .decimal, field.type != .money, parsed != value {
                                problems.append("#\(r.id!) \(kind.id).\(id): «\(value.display)» reads back as «\(parsed.display)»")
                            }
                        case .success(nil): problems.append("#\(r.id!) \(kind.id).\(id): empty value stored")
                        case .failure(let e): problems.append("#\(r.id!) \(kind.id).\(id): \(e.description)")
                        }
                    }
                }
                // The ledgers' own rules (credit codes, 报备 three days ahead, opinion dates).
                for e in kind.problems(values, setting: { settings.number($0) }) {
                    problems.append("#\(r.id!) \(kind.id).\(e.field): \(e.message)")
                }
                // Dates: the record's own date in the two years and never after today.
                if r.year < y - (r.kind == "accident" ? 2 : 1) || r.year > y || r.recordDate > today.iso { problems.append("#\(r.id!) \(kind.id): dated \(r.recordDate)") }
                if let unit = units[r.$unit.id] {
                    if !root.unitPath.contains(unit.unitPath) { problems.append("#\(r.id!) \(kind.id): unit outside DEMO") }
                } else {
                    problems.append("#\(r.id!) \(kind.id): no own unit")
                }
                if kind.workflow {
                    guard let state = r.state else { problems.append("#\(r.id!) \(kind.id): status «\(r.status)»"); continue }
                    if !(0...100).contains(r.progress ?? -1) { problems.append("#\(r.id!) \(kind.id): progress \(r.progress ?? -1)") }
                    if r.openedOn > today.iso || r.openedOn != r.recordDate { problems.append("#\(r.id!) \(kind.id): opened \(r.openedOn)") }
                    if state == .closed {
                        guard let closed = r.closedOn else { problems.append("#\(r.id!) \(kind.id): closed without date"); continue }
                        if closed < r.recordDate || closed > today.iso { problems.append("#\(r.id!) \(kind.id): closed on \(closed), found \(r.recordDate)") }
                        if r.progress != 100 { problems.append("#\(r.id!) \(kind.id): closed at \(r.progress ?? 0)%") }
                    } else if r.closedOn != nil {
                        problems.append("#\(r.id!) \(kind.id): open with a closing date")
                    }
                    if r.dueDate == nil || r.dueDate! < r.recordDate { problems.append("#\(r.id!) \(kind.id): due \(r.dueDate ?? "none")") }
                } else if !r.status.isEmpty {
                    problems.append("#\(r.id!) \(kind.id): status on a kind without workflow")
                }
            }
            XCTAssertEqual(problems.prefix(30).joined(separator: "\n"), "")

            // Workflow items in the states the supervision list shows.
            let workflow = all.filter { catalogue[$0.kind]?.workflow == true }
            XCTAssertTrue(workflow.contains { $0.state != .closed && ($0.dueDate ?? "9") < today.iso }, "an overdue item")
            XCTAssertTrue(workflow.contains { $0.state == .closed && $0.year == y - 1 }, "a closed item")
            XCTAssertTrue(workflow.contains { WorkflowData.decode($0.workflow).extensions > 0 }, "an extended item")
            let states = Set(workflow.filter { $0.year == y }.compactMap(\.state))
            XCTAssertEqual(states, Set(RectificationState.allCases), "this year's items in every state")
            let behind = workflow.contains { r in
                guard r.state != .closed, let due = r.dueDate.flatMap(LocalDate.parse), due >= today,
                      let opened = LocalDate.parse(r.openedOn) else { return false }
                return RectificationSchedule(created: opened, deadline: due).isBehind(actualProgress: r.progress ?? 0, on: today, isClosed: false)
            }
            XCTAssertTrue(behind, "an item behind its time-proportional progress")
            // Each workflow record's history starts with its creation and ends in its state.
            let closedOne = try XCTUnwrap(workflow.first { $0.state == .closed })
            let history = try await RecordEvent.query(on: app.db).filter(\.$recordID == closedOne.id!).sort(\.$id).all().map(\.action)
            XCTAssertEqual(history.first, "create")
            XCTAssertEqual(history.last, RectificationEventKind.closureApproved.rawValue)
            let eventCount = try await RecordEvent.query(on: app.db).count()
            XCTAssertEqual(eventCount, load.records.events)

            // Figures straight from ledger-map.md, in both years.
            func values(_ kind: String, _ year: Int) -> [[String: FieldValue]] {
                all.filter { $0.kind == kind && $0.year == year }.map { FieldJSON.decode($0.data, kind: catalogue[kind]!) }
            }
            func text(_ v: [String: FieldValue], _ id: String) -> String { v[id]?.display ?? "" }
            for year in [y - 1, y] {
                let meetings = values("meeting", year)
                XCTAssertGreaterThan(meetings.filter { text($0, "body") == "常委会" && text($0, "kind") == "专题研究" && text($0, "topic_system") == "安全生产" }.count, 0)
                XCTAssertGreaterThan(meetings.filter { text($0, "body") == "常委会" && text($0, "kind") == "专题研究" && text($0, "topic_system") == "党风廉政建设" }.count, 0)
                XCTAssertGreaterThan(meetings.filter { text($0, "body") == "中心组学习" && text($0, "topic_system") == "安全生产" }.count, 0)
                let forms = Set(values("discipline_action", year).map { text($0, "form") })
                XCTAssertEqual(forms, Set(DisciplineForm.allCases.map(\.label)))
                let campaign = values("campaign_outcome", year).filter { text($0, "campaign") == "纺织园安全整治集中攻坚" }
                XCTAssertGreaterThan(campaign.compactMap { $0["investment"]?.decimalValue }.reduce(0, +), 0)
                XCTAssertFalse(values("campaign_outcome", year).filter { text($0, "campaign") == "安全生产示范城市创建" }.isEmpty)
                let cases = values("discipline_case", year).map { text($0, "category") }
                XCTAssertTrue(cases.contains("四风") && cases.contains("群众身边腐败和作风问题"))
                XCTAssertTrue(values("honour", year).contains { text($0, "honour_title") == "全国先进工作者" })
                let sources = Set(all.filter { $0.kind == "rectification" && $0.year == year }
                    .map { text(FieldJSON.decode($0.data, kind: catalogue["rectification"]!), "source") })
                XCTAssertTrue(sources.isSuperset(of: ["上级点评", "自我查摆", "中央生态环境保护督察", "省生态环境保护督察", "国务院督导", "省督导", "市督导", "提级巡察"]))
                let accidents = values("accident", year)
                XCTAssertGreaterThan(accidents.compactMap { $0["deaths"]?.decimalValue }.reduce(0, +), 0)
            }
            // Fewer accidents year on year, none 较大 or above.
            XCTAssertLessThan(values("accident", y).count, values("accident", y - 1).count)
            XCTAssertLessThan(values("accident", y - 1).count, values("accident", y - 2).count)
            for a in values("accident", y) + values("accident", y - 1) {
                let grade = AccidentGrade.grade(deaths: Int(a["deaths"]?.display ?? "0") ?? 0,
                                                seriousInjuries: Int(a["serious_injuries"]?.display ?? "0") ?? 0,
                                                directLossYuan: a["direct_loss"]?.decimalValue ?? 0)
                XCTAssertFalse(grade.isMajorOrAbove)
            }
            // The committee's own findings of last year are all closed (清零销号).
            let committee = all.filter { r in
                guard r.kind == "rectification", r.year == y - 1 else { return false }
                let v = FieldJSON.decode(r.data, kind: catalogue["rectification"]!)
                return ["上级点评", "自我查摆"].contains(text(v, "source")) && text(v, "subject") == "区委常委班子"
            }
            XCTAssertFalse(committee.isEmpty)
            XCTAssertTrue(committee.allSatisfy { $0.state == .closed && ($0.closedOn ?? "9") <= "\(y - 1)-12-31" })
            // Organisation figures of this year.
            let figures = try await reportFigures(app, scope: root.unitPath, year: y)
            XCTAssertNotEqual(figures.first { $0.id == "party.temp_orgs.created" }?.value, "0")
            XCTAssertNotEqual(figures.first { $0.id == "party.weak_orgs.transformed" }?.value, "0")
        }
    }

    func testDemoDataRendersInPages() async throws {
        try await withDemo { app, _ in
            let leader = Browser(app), discipline = Browser(app)
            try await leader.login("lingdao", DemoDistrict.password)
            try await discipline.login("jijian", DemoDistrict.password)
            var pages: [(Browser, String)] = ["/supervision", "/reports", "/systems/safety", "/systems/party"].map { (leader, $0) }
            for kind in app.lvze.catalogue.catalogue.kinds {
                let browser = kind.readers.contains(.leader) ? leader : discipline
                pages.append((browser, "/ledgers/\(kind.id)"))
                // The oldest record (last year) and a workflow one in each state.
                if let first = try await LedgerRecord.query(on: app.db).filter(\.$kind == kind.id).sort(\.$id).first() {
                    pages.append((browser, "/ledgers/\(kind.id)/\(first.id!)"))
                }
                for state in kind.workflow ? RectificationState.allCases : [] {
                    if let r = try await LedgerRecord.query(on: app.db).filter(\.$kind == kind.id).filter(\.$status == state.rawValue).first() {
                        pages.append((browser, "/ledgers/\(kind.id)/\(r.id!)"))
                    }
                }
            }
            for (browser, path) in pages {
                let page = try await browser.get(path)
                XCTAssertEqual(page.status, .ok, path)
            }
        }
    }

    func testDemoCommandRefusesAnUnknownScale() async throws {
        let app = try await makeTestApp()
        do {
            var context = CommandContext(console: Terminal(), input: CommandInput(arguments: ["lvze", "--scale", "huge"]))
            context.application = app
            do {
                try await DemoCommand().run(using: &context)
                XCTFail("must refuse")
            } catch let error as CLIError {
                XCTAssertTrue(error.description.contains("--scale"), error.description)
                XCTAssertTrue(error.description.contains("small") && error.description.contains("large"), error.description)
            }
            let units = try await OrgUnit.query(on: app.db).count()
            XCTAssertEqual(units, 0, "nothing loaded")
        } catch {
            try await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
