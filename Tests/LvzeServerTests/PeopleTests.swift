import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// The list items of a page's error box («字段»：message), in order; empty when the page has none.
func formErrors(in page: String) -> [String] {
    guard let box = page.range(of: "<div class=\"errors\"") else { return [] }
    let rest = page[box.upperBound...]
    let end = rest.range(of: "</ul>")?.lowerBound ?? rest.endIndex
    return rest[..<end].components(separatedBy: "<li>").dropFirst().map { item in
        String(item.prefix { $0 != "<" })
    }
}

/// The field errors a check throws, as the pages show them; fails the test if it does not throw one.
func fieldErrors(_ body: () async throws -> Void, file: StaticString = #filePath, line: UInt = #line) async throws -> [String] {
    do {
        try await body()
        XCTFail("the check accepted the input", file: file, line: line)
        return []
    } catch let failure as ValidationFailure {
        return failure.errors.map(\.description)
    }
}

/// `PersonInput` and `PositionInput` on their own: every refusal and every normalisation the
/// person forms and the API share.
final class PersonInputTests: XCTestCase {
    static let valid = PersonInput(name: "王五", gender: "男", birthDate: "1985-04-01", education: "本科",
                                   politicalStatus: "中共党员", origin: "退役军人", unitCode: "TA-V1", phone: "0571-1234567", note: "")

    func testEachBadPersonFieldIsNamedWithItsChineseMessage() async throws {
        try await withFixture { app, f in
            let today = LocalDate(app.lvze.clock.now())
            let tomorrow = LocalDate(app.lvze.clock.now().addingTimeInterval(86_400))
            let cases: [(name: String, change: (inout PersonInput) -> Void, expected: String)] = [
                ("empty name", { $0.name = "" }, "«姓名»：不能为空"),
                ("name of spaces", { $0.name = "   " }, "«姓名»：不能为空"),
                ("51-character name", { $0.name = String(repeating: "王", count: 51) }, "«姓名»：不能超过50个字"),
                ("unknown gender", { $0.gender = "未知" }, "«性别»：请选择男或女"),
                ("no gender", { $0.gender = nil }, "«性别»：请选择男或女"),
                ("birth date in words", { $0.birthDate = "明天" }, "«出生日期»：「明天」不是有效日期，请写作2025-03-05"),
                ("birth date 13th month", { $0.birthDate = "1990-13-01" }, "«出生日期»：「1990-13-01」不是有效日期，请写作2025-03-05"),
                ("birth date tomorrow", { $0.birthDate = tomorrow.iso }, "«出生日期»：不能晚于今天"),
                ("birth date 121 years ago", { $0.birthDate = "\(today.year - 122)-01-01" }, "«出生日期»：年龄超过120岁，请核对"),
                ("education not in the list", { $0.education = "博士" },
                 "«学历»：「博士」不是可选值（可选：初中及以下、高中（中专）、大专、本科、研究生）"),
                ("political status not in the list", { $0.politicalStatus = "党员" },
                 "«政治面貌»：「党员」不是可选值（可选：中共党员、中共预备党员、共青团员、民主党派、群众）"),
                ("origin not in the list", { $0.origin = "外地" },
                 "«人员来源»：「外地」不是可选值（可选：本村（社区）人员、退役军人、镇聘村官、大学生村官、返乡创业人员、上级选派、其他）"),
                ("no unit", { $0.unitCode = " " }, "«所在单位»：不能为空"),
                ("unknown unit", { $0.unitCode = "NOPE" }, "«所在单位»：代码「NOPE」不存在或不在您的管理范围内"),
                ("letters in the phone", { $0.phone = "138-abc" }, "«联系电话»：只能包含数字和短横线"),
                ("21-digit phone", { $0.phone = String(repeating: "1", count: 21) }, "«联系电话»：只能包含数字和短横线"),
                ("phone with a plus", { $0.phone = "+86 13800138000" }, "«联系电话»：只能包含数字和短横线"),
                ("501-character note", { $0.note = String(repeating: "备", count: 501) }, "«备注»：不能超过500个字"),
            ]
            for c in cases {
                var input = Self.valid
                c.change(&input)
                let errors = try await fieldErrors { _ = try await input.check(scope: f.dist.unitPath, today: today, on: app.db) }
                XCTAssertEqual(errors, [c.expected], c.name)
            }
        }
    }

    func testAPersonInAnotherTownIsOutOfTheClerksScope() async throws {
        try await withFixture { app, f in
            var input = Self.valid
            input.unitCode = f.villageB.code
            let today = LocalDate(app.lvze.clock.now())
            let errors = try await fieldErrors { _ = try await input.check(scope: f.townA.unitPath, today: today, on: app.db) }
            XCTAssertEqual(errors, ["«所在单位»：代码「TB-V1」不存在或不在您的管理范围内"])
            // The same code is fine for the district.
            let checked = try await input.check(scope: f.dist.unitPath, today: today, on: app.db)
            XCTAssertEqual(checked.unit.id, f.villageB.id)
        }
    }

    func testEveryProblemOfOneFormIsReportedTogetherInFormOrder() async throws {
        try await withFixture { app, f in
            let input = PersonInput(name: "", gender: "x", birthDate: "昨天", education: "博士", politicalStatus: nil,
                                    origin: nil, unitCode: "", phone: "abc", note: String(repeating: "a", count: 501))
            let errors = try await fieldErrors {
                _ = try await input.check(scope: f.dist.unitPath, today: LocalDate(app.lvze.clock.now()), on: app.db)
            }
            XCTAssertEqual(errors.map { String($0.prefix { $0 != "：" }) },
                           ["«姓名»", "«性别»", "«出生日期»", "«学历»", "«所在单位»", "«联系电话»", "«备注»"])
        }
    }

    func testAcceptedValuesAreNormalised() async throws {
        try await withFixture { app, f in
            let cases: [(name: String, change: (inout PersonInput) -> Void, check: (PersonInput.Checked) -> Bool)] = [
                ("name trimmed", { $0.name = "  王五 " }, { $0.name == "王五" }),
                ("date in Chinese", { $0.birthDate = "1990年3月5日" }, { $0.birthDate?.iso == "1990-03-05" }),
                ("date with slashes", { $0.birthDate = "1990/3/5" }, { $0.birthDate?.iso == "1990-03-05" }),
                ("date with full-width digits", { $0.birthDate = "１９９０-０３-０５" }, { $0.birthDate?.iso == "1990-03-05" }),
                ("no birth date", { $0.birthDate = "" }, { $0.birthDate == nil }),
                ("no education", { $0.education = " " }, { $0.education == nil }),
                ("full-width phone", { $0.phone = "１３８００１３８０００" }, { $0.phone == "13800138000" }),
                ("phone with a space", { $0.phone = "0571 1234567" }, { $0.phone == "0571 1234567" }),
                ("note trimmed of new lines", { $0.note = "\n  备注  \n" }, { $0.note == "备注" }),
                ("exactly 50 characters of name", { $0.name = String(repeating: "王", count: 50) }, { $0.name.count == 50 }),
                ("exactly 500 characters of note", { $0.note = String(repeating: "备", count: 500) }, { $0.note.count == 500 }),
                ("unit code with spaces", { $0.unitCode = " TA-V1 " }, { $0.unit.code == "TA-V1" }),
            ]
            for c in cases {
                var input = Self.valid
                c.change(&input)
                let checked = try await input.check(scope: f.dist.unitPath, today: LocalDate(app.lvze.clock.now()), on: app.db)
                XCTAssertTrue(c.check(checked), c.name)
            }
        }
    }

    func testEachBadPositionFieldIsNamed() async throws {
        try await withFixture { app, f in
            let valid = PositionInput(unitCode: "TA-V1", post: "secretary", title: "", startOn: "2021-01-10", endOn: nil)
            let cases: [(name: String, change: (inout PositionInput) -> Void, expected: [String])] = [
                ("no unit", { $0.unitCode = "" }, ["«任职单位»：不能为空"]),
                ("unit out of scope", { $0.unitCode = "TB-V1" }, ["«任职单位»：代码「TB-V1」不存在或不在您的管理范围内"]),
                ("no post", { $0.post = "" }, ["«职务类别»：请选择"]),
                ("post in Chinese", { $0.post = "书记" }, ["«职务类别»：请选择"]),
                ("51-character title", { $0.title = String(repeating: "长", count: 51) }, ["«职务名称»：不能超过50个字"]),
                ("no start", { $0.startOn = nil }, ["«任职日期»：不能为空"]),
                ("bad start is named once", { $0.startOn = "去年" }, ["«任职日期»：「去年」不是有效日期，请写作2025-03-05"]),
                ("bad end", { $0.endOn = "2021-02-30" }, ["«离任日期»：「2021-02-30」不是有效日期，请写作2025-03-05"]),
                ("end before start", { $0.endOn = "2021-01-09" }, ["«离任日期»：不能早于任职日期"]),
            ]
            for c in cases {
                var input = valid
                c.change(&input)
                let errors = try await fieldErrors { _ = try await input.check(scope: f.townA.unitPath, on: app.db) }
                XCTAssertEqual(errors, c.expected, c.name)
            }
            // An empty title takes the post's label; the end may be the start day.
            var sameDay = valid
            sameDay.endOn = "2021-01-10"
            let (unit, post, title, start, end) = try await sameDay.check(scope: f.townA.unitPath, on: app.db)
            XCTAssertEqual(unit.id, f.villageA.id)
            XCTAssertEqual(post, .secretary)
            XCTAssertEqual(title, "党组织书记")
            XCTAssertEqual(start.iso, "2021-01-10")
            XCTAssertEqual(end?.iso, "2021-01-10")
        }
    }
}

/// The person pages over a real socket: what is saved, what is refused, and what the audit trail says.
final class PeopleTests: XCTestCase {
    func auditEntries(_ app: Application, type: String) async throws -> [AuditEntry] {
        try await AuditEntry.query(on: app.db).filter(\.$objectType == type).sort(\.$seq).all()
    }

    func testCreatingAPersonSavesEveryFieldAndAuditsIt() async throws {
        try await withRunningFixture { app, f, port, _ in
            let clerk = SocketBrowser(port: port)
            try await clerk.login("clerkA")
            try await clerk.get("/people/new")
            let res = try await clerk.post("/people", [("name", "王五"), ("gender", "女"), ("birthDate", "1990年3月5日"),
                                                       ("education", "本科"), ("politicalStatus", "中共党员"), ("origin", "镇聘村官"),
                                                       ("unitCode", "TA-V1"), ("phone", "１３８００１３８０００"), ("note", "新任")])
            XCTAssertEqual(res.status, 303, res.text)
            let found = try await Person.query(on: app.db).filter(\.$name == "王五").first()
            let person = try XCTUnwrap(found)
            XCTAssertEqual(res.location, "/people/\(person.id!)")
            XCTAssertEqual(person.gender, "女")
            XCTAssertEqual(person.birthDate, "1990-03-05")
            XCTAssertEqual(person.education, "本科")
            XCTAssertEqual(person.politicalStatus, "中共党员")
            XCTAssertEqual(person.origin, "镇聘村官")
            XCTAssertEqual(person.$unit.id, f.villageA.id)
            XCTAssertEqual(person.phone, "13800138000")
            XCTAssertEqual(person.note, "新任")
            let audit = try await auditEntries(app, type: "person")
            XCTAssertEqual(audit.map(\.action), ["create"])
            XCTAssertEqual(audit.first?.username, "clerkA")
            XCTAssertEqual(audit.first?.objectID, String(person.id!))
            XCTAssertEqual(audit.first?.summary, "新增人员「王五」")
            XCTAssertTrue(audit.first?.after?.contains("13800138000") == true, audit.first?.after ?? "")
        }
    }

    func testARefusedPersonFormSavesNothingAndKeepsWhatWasTyped() async throws {
        try await withRunningFixture { app, f, port, _ in
            let clerk = SocketBrowser(port: port)
            try await clerk.login("clerkA")
            try await clerk.get("/people/new")
            let peopleBefore = try await Person.query(on: app.db).count()
            let auditBefore = try await AuditEntry.query(on: app.db).count()
            let res = try await clerk.post("/people", [("name", "赵六"), ("gender", "男"), ("birthDate", "1990-01-01"),
                                                       ("unitCode", "TB-V1"), ("phone", "电话")])
            XCTAssertEqual(res.status, 422)
            XCTAssertEqual(formErrors(in: res.text),
                           ["«所在单位»：代码「TB-V1」不存在或不在您的管理范围内", "«联系电话»：只能包含数字和短横线"])
            XCTAssertTrue(res.text.contains("value=\"赵六\""), "the name typed is kept in the form")
            let peopleAfter = try await Person.query(on: app.db).count()
            let auditAfter = try await AuditEntry.query(on: app.db).count()
            XCTAssertEqual(peopleAfter, peopleBefore)
            XCTAssertEqual(auditAfter, auditBefore)
        }
    }

    func testEditingAPersonAuditsBeforeAndAfterAndRefusesAMoveOutOfScope() async throws {
        try await withRunningFixture { app, f, port, _ in
            let clerk = SocketBrowser(port: port)
            try await clerk.login("clerkA")
            let id = f.personA.id!
            try await clerk.get("/people/\(id)/edit")
            // Moving the person to the other town is out of the town clerk's scope: nothing changes.
            let refused = try await clerk.post("/people/\(id)", [("name", "张甲"), ("gender", "男"), ("unitCode", "TB-V1")])
            XCTAssertEqual(refused.status, 422)
            XCTAssertEqual(formErrors(in: refused.text), ["«所在单位»：代码「TB-V1」不存在或不在您的管理范围内"])
            let unchanged = try await Person.find(id, on: app.db)
            XCTAssertEqual(unchanged?.$unit.id, f.villageA.id)
            let noAudit = try await auditEntries(app, type: "person")
            XCTAssertEqual(noAudit.count, 0)

            let saved = try await clerk.post("/people/\(id)", [("name", "张甲"), ("gender", "男"), ("birthDate", "1980-06-15"),
                                                               ("education", "研究生"), ("unitCode", "TA")])
            XCTAssertEqual(saved.status, 303)
            XCTAssertEqual(saved.location, "/people/\(id)")
            let person = try await Person.find(id, on: app.db)
            XCTAssertEqual(person?.education, "研究生")
            XCTAssertEqual(person?.$unit.id, f.townA.id)
            let audit = try await auditEntries(app, type: "person")
            XCTAssertEqual(audit.map(\.action), ["update"])
            XCTAssertEqual(audit.first?.summary, "修改人员「张甲」")
            XCTAssertTrue(audit.first?.before?.contains("大专") == true, audit.first?.before ?? "")
            XCTAssertTrue(audit.first?.after?.contains("研究生") == true, audit.first?.after ?? "")
        }
    }

    func testAClerkCannotChangeOrDeleteAnotherTownsPeople() async throws {
        try await withRunningFixture { app, f, port, _ in
            let clerk = SocketBrowser(port: port)
            try await clerk.login("clerkA")
            let other = f.personB.id!
            let attempts: [(String, String, [(String, String)])] = [
                ("edit", "/people/\(other)", [("name", "改名"), ("gender", "男"), ("unitCode", "TA-V1")]),
                ("delete", "/people/\(other)/delete", []),
                ("add a position", "/people/\(other)/positions", [("unitCode", "TA-V1"), ("post", "secretary"), ("startOn", "2020-01-01")]),
            ]
            for (name, path, form) in attempts {
                let res = try await clerk.post(path, form)
                XCTAssertEqual(res.status, 404, name)
            }
            let person = try await Person.find(other, on: app.db)
            XCTAssertEqual(person?.name, "李乙")
            XCTAssertEqual(person?.$unit.id, f.villageB.id)
            let positions = try await Position.query(on: app.db).count()
            XCTAssertEqual(positions, 0)
            let audit = try await auditEntries(app, type: "person")
            XCTAssertTrue(audit.isEmpty)
        }
    }

    func testEndingAPositionIsCheckedAgainstItsStartAndOnlyOnce() async throws {
        try await withRunningFixture { app, f, port, _ in
            let clerk = SocketBrowser(port: port)
            try await clerk.login("clerk")
            let id = f.personA.id!
            try await clerk.get("/people/\(id)")
            let added = try await clerk.post("/people/\(id)/positions", [("unitCode", "TA-V1"), ("post", "director"), ("startOn", "2021-01-10")])
            XCTAssertEqual(added.status, 303)
            let first = try await Position.query(on: app.db).filter(\.$person.$id == id).first()
            let position = try XCTUnwrap(first)
            XCTAssertEqual(position.title, "主任（负责人）")
            let path = "/people/\(id)/positions/\(position.id!)/end"
            let refusals: [(name: String, endOn: String, expected: String)] = [
                ("empty", "", "«离任日期»：不能为空"),
                ("not a date", "下周", "«离任日期»：「下周」不是有效日期，请写作2025-03-05"),
                ("before the start", "2021-01-09", "«离任日期»：不能早于任职日期2021-01-10"),
            ]
            for r in refusals {
                try await clerk.get("/people/\(id)")
                let res = try await clerk.post(path, [("endOn", r.endOn)])
                XCTAssertEqual(res.status, 422, r.name)
                XCTAssertEqual(formErrors(in: res.text), [r.expected], r.name)
                let stored = try await Position.find(position.id, on: app.db)
                XCTAssertNil(stored?.endOn, r.name)
            }
            try await clerk.get("/people/\(id)")
            let ended = try await clerk.post(path, [("endOn", "2024年6月30日")])
            XCTAssertEqual(ended.status, 303)
            let stored = try await Position.find(position.id, on: app.db)
            XCTAssertEqual(stored?.endOn, "2024-06-30")
            let audit = try await auditEntries(app, type: "position")
            XCTAssertEqual(audit.map(\.action), ["create", "update"])
            XCTAssertEqual(audit.last?.summary, "「张甲」主任（负责人）任职结束于2024-06-30")

            // A second end is refused and the first date stays.
            try await clerk.get("/people/\(id)")
            let again = try await clerk.post(path, [("endOn", "2025-01-01")])
            XCTAssertEqual(again.status, 422)
            XCTAssertEqual(formErrors(in: again.text), ["«离任日期»：该任职已于2024-06-30结束"])
            let kept = try await Position.find(position.id, on: app.db)
            XCTAssertEqual(kept?.endOn, "2024-06-30")

            // Another person's position cannot be ended through this person.
            try await clerk.get("/people/\(f.personB.id!)")
            let wrongPerson = try await clerk.post("/people/\(f.personB.id!)/positions/\(position.id!)/end", [("endOn", "2025-01-01")])
            XCTAssertEqual(wrongPerson.status, 404)
        }
    }

    func testTheListSearchesNamesAndUnitsWithinTheScope() async throws {
        try await withFixture { app, f in
            let clerk = try await Browser.signedIn(app, "clerk")
            let cases: [(query: String, expected: [String])] = [
                ("", ["张甲", "李乙"]),
                ("张", ["张甲"]),
                ("乙一村", ["李乙"]),
                ("没有这个人", []),
                ("%", []),
            ]
            for c in cases {
                let path = "/people" + (c.query.isEmpty ? "" : "?q=" + c.query.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
                let page = try await clerk.get(path)
                XCTAssertEqual(page.status, .ok, c.query)
                XCTAssertEqual(personLinks(in: page.body.string), c.expected, "q=\(c.query)")
                XCTAssertTrue(page.body.string.contains("共\(c.expected.count)人"), "q=\(c.query)")
            }
            let townA = try await Browser.signedIn(app, "clerkA")
            let scoped = try await townA.get("/people?q=" + "李".addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)
            XCTAssertEqual(personLinks(in: scoped.body.string), [], "the town A clerk does not find town B's people")
        }
    }

    func testIncumbentsRefuseABadDateAndDefaultToLastYearsEnd() async throws {
        try await withFixture { app, f in
            let clerk = try await Browser.signedIn(app, "clerk")
            let bad = try await clerk.get("/incumbents?date=2025-13-01")
            XCTAssertEqual(bad.status, .ok)
            XCTAssertTrue(bad.body.string.contains("«日期»：「2025-13-01」不是有效日期"), "the bad date is named")
            let today = LocalDate(app.lvze.clock.now())
            let plain = try await clerk.get("/incumbents")
            XCTAssertTrue(plain.body.string.contains("value=\"\(today.year - 1)-12-31\""), "the default day is 31 December of last year")
        }
    }

    /// The names linked from the people list, in order.
    func personLinks(in page: String) -> [String] {
        page.components(separatedBy: "<td><a href=\"/people/").dropFirst().compactMap { part in
            guard let open = part.firstIndex(of: ">") else { return nil }
            return String(part[part.index(after: open)...].prefix { $0 != "<" })
        }
    }
}
