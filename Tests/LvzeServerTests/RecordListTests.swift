import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import SQLKit
import XCTest
import XCTVapor

/// The record list over many records: a page is found by walking the newest records or, for
/// a rare filter, through the filter's index (`RecordRow.page`); filters on enum fields
/// read the filter columns f1…f3. Each page must hold exactly what the plain query over the
/// JSON and the unit tree returns.
final class RecordListTests: XCTestCase {
    /// The ids of a list page, in order.
    private func pageIDs(_ browser: Browser, _ path: String) async throws -> [Int] {
        let body = try await browser.get(path).body.string
        var ids: [Int] = []
        var rest = body[...]
        while let r = rest.range(of: "href=\"/ledgers/hazard/") {
            let digits = rest[r.upperBound...].prefix { $0.isNumber }
            if let id = Int(digits) { ids.append(id) }
            rest = rest[r.upperBound...]
        }
        return ids
    }

    /// The same page the way the list was read before: JSON fields, a join on the unit tree.
    private func expected(_ app: Application, scope: OrgUnit, year: Int? = nil, json: [String: String] = [:],
                          ascending: Bool = false, after: Int? = nil) async throws -> [Int] {
        var sql = """
            SELECT records.id FROM records JOIN units ON units.id = records.unit_id
            WHERE records.kind = 'hazard' AND units.path >= '\(scope.path)' AND units.path < '\(scope.path)~'
            """
        if let year { sql += " AND records.year = \(year)" }
        for (field, value) in json { sql += " AND \(jsonText(field, app.db.dialect)) = '\(value)'" }
        if let after { sql += " AND records.id \(ascending ? ">" : "<") \(after)" }
        sql += " ORDER BY records.id \(ascending ? "ASC" : "DESC") LIMIT 50"
        return try await app.db.sql.raw(SQLQueryString(sql)).all().map { try $0.decode(column: "id", as: Int.self) }
    }

    /// `count` hazards spread over the fixture's four units and three years (or all in `year`);
    /// 重大隐患 only among the oldest `major` records, so a page of them lies beyond the walk.
    private func makeHazards(_ app: Application, _ f: Fixture, count: Int, major: Int, year: Int? = nil) async throws {
        let kind = app.lvze.catalogue["hazard"]!
        let units = [f.townA, f.villageA, f.townB, f.villageB].map { $0.id! }
        let sources = ["检查发现", "自查自纠", "督导"]
        let today = LocalDate(year: 2025, month: 12, day: 31)!
        var rows: [RecordBulkInsert.Row] = []
        for i in 0..<count {
            let found = LocalDate(year: year ?? 2023 + i % 3, month: 1 + i % 12, day: 1 + i % 28)!
            let values: [String: FieldValue] = [
                "found_on": .date(found), "description": .text("隐患\(i)"), "level": .text(i < major ? "重大隐患" : "一般隐患"),
                "source": .text(sources[i % 3]), "deadline": .date(found.adding(days: 30)),
            ]
            let c = try RecordColumns(kind: kind, values: values, existingDate: nil, today: today)
            rows.append(.init(kind: "hazard", unitID: units[i % 4], columns: c, status: "pending", openedOn: found.iso,
                              closedOn: nil, workflow: "{}", createdBy: 1, createdAt: Date()))
            if rows.count == RecordBulkInsert.batchSize {
                try await RecordBulkInsert.insert(rows, on: app.db)
                rows = []
            }
        }
        try await RecordBulkInsert.insert(rows, on: app.db)
    }

    func testPagesAndFiltersMatchThePlainQuery() async throws {
        try await withFixture { app, f in
            // setup: more records than the walk covers
            try await self.makeHazards(app, f, count: RecordRow.walkSpan + 1_500, major: 120)
            let leader = try await Browser.signedIn(app, "leader")
            let major = "%E9%87%8D%E5%A4%A7%E9%9A%90%E6%82%A3", supervised = "%E7%9D%A3%E5%AF%BC"
            // act and check: each page equals the plain query
            let cases: [(String, OrgUnit, Int?, [String: String], Bool)] = [
                ("/ledgers/hazard", f.dist, nil, [:], false),
                ("/ledgers/hazard?unit=TA&year=2024", f.townA, 2024, [:], false),
                ("/ledgers/hazard?unit=TA-V1", f.villageA, nil, [:], false),
                ("/ledgers/hazard?unit=TB&f_level=\(major)", f.townB, nil, ["level": "重大隐患"], false),
                ("/ledgers/hazard?f_level=\(major)&sort=id", f.dist, nil, ["level": "重大隐患"], true),
                ("/ledgers/hazard?f_source=\(supervised)&year=2025&unit=TB-V1", f.villageB, 2025, ["source": "督导"], false),
                ("/ledgers/hazard?unit=TA&sort=id", f.townA, nil, [:], true),
            ]
            var firstPages: [(String, [Int])] = []
            for (path, scope, year, json, ascending) in cases {
                let page = try await self.pageIDs(leader, path)
                let want = try await self.expected(app, scope: scope, year: year, json: json, ascending: ascending)
                XCTAssertEqual(page, want, path)
                XCTAssertFalse(want.isEmpty, path)
                firstPages.append((path, want))
                // The next page, through the cursor.
                guard let last = page.last else { continue }
                let next = try await self.pageIDs(leader, path + (path.contains("?") ? "&" : "?") + "after=\(last)")
                let wantNext = try await self.expected(app, scope: scope, year: year, json: json, ascending: ascending, after: last)
                XCTAssertEqual(next, wantNext, path + " after \(last)")
            }
            // The same pages six times more: on PostgreSQL the walks are prepared statements,
            // which from their sixth call may run with one plan for any values bound.
            for round in 1...6 {
                for (path, want) in firstPages {
                    let page = try await self.pageIDs(leader, path)
                    XCTAssertEqual(page, want, "\(path), call \(round + 1)")
                }
            }
            let counted = try await leader.get("/ledgers/hazard?unit=TB&f_level=\(major)").body.string
            XCTAssertTrue(counted.contains("符合条件60条"), "half of the 120 majors are in town B's subtree")
        }
    }

    func testAnEarlierYearBelowTheNewestRecordsIsPagedInOrder() async throws {
        try await withFixture { app, f in
            // setup: a year's records, then more of the next year than a walk covers
            try await self.makeHazards(app, f, count: 300, major: 0, year: 2023)
            try await self.makeHazards(app, f, count: RecordRow.walkSpan + 500, major: 0, year: 2024)
            let leader = try await Browser.signedIn(app, "leader")
            for (path, scope, ascending) in [("/ledgers/hazard?year=2023&unit=TA", f.townA, false), ("/ledgers/hazard?year=2023", f.dist, false),
                                             ("/ledgers/hazard?year=2023&unit=TB-V1&sort=id", f.villageB, true)] {
                // act
                let page = try await self.pageIDs(leader, path)
                // check
                let want = try await self.expected(app, scope: scope, year: 2023, ascending: ascending)
                XCTAssertEqual(page, want, path)
                XCTAssertFalse(want.isEmpty, path)
                let next = try await self.pageIDs(leader, path + "&after=\(page.last!)")
                let wantNext = try await self.expected(app, scope: scope, year: 2023, ascending: ascending, after: page.last!)
                XCTAssertEqual(next, wantNext, path + " after \(page.last!)")
            }
        }
    }

    /// A part of the tree's unit ids, which a walk on PostgreSQL writes into its statement as a
    /// constant array; past the limit, none (the statement then selects them itself).
    func testAScopesUnitIDsAreReadUpToTheLimit() async throws {
        try await withFixture { app, f in
            let townA = UnitPath(f.townA.path)
            let ids = try await RecordFilter.unitIDs(townA, on: app.db)
            XCTAssertEqual(ids, [f.townA.id!, f.villageA.id!].sorted())
            let overLimit = try await RecordFilter.unitIDs(townA, upTo: 1, on: app.db)
            XCTAssertNil(overLimit)
            var filter = RecordFilter(kind: app.lvze.catalogue["hazard"]!, scope: townA)
            filter.scopeUnitIDs = ids
            let walking = app.db.sql.serialize(SQLKit.SQLList(filter.conditions(dialect: .postgres, walking: true))).sql
            XCTAssertTrue(walking.contains("+ 0 = ANY('{\(ids!.map(String.init).joined(separator: ","))}'::bigint[])"), walking)
            let seeking = app.db.sql.serialize(SQLKit.SQLList(filter.conditions(dialect: .postgres))).sql
            XCTAssertTrue(seeking.contains("ANY(ARRAY(SELECT"), "only a walk inlines the ids: \(seeking)")
        }
    }

    func testRecordsFollowTheirUnitWhenItMoves() async throws {
        try await withFixture { app, f in
            // setup
            try await self.makeHazards(app, f, count: 400, major: 0)
            let clerk = try await Browser.signedIn(app, "clerk")
            let before = try await self.expected(app, scope: f.villageA)
            // Both towns listed first: what a list keeps of a town's units (`scopeUnits`) must not outlive the move.
            let leader = try await Browser.signedIn(app, "leader")
            let clerkA = try await Browser.signedIn(app, "clerkA")
            let firstB = try await self.pageIDs(leader, "/ledgers/hazard?unit=TB")
            XCTAssertTrue(Set(firstB).isDisjoint(with: before))
            _ = try await self.pageIDs(leader, "/ledgers/hazard?unit=TA")
            _ = try await clerkA.get("/ledgers/hazard")
            let villageBefore = try await self.pageIDs(leader, "/ledgers/hazard?unit=TA-V1")
            XCTAssertEqual(villageBefore, before)
            // act: village A moves from town A to town B
            try await clerk.get("/units/\(f.villageA.id!)/move")
            let moved = try await clerk.post("/units/\(f.villageA.id!)/move", ["target": "TB"])
            XCTAssertEqual(moved.status, .seeOther)
            // check: its records are town B's now, on every page and count
            let townB = try await OrgUnit.find(f.townB.id, on: app.db)!
            let townA = try await OrgUnit.find(f.townA.id, on: app.db)!
            let inB = try await self.pageIDs(leader, "/ledgers/hazard?unit=TB")
            let wantB = try await self.expected(app, scope: townB)
            XCTAssertEqual(inB, wantB)
            XCTAssertTrue(inB.contains(before.first!), "village A's records are listed under town B")
            let oldestB = try await self.pageIDs(leader, "/ledgers/hazard?unit=TB&sort=id")
            let wantOldestB = try await self.expected(app, scope: townB, ascending: true)
            XCTAssertEqual(oldestB, wantOldestB)
            let inA = try await self.pageIDs(leader, "/ledgers/hazard?unit=TA")
            let wantA = try await self.expected(app, scope: townA)
            XCTAssertEqual(inA, wantA)
            XCTAssertTrue(Set(inA).isDisjoint(with: before))
            let countB = try await leader.get("/ledgers/hazard?unit=TB").body.string
            XCTAssertTrue(countB.contains("符合条件300条"), "town B and both villages")
            let villageAfter = try await self.pageIDs(leader, "/ledgers/hazard?unit=TA-V1")
            XCTAssertEqual(villageAfter, before, "the village's code still finds it, at its new place")
            let villageForClerkA = try await clerkA.get("/ledgers/hazard?unit=TA-V1").body.string
            XCTAssertTrue(villageForClerkA.contains("不存在或不在您的管理范围内"), "and no longer for town A's clerk")
            let mine = try await clerkA.get("/ledgers/hazard").body.string
            XCTAssertTrue(mine.contains("符合条件100条"), "town A's clerk no longer sees the moved village")
        }
    }

    /// A list's count is kept a moment by its statement (`KeptCounts`): the next page shows it
    /// without counting again, a record written elsewhere is counted within seconds, a save
    /// through the server at once, and a town's clerk never gets the district's count.
    func testAListsCountIsKeptUntilTheNextWriteOrAFewSeconds() async throws {
        try await withFixture { app, f in
            try await self.makeHazards(app, f, count: 120, major: 0)
            let leader = try await Browser.signedIn(app, "leader")
            let clerkA = try await Browser.signedIn(app, "clerkA")
            let first = try await leader.get("/ledgers/hazard").body.string
            XCTAssertTrue(first.contains("符合条件120条"), first)
            let mine = try await clerkA.get("/ledgers/hazard").body.string
            XCTAssertTrue(mine.contains("符合条件60条"), "town A and its village: the clerk's own count")
            // Written straight into the database, as another server or a command would: the
            // next page still shows the kept count, its rows are read afresh.
            try await self.makeHazards(app, f, count: 4, major: 0)
            let lastID = try await self.pageIDs(leader, "/ledgers/hazard").last!
            let second = try await leader.get("/ledgers/hazard?sort=-id&after=\(lastID)").body.string
            XCTAssertTrue(second.contains("符合条件120条"), "the kept count, not counted again")
            // Shown again 3 s later it keeps its first time: 6 s after the count, it is read anew.
            app.lvze.clock.advance(by: 3)
            let again = try await leader.get("/ledgers/hazard").body.string
            XCTAssertTrue(again.contains("符合条件120条"), "still within the count's few seconds")
            app.lvze.clock.advance(by: 3)
            let later = try await leader.get("/ledgers/hazard").body.string
            XCTAssertTrue(later.contains("符合条件124条"), "counted again after its few seconds")
            // A save through the server is counted at once.
            let clerk = try await Browser.signedIn(app, "clerk")
            _ = try await clerk.get("/ledgers/hazard/new")
            let saved = try await clerk.post("/ledgers/hazard", [
                "unit": "TA-V1", "f_found_on": "2025-03-05", "f_description": "计数测试：配电箱未接地", "f_level": "一般隐患",
                "f_deadline": "2099-06-30", "f_source": "检查发现",
            ])
            XCTAssertEqual(saved.status, .seeOther, saved.body.string)
            let afterSave = try await leader.get("/ledgers/hazard").body.string
            XCTAssertTrue(afterSave.contains("符合条件125条") && afterSave.contains("计数测试：配电箱未接地"), afterSave)
            let mineAfter = try await clerkA.get("/ledgers/hazard").body.string
            XCTAssertTrue(mineAfter.contains("符合条件63条"), "town A: 60, two written elsewhere, one saved")
        }
    }

    func testFilterColumnsFollowTheLedgersFields() async throws {
        try await withFixture { app, _ in
            // setup: a custom ledger whose first enum field is still empty when records arrive
            let sys = try await Browser.signedIn(app, "sys")
            try await sys.get("/admin/ledgers")
            let made = try await sys.post("/admin/ledgers", [
                "id": "fire_campaign", "name": "消防安全专项整治台账", "system": "safety", "readers[]": "clerk",
                "fields[0][id]": "place", "fields[0][label]": "场所名称", "fields[0][type]": "text", "fields[0][required]": "on",
                "fields[1][id]": "grade", "fields[1][label]": "等级", "fields[1][type]": "enum", "fields[1][values]": "甲、乙",
                "fields[2][id]": "kind", "fields[2][label]": "场所类型", "fields[2][type]": "enum", "fields[2][values]": "商铺、仓库",
                "fields[3][id]": "open", "fields[3][label]": "是否营业", "fields[3][type]": "boolean"])
            XCTAssertEqual(made.status, .seeOther, made.body.string)
            let clerk = try await Browser.signedIn(app, "clerk")
            try await clerk.get("/ledgers/fire_campaign/new")
            for (place, kind, open) in [("市场", "商铺", "是"), ("冷库", "仓库", "否"), ("超市", "商铺", "否")] {
                let res = try await clerk.postMultipart("/ledgers/fire_campaign", ["unit": "TA", "f_place": place, "f_kind": kind, "f_open": open])
                XCTAssertEqual(res.status, .seeOther, res.body.string)
            }
            func list(_ query: String) async throws -> String { try await clerk.get("/ledgers/fire_campaign?" + query).body.string }
            var page = try await list("f_kind=%E5%95%86%E9%93%BA&f_open=%E5%90%A6")
            XCTAssertTrue(page.contains("符合条件1条") && page.contains("超市"), page)
            let stored = try await app.db.sql.raw("SELECT f1, f2, f3 FROM records WHERE kind = 'fire_campaign' ORDER BY id").all()
            XCTAssertEqual(try stored.map { try $0.decode(column: "f2", as: String?.self) }, ["商铺", "仓库", "商铺"])
            XCTAssertEqual(try stored.map { try $0.decode(column: "f3", as: String?.self) }, ["true", "false", "false"])
            // act: the empty enum field is dropped, so 场所类型 and 是否营业 move to f1 and f2
            try await sys.get("/admin/ledgers/fire_campaign")
            let dropped = try await sys.post("/admin/ledgers/fire_campaign/fields/grade/delete", [:])
            XCTAssertEqual(dropped.status, .seeOther, dropped.body.string)
            // check: the columns were refilled in the same step and the filters still agree
            XCTAssertEqual(app.lvze.catalogue["fire_campaign"]?.filterSlots, ["kind", "open"])
            let refilled = try await app.db.sql.raw("SELECT f1, f2, f3 FROM records WHERE kind = 'fire_campaign' ORDER BY id").all()
            XCTAssertEqual(try refilled.map { try $0.decode(column: "f1", as: String?.self) }, ["商铺", "仓库", "商铺"])
            XCTAssertEqual(try refilled.map { try $0.decode(column: "f2", as: String?.self) }, ["true", "false", "false"])
            XCTAssertEqual(try refilled.map { try $0.decode(column: "f3", as: String?.self) }, [nil, nil, nil])
            page = try await list("f_kind=%E5%95%86%E9%93%BA&f_open=%E5%90%A6")
            XCTAssertTrue(page.contains("符合条件1条") && page.contains("超市"), page)
            page = try await list("f_open=%E6%98%AF")
            XCTAssertTrue(page.contains("符合条件1条") && page.contains("市场"), page)
            let slots = try await app.db.sql.raw("SELECT fields FROM record_slots WHERE kind = 'fire_campaign'").first()?
                .decode(column: "fields", as: String.self)
            XCTAssertEqual(slots, "kind,open")
        }
    }
}
