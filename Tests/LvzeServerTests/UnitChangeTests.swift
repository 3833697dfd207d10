import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// Units: the input checks, where a subtree may move, what keeps a unit from deletion, and flags.
final class UnitChangeTests: XCTestCase {
    func testEachBadUnitFieldIsNamed() async throws {
        try await withFixture { app, f in
            let valid = UnitInput(code: "TA-V9", name: "甲九村", kind: "village", parentCode: "TA", foundedOn: nil, dissolvedOn: nil,
                                  sortOrder: "", note: "")
            let cases: [(name: String, change: (inout UnitInput) -> Void, expected: [String])] = [
                ("no code", { $0.code = "" }, ["«单位代码»：不能为空"]),
                ("code with a slash", { $0.code = "TA/V9" }, ["«单位代码»：只能由字母、数字、短横线和下划线组成，最长40位"]),
                ("code in Chinese", { $0.code = "甲九" }, ["«单位代码»：只能由字母、数字、短横线和下划线组成，最长40位"]),
                ("41-character code", { $0.code = String(repeating: "A", count: 41) }, ["«单位代码»：只能由字母、数字、短横线和下划线组成，最长40位"]),
                ("code taken", { $0.code = "TB-V1" }, ["«单位代码»：「TB-V1」已被「乙一村」使用"]),
                ("no name", { $0.name = " " }, ["«单位名称»：不能为空"]),
                ("101-character name", { $0.name = String(repeating: "村", count: 101) }, ["«单位名称»：不能超过100个字"]),
                ("no kind", { $0.kind = "" }, ["«单位类型»：请选择"]),
                ("unknown kind", { $0.kind = "城堡" }, ["«单位类型»：「城堡」不是可选的单位类型"]),
                ("no parent", { $0.parentCode = "" }, ["«上级单位»：不能为空"]),
                ("parent out of scope", { $0.parentCode = "TB" }, ["«上级单位»：代码「TB」不存在或不在您的管理范围内"]),
                ("bad founding date", { $0.foundedOn = "2025-02-29" }, ["«成立日期»：「2025-02-29」不是有效日期，请写作2025-03-05"]),
                ("dissolved before founded", { $0.foundedOn = "2020-05-01"; $0.dissolvedOn = "2020-04-30" }, ["«撤销日期»：不能早于成立日期"]),
                ("negative order", { $0.sortOrder = "-1" }, ["«排序号»：须为0到99999之间的整数"]),
                ("order too large", { $0.sortOrder = "100000" }, ["«排序号»：须为0到99999之间的整数"]),
                ("501-character note", { $0.note = String(repeating: "注", count: 501) }, ["«备注»：不能超过500个字"]),
            ]
            for c in cases {
                var input = valid
                c.change(&input)
                let errors = try await fieldErrors { _ = try await input.check(existing: nil, scope: f.townA.unitPath, on: app.db) }
                XCTAssertEqual(errors, c.expected, c.name)
            }
            // Full-width code and order, the kind by its Chinese label, and a unit keeping its own code when edited.
            var wide = valid
            wide.code = "ＴＡ－Ｖ９"
            wide.kind = "村/社区"
            wide.sortOrder = "１２"
            let checked = try await wide.check(existing: nil, scope: f.townA.unitPath, on: app.db)
            XCTAssertEqual(checked.code, "TA-V9")
            XCTAssertEqual(checked.kind, .village)
            XCTAssertEqual(checked.sortOrder, 12)
            XCTAssertEqual(checked.parent?.id, f.townA.id)
            var edit = valid
            edit.code = "TA-V1"
            edit.parentCode = nil
            let kept = try await edit.check(existing: f.villageA, scope: f.townA.unitPath, on: app.db)
            XCTAssertEqual(kept.code, "TA-V1")
            XCTAssertNil(kept.parent, "editing never changes the parent")
        }
    }

    func testANewUnitCannotGoUnderADissolvedOne() async throws {
        try await withFixture { app, f in
            f.villageB.dissolvedOn = "2024-12-31"
            try await f.villageB.update(on: app.db)
            let input = UnitInput(code: "TB-V1-Z", name: "支部", kind: "branch", parentCode: "TB-V1")
            let errors = try await fieldErrors { _ = try await input.check(existing: nil, scope: f.dist.unitPath, on: app.db) }
            XCTAssertEqual(errors, ["«上级单位»：「乙一村」已撤销，不能再新增下级"])
        }
    }

    func testWhereASubtreeMayMove() async throws {
        try await withFixture { app, f in
            let branch = try await OrgUnit.create(.init(code: "TA-V1-B", name: "甲一村支部", kind: .branch, parent: f.villageA, foundedOn: nil,
                                                        dissolvedOn: nil, sortOrder: 0, note: ""), on: app.db)
            let gone = try await OrgUnit.create(.init(code: "TB-OLD", name: "乙旧村", kind: .village, parent: f.townB, foundedOn: nil,
                                                      dissolvedOn: LocalDate.parse("2020-01-01"), sortOrder: 0, note: ""), on: app.db)
            XCTAssertTrue(gone.isDissolved)
            let mover = UnitMover(db: app.db)
            let cases: [(name: String, unit: OrgUnit, target: String, scope: UnitPath, expected: String)] = [
                ("no target", f.villageA, "", f.dist.unitPath, "«新的上级单位»：不能为空"),
                ("unknown target", f.villageA, "NOPE", f.dist.unitPath, "«新的上级单位»：代码「NOPE」不存在或不在您的管理范围内"),
                ("target out of scope", f.villageA, "TB", f.townA.unitPath, "«新的上级单位»：代码「TB」不存在或不在您的管理范围内"),
                ("under itself", f.townA, "TA", f.dist.unitPath, "«新的上级单位»：不能移到本单位或其下级单位之下"),
                ("under its grandchild", f.townA, "TA-V1-B", f.dist.unitPath, "«新的上级单位»：不能移到本单位或其下级单位之下"),
                ("under its own parent", f.villageA, "TA", f.dist.unitPath, "«新的上级单位»：「甲镇」已经是它的上级单位"),
                ("under a dissolved unit", f.villageA, "TB-OLD", f.dist.unitPath, "«新的上级单位»：「乙旧村」已撤销"),
            ]
            for c in cases {
                let errors = try await fieldErrors { _ = try await mover.checkTarget(code: c.target, for: c.unit, scope: c.scope) }
                XCTAssertEqual(errors, [c.expected], c.name)
            }
            // A village two levels deep moves to the district's top level: its branch follows, depths drop by one.
            let target = try await mover.checkTarget(code: "DIST", for: f.villageA, scope: f.dist.unitPath)
            let moved = try await mover.move(f.villageA, under: target)
            XCTAssertEqual(moved, 2)
            let village = try await OrgUnit.find(f.villageA.id, on: app.db)
            let child = try await OrgUnit.find(branch.id, on: app.db)
            XCTAssertEqual(village?.depth, 1)
            XCTAssertEqual(child?.depth, 2)
            XCTAssertEqual(village?.path, f.dist.path + "\(f.villageA.id!)/")
            XCTAssertEqual(child?.path, (village?.path ?? "") + "\(branch.id!)/")
            let underTownA = try await OrgUnit.query(on: app.db).within(f.townA.unitPath).all().map(\.code)
            XCTAssertEqual(underTownA, ["TA"])
        }
    }

    func testWhatKeepsAUnitFromBeingDeleted() async throws {
        try await withFixture { app, f in
            func leaf(_ code: String) async throws -> OrgUnit {
                try await OrgUnit.create(.init(code: code, name: "单位\(code)", kind: .other, parent: f.townA, foundedOn: nil, dissolvedOn: nil,
                                               sortOrder: 0, note: ""), on: app.db)
            }
            let withPosition = try await leaf("P")
            let position = Position()
            position.$person.id = f.personA.id!
            position.$unit.id = withPosition.id!
            position.post = Post.member.rawValue
            position.title = "委员"
            position.startOn = "2020-01-01"
            try await position.create(on: app.db)

            let withAccount = try await leaf("U")
            let hash = try Bcrypt.hash(Fixture.password, cost: 4)
            try await User.make(.init(username: "leafuser", displayName: "leaf", unit: withAccount, roles: [.clerk]),
                                passwordHash: hash, mustChange: false, now: Date()).create(on: app.db)

            let withFlag = try await leaf("F")
            let flag = UnitFlag()
            flag.$unit.id = withFlag.id!
            flag.flag = UnitFlagKind.weak.rawValue
            flag.setOn = "2024-01-01"
            flag.setReason = ""
            flag.clearedNote = ""
            try await flag.create(on: app.db)

            let withLead = try await leaf("L")
            let jijianUser = try await user(app, "jijian")
            let jijian = app.records(as: RecordActor(Principal(user: jijianUser, unit: f.dist, session: nil, roles: jijianUser.roles), address: "test"))
            _ = try await jijian.create(try XCTUnwrap(app.lvze.catalogue["problem_lead"]), unitRef: "L", raw: Self.lead)

            let empty = try await leaf("E")
            let all = app.lvze.catalogue.catalogue.kinds.map(\.id)
            let clerkReadable = app.lvze.catalogue.catalogue.kinds.filter { $0.readers.contains(.clerk) }.map(\.id)
            let cases: [(name: String, unit: OrgUnit, readable: [String], expected: String?)] = [
                ("children", f.townA, all, "「甲镇」下还有6个下级单位，请先移走或删除下级单位"),
                ("a person", f.villageA, all, "「甲一村」已有1名人员，不能删除；如已撤销，请在编辑页填写撤销日期"),
                ("a position", withPosition, all, "「单位P」已有1条任职记录，不能删除；如已撤销，请在编辑页填写撤销日期"),
                ("an account", withAccount, all, "「单位U」已有1个账号，不能删除；如已撤销，请在编辑页填写撤销日期"),
                ("a flag", withFlag, all, "「单位F」已有1条标记记录，不能删除；如已撤销，请在编辑页填写撤销日期"),
                ("a record the user may read", withLead, all, "「单位L」已有1条台账记录，不能删除；如已撤销，请在编辑页填写撤销日期"),
                ("a record the user may not read", withLead, clerkReadable, "「单位L」已有业务数据，不能删除；如已撤销，请在编辑页填写撤销日期"),
                ("nothing", empty, all, nil),
            ]
            for c in cases {
                let blocker = try await c.unit.deletionBlocker(on: app.db, readable: c.readable)
                XCTAssertEqual(blocker, c.expected, c.name)
            }
        }
    }

    static let lead: [String: String] = [
        "received_on": "2025-03-01", "lead_source": "信访举报", "summary": "反映某村干部优亲厚友", "disposal": "初步核实",
    ]

    func testAClerkCannotDeleteTheirOwnUnitOrTheRootAndNothingIsDeleted() async throws {
        try await withRunningFixture { app, f, port, _ in
            let clerkA = SocketBrowser(port: port)
            try await clerkA.login("clerkA")
            let district = SocketBrowser(port: port)
            try await district.login("clerk")
            let empty = try await OrgUnit.create(.init(code: "TA-E", name: "空单位", kind: .other, parent: f.townA, foundedOn: nil,
                                                       dissolvedOn: nil, sortOrder: 0, note: ""), on: app.db)
            let attempts: [(name: String, browser: SocketBrowser, unit: OrgUnit, status: Int)] = [
                ("own unit", clerkA, f.townA, 303),
                ("root", district, f.dist, 303),
                ("other town", clerkA, f.townB, 404),
            ]
            for a in attempts {
                try await a.browser.get("/units/\(a.unit.id!)")
                let res = try await a.browser.post("/units/\(a.unit.id!)/delete", [])
                XCTAssertEqual(res.status, a.status, a.name)
                if a.status == 303 { XCTAssertEqual(res.location, "/units/\(a.unit.id!)", a.name) }
            }
            let units = try await OrgUnit.query(on: app.db).count()
            XCTAssertEqual(units, 6)
            let deletions = try await AuditEntry.query(on: app.db).filter(\.$action == "delete").count()
            XCTAssertEqual(deletions, 0)
            try await clerkA.get("/units/\(empty.id!)")
            let gone = try await clerkA.post("/units/\(empty.id!)/delete", [])
            XCTAssertEqual(gone.location, "/units/\(f.townA.id!)")
            let entry = try await AuditEntry.query(on: app.db).filter(\.$action == "delete").first()
            XCTAssertEqual(entry?.summary, "删除单位「空单位」（TA-E）")
        }
    }

    func testFlagsAreRefusedWhenTheirDatesOrStateDoNotFit() async throws {
        try await withRunningFixture { app, f, port, _ in
            let clerk = SocketBrowser(port: port)
            try await clerk.login("clerk")
            let tomorrow = LocalDate(app.lvze.clock.now().addingTimeInterval(86_400)).iso
            let id = f.villageA.id!
            let refusals: [(name: String, form: [(String, String)], expected: [String])] = [
                ("no flag", [("flag", ""), ("date", "2024-01-01")], ["«标记»：请选择"]),
                ("unknown flag", [("flag", "bad"), ("date", "2024-01-01")], ["«标记»：请选择"]),
                ("no date", [("flag", "weak"), ("date", "")], ["«认定日期»：不能为空"]),
                ("bad date", [("flag", "weak"), ("date", "2024-13-01")], ["«认定日期»：「2024-13-01」不是有效日期，请写作2025-03-05"]),
                ("tomorrow", [("flag", "weak"), ("date", tomorrow)], ["«认定日期»：不能晚于今天"]),
            ]
            for r in refusals {
                try await clerk.get("/units/\(id)")
                let res = try await clerk.post("/units/\(id)/flags", r.form)
                XCTAssertEqual(res.status, 422, r.name)
                XCTAssertEqual(formErrors(in: res.text), r.expected, r.name)
            }
            let none = try await UnitFlag.query(on: app.db).count()
            XCTAssertEqual(none, 0)

            try await clerk.get("/units/\(id)")
            let set = try await clerk.post("/units/\(id)/flags", [("flag", "weak"), ("date", "2024-03-01"), ("reason", "班子不团结")])
            XCTAssertEqual(set.status, 303)
            try await clerk.get("/units/\(id)")
            let twice = try await clerk.post("/units/\(id)/flags", [("flag", "weak"), ("date", "2024-04-01")])
            XCTAssertEqual(formErrors(in: twice.text), ["«标记»：「甲一村」已有未解除的「软弱涣散」标记"])
            let flags = try await UnitFlag.query(on: app.db).all()
            XCTAssertEqual(flags.count, 1)
            let flag = flags[0]
            XCTAssertEqual(flag.setOn, "2024-03-01")
            XCTAssertEqual(flag.setReason, "班子不团结")

            let clearRefusals: [(name: String, date: String, expected: String)] = [
                ("no date", "", "«转化日期»：不能为空"),
                ("before it was set", "2024-02-29", "«转化日期»：不能早于认定日期2024-03-01"),
                ("tomorrow", tomorrow, "«转化日期»：不能晚于今天"),
            ]
            for r in clearRefusals {
                try await clerk.get("/units/\(id)")
                let res = try await clerk.post("/units/\(id)/flags/\(flag.id!)/clear", [("date", r.date)])
                XCTAssertEqual(res.status, 422, r.name)
                XCTAssertEqual(formErrors(in: res.text), [r.expected], r.name)
                let stored = try await UnitFlag.find(flag.id, on: app.db)
                XCTAssertNil(stored?.clearedOn, r.name)
            }
            try await clerk.get("/units/\(id)")
            let cleared = try await clerk.post("/units/\(id)/flags/\(flag.id!)/clear", [("date", "2025-06-30"), ("reason", "整顿到位")])
            XCTAssertEqual(cleared.status, 303)
            try await clerk.get("/units/\(id)")
            let again = try await clerk.post("/units/\(id)/flags/\(flag.id!)/clear", [("date", "2025-07-01")])
            XCTAssertEqual(formErrors(in: again.text), ["«标记»：该标记已于2025-06-30解除"])
            let stored = try await UnitFlag.find(flag.id, on: app.db)
            XCTAssertEqual(stored?.clearedOn, "2025-06-30")
            XCTAssertEqual(stored?.clearedNote, "整顿到位")
            // A flag cannot be cleared through another unit.
            try await clerk.get("/units/\(f.villageB.id!)")
            let elsewhere = try await clerk.post("/units/\(f.villageB.id!)/flags/\(flag.id!)/clear", [("date", "2025-07-01")])
            XCTAssertEqual(elsewhere.status, 404)
            let summaries = try await AuditEntry.query(on: app.db).filter(\.$objectType == "unit").sort(\.$seq).all().map(\.summary)
            XCTAssertEqual(summaries, ["认定「甲一村」为软弱涣散（2024-03-01）", "「甲一村」软弱涣散标记转化（2025-06-30）"])
        }
    }
}
