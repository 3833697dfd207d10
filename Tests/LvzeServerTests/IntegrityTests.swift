import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// Defects an attacker's probe found (issue 11), each pinned.
final class IntegrityTests: XCTestCase {
    /// U+0000 from a client neither breaks the audit chain nor reaches storage: forms and JSON
    /// with it are refused by name, and whatever else reaches the trail is stored as hashed.
    func testNULNeverBreaksTheAuditChain() async throws {
        try await withFixture { app, _ in
            let login = try await send(app, .POST, "/api/v1/login", rawBody: #"{"username":"\u0000","password":"x"}"#)
            XCTAssertEqual(login.status, .badRequest, login.body.string)
            XCTAssertTrue(login.body.string.contains("U+0000"), login.body.string)
            let form = Browser(app)
            try await form.get("/login")
            let formLogin = try await form.post("/login", ["username": "clerk\u{0}", "password": "x"])
            XCTAssertEqual(formLogin.status, .badRequest)
            // Whatever text reaches the trail is hashed as it is stored, on both databases.
            try await app.lvze.audit.append(.loginFailed, actor: AuditActor(userID: nil, username: "a\u{0}b", unitID: nil, address: "x"),
                                            objectType: "user", objectID: "\u{0}", summary: "含\u{0}字符", after: ["v": "\u{0}"],
                                            at: app.lvze.clock.now(), on: app.db)
            let verification = try await app.lvze.audit.verify(on: app.db); let (count, problem) = (verification.count, verification.problem)
            XCTAssertNil(problem, problem?.description ?? "")
            XCTAssertGreaterThan(count, 0)
            let stored = try await AuditEntry.query(on: app.db).sort(\.$seq, .descending).first()
            XCTAssertEqual(stored?.username, "a\u{2400}b")
            // A ledger field with U+0000 is named, nothing saved.
            let clerk = try await Browser.signedIn(app, "clerk")
            try await clerk.get("/ledgers/rectification/new")
            let res = try await clerk.postMultipart("/ledgers/rectification", [
                "unit": "TA", "f_found_on": "2025-03-05", "f_source": "巡察", "f_description": "问题\u{0}描述", "f_deadline": "2099-01-01"])
            XCTAssertEqual(res.status, .unprocessableEntity)
            XCTAssertTrue(res.body.string.contains("«问题描述»：含有不可见的控制字符（U+0000）"), res.body.string)
            let records = try await LedgerRecord.query(on: app.db).count()
            XCTAssertEqual(records, 0)
            let after = try await app.lvze.audit.verify(on: app.db).problem
            XCTAssertNil(after)
        }
    }

    /// A reviewer with the leader's scope must not get the leader's dashboard: the leader reads
    /// a custom ledger the reviewer may not.
    func testDashboardCacheIsKeyedByWhatTheUserMayRead() async throws {
        try await withFixture { app, _ in
            let sys = try await Browser.signedIn(app, "sys")
            try await sys.get("/admin/ledgers")
            let made = try await sys.post("/admin/ledgers", [
                "id": "special_supervision", "name": "专项督办台账", "system": "safety", "workflow": "on",
                "readers[0]": "leader", "readers[1]": "clerk", "fields[0][id]": "item", "fields[0][label]": "督办事项", "fields[0][type]": "text"])
            XCTAssertEqual(made.status, .seeOther, made.body.string)
            let kind = try XCTUnwrap(app.lvze.catalogue["special_supervision"])
            XCTAssertFalse(kind.readers.contains(.reviewer))
            let clerk = try await Browser.signedIn(app, "clerk")
            try await clerk.get("/ledgers/special_supervision/new")
            let record = try await clerk.postMultipart("/ledgers/special_supervision", [
                "unit": "TA", "f_item": "秘密督办事项", "f_source": "巡察", "f_deadline": "2000-01-01"])
            XCTAssertEqual(record.status, .seeOther, record.body.string)
            let leader = Browser(app), reviewer = Browser(app)
            try await leader.login("leader")
            try await reviewer.login("reviewer")
            let leaderPage = try await leader.get("/dashboards/supervision").body.string
            let reviewerPage = try await reviewer.get("/dashboards/supervision").body.string
            func charts(_ page: String) -> String {
                guard let start = page.range(of: "<div class=\"chart-row\">") else { return "" }
                return String(page[start.lowerBound...])
            }
            XCTAssertFalse(charts(leaderPage).isEmpty)
            XCTAssertNotEqual(charts(leaderPage), charts(reviewerPage), "the reviewer got the leader's figures")
        }
    }

    /// The auditor sees that a discipline record was read or changed, never its content.
    func testAuditorNeverSeesDisciplineContent() async throws {
        try await withFixture { app, _ in
            let jijian = try await Browser.signedIn(app, "jijian")
            try await jijian.get("/ledgers/problem_lead/new")
            let created = try await jijian.postMultipart("/ledgers/problem_lead", [
                "unit": "TA", "f_received_on": "2025-02-01", "f_lead_source": "信访举报", "f_reported_person": "张某某",
                "f_summary": "反映某村干部优亲厚友"])
            XCTAssertEqual(created.status, .seeOther, created.body.string)
            let id = try await LedgerRecord.query(on: app.db).first()!.id!
            try await jijian.get("/ledgers/problem_lead/\(id)")
            let auditor = try await Browser.signedIn(app, "aud")
            // The search box shows what was searched for; nothing else of the record may appear.
            for (path, searched) in [("/audit", ""), ("/audit?text=%E5%8F%8D%E6%98%A0", "反映"), ("/audit?text=%E5%BC%A0%E6%9F%90%E6%9F%90", "张某某"),
                                     ("/audit/export", "")] {
                let page = try await auditor.get(path)
                XCTAssertEqual(page.status, .ok, path)
                if !searched.isEmpty { XCTAssertTrue(page.body.string.contains("符合条件0条"), path) }
                for secret in ["优亲厚友", "张某某", "反映某村干部"] where secret != searched {
                    XCTAssertFalse(page.body.string.contains(secret), "\(path) shows «\(secret)»")
                }
            }
            let page = try await auditor.get("/audit").body.string
            XCTAssertTrue(page.contains("纪检台账的内容不向审计管理员显示"), page)
            XCTAssertTrue(page.contains("jijian"))
        }
    }

    /// Report templates belong to the unit that made them: a town clerk uses the district's but
    /// cannot change or delete it; the district's clerk can.
    func testTemplatesBelongToTheirUnit() async throws {
        try await withFixture { app, _ in
            let clerk = try await Browser.signedIn(app, "clerk")
            try await clerk.get("/reports/templates/new")
            let saved = try await clerk.post("/reports/templates", ["name": "区级模板", "body": ReportTemplate.defaultText, "action": "save"])
            XCTAssertEqual(saved.status, .seeOther, saved.body.string)
            let first = try await ReportTemplateRow.query(on: app.db).first()
            let row = try XCTUnwrap(first)
            let townClerk = try await Browser.signedIn(app, "clerkA")
            let list = try await townClerk.get("/reports/templates")
            XCTAssertTrue(list.body.string.contains("区级模板"), "usable below")
            let view = try await townClerk.get("/reports/templates/\(row.id!)")
            XCTAssertEqual(view.status, .ok)
            XCTAssertFalse(view.body.string.contains("检查并保存"))
            let edit = try await townClerk.post("/reports/templates/\(row.id!)", ["name": "改掉", "body": "%title 改掉\n", "action": "save"])
            XCTAssertEqual(edit.status, .forbidden, edit.body.string)
            let delete = try await townClerk.post("/reports/templates/\(row.id!)/delete", [:])
            XCTAssertEqual(delete.status, .forbidden)
            let still = try await ReportTemplateRow.find(row.id, on: app.db)
            XCTAssertEqual(still?.name, "区级模板")
            XCTAssertEqual(still?.body, ReportTemplate.defaultText)
            // A town's own template is not shown to the other town.
            try await townClerk.get("/reports/templates/new")
            let own = try await townClerk.post("/reports/templates", ["name": "甲镇模板", "body": ReportTemplate.defaultText, "action": "save"])
            XCTAssertEqual(own.status, .seeOther, own.body.string)
            let other = try await Browser.signedIn(app, "clerkB")
            let otherList = try await other.get("/reports/templates").body.string
            XCTAssertFalse(otherList.contains("甲镇模板"))
            let townFirst = try await ReportTemplateRow.query(on: app.db).filter(\.$name == "甲镇模板").first()
            let townRow = try XCTUnwrap(townFirst)
            let hidden = try await other.get("/reports/templates/\(townRow.id!)")
            XCTAssertEqual(hidden.status, .notFound)
            // The district's own clerk still edits the district's.
            try await clerk.get("/reports/templates/\(row.id!)")
            let mine = try await clerk.post("/reports/templates/\(row.id!)", ["name": "区级模板（修订）", "body": ReportTemplate.defaultText, "action": "save"])
            XCTAssertEqual(mine.status, .seeOther, mine.body.string)
        }
    }
}

/// 三员分立 that holds: no administrator alone can reset, disable or move an administrator's
/// or a 纪检 account, and so sign in as it.
final class SeparationOfDutiesTests: XCTestCase {
    func testProtectedAccountsNeedTwoPeople() async throws {
        try await withFixture { app, _ in
            let sys = try await Browser.signedIn(app, "sys")
            let jijian = try await User.query(on: app.db).filter(\.$username == "jijian").first()!
            let aud = try await User.query(on: app.db).filter(\.$username == "aud").first()!
            let oldHash = jijian.passwordHash
            try await sys.get("/admin/users/\(jijian.id!)")
            let reset = try await sys.post("/admin/users/\(jijian.id!)/reset", [:])
            XCTAssertEqual(reset.status, .ok)
            XCTAssertTrue(reset.body.string.contains("须经安全管理员批准"), reset.body.string)
            let first = try XCTUnwrap(reset.body.string.range(of: #"<code class="token">([^<]+)</code>"#, options: .regularExpression)
                .map { String(reset.body.string[$0]).replacingOccurrences(of: "<code class=\"token\">", with: "").replacingOccurrences(of: "</code>", with: "") })
            let unchanged = try await User.find(jijian.id, on: app.db)!.passwordHash
            XCTAssertEqual(unchanged, oldHash, "the system administrator alone changed nothing")
            // Nor can the system administrator disable the auditor alone.
            try await sys.get("/admin/users/\(aud.id!)")
            let disable = try await sys.post("/admin/users/\(aud.id!)", ["displayName": "aud", "unitCode": "DIST", "disabled": "on"])
            XCTAssertEqual(disable.status, .seeOther)
            let stillActive = try await User.find(aud.id, on: app.db)!.disabled
            XCTAssertFalse(stillActive)
            // The security administrator approves; each saw one half of the new password.
            let sec = try await Browser.signedIn(app, "sec")
            let page = try await sec.get("/security/users/\(jijian.id!)")
            XCTAssertTrue(page.body.string.contains("待审批：重置密码"), page.body.string)
            let request = try await AccountRequest.query(on: app.db).filter(\.$userID == jijian.id!).filter(\.$status == "pending").first()!
            let approved = try await sec.post("/security/requests/\(request.id!)/approve", [:])
            XCTAssertEqual(approved.status, .ok, approved.body.string)
            XCTAssertFalse(approved.body.string.contains(first), "the approver never sees the first half")
            let second = try XCTUnwrap(approved.body.string.range(of: #"<code class="token">([^<]+)</code>"#, options: .regularExpression)
                .map { String(approved.body.string[$0]).replacingOccurrences(of: "<code class=\"token\">", with: "").replacingOccurrences(of: "</code>", with: "") })
            let stored = try await AccountRequest.find(request.id, on: app.db)
            XCTAssertNil(stored?.part, "the first half is erased once decided")
            let owner = Browser(app)
            let signIn = try await owner.login("jijian", first + second)
            XCTAssertEqual(signIn.status, .seeOther, signIn.body.string)
            let oldPassword = Browser(app)
            let refused = try await oldPassword.login("jijian")
            XCTAssertNotEqual(refused.location, "/")
            // The disable request waits too; the approver cannot act on requests about themself.
            let pendingDisable = try await AccountRequest.query(on: app.db).filter(\.$userID == aud.id!).first()!
            XCTAssertEqual(pendingDisable.action, "disable")
            try await sec.get("/security/users/\(aud.id!)")
            let ok = try await sec.post("/security/requests/\(pendingDisable.id!)/approve", [:])
            XCTAssertEqual(ok.status, .ok)
            let disabled = try await User.find(aud.id, on: app.db)!.disabled
            XCTAssertTrue(disabled)
            let actions = try await auditActions(app)
            XCTAssertTrue(actions.contains("password_reset"))
            // An ordinary clerk is still reset at once.
            let clerk = try await User.query(on: app.db).filter(\.$username == "clerkA").first()!
            try await sys.get("/admin/users/\(clerk.id!)")
            let clerkReset = try await sys.post("/admin/users/\(clerk.id!)/reset", [:])
            XCTAssertTrue(clerkReset.body.string.contains("密码已重置"), clerkReset.body.string)
        }
    }

    func testTokensEndWithAPasswordChange() async throws {
        try await withFixture { app, _ in
            let login = try await send(app, .POST, "/api/v1/login", json: ["username": "clerk", "password": Fixture.password])
            let token = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(login.body.readableBytesView)) as? [String: Any])?["token"] as? String)
            let before = try await send(app, .GET, "/api/v1/me", token: token)
            XCTAssertEqual(before.status, .ok)
            let clerk = try await Browser.signedIn(app, "clerk")
            try await clerk.get("/password")
            let changed = try await clerk.post("/password", ["current": Fixture.password, "new": "Another-Passw0rd!", "confirm": "Another-Passw0rd!"])
            XCTAssertEqual(changed.status, .seeOther, changed.body.string)
            let after = try await send(app, .GET, "/api/v1/me", token: token)
            XCTAssertEqual(after.status, .unauthorized)
        }
    }
}

/// Login answers that tell nothing and a throttle a stranger cannot turn against the owner.
final class LoginThrottleTests: XCTestCase {
    func testAStrangerCannotLockTheOwnerOutAndUnknownUsersAnswerAlike() async throws {
        try await withRunningFixture { _, _, port, _ in
            let stranger = SocketBrowser(port: port, source: "127.0.0.2")
            try await stranger.get("/login")
            var answers: [String] = []
            for _ in 1...5 {
                let res = try await stranger.post("/login", [("username", "clerk"), ("password", "guess")])
                answers.append(Self.message(res.text))
            }
            XCTAssertTrue(answers[4].contains("已暂停从本机登录15分钟"), answers[4])
            // The owner at their own desk is not locked out.
            let owner = SocketBrowser(port: port, source: "127.0.0.1")
            let signedIn = try await owner.login("clerk")
            XCTAssertEqual(signedIn.status, 303, signedIn.text)
            // An unknown username gets the very same answers, pause included.
            let prober = SocketBrowser(port: port, source: "127.0.0.3")
            try await prober.get("/login")
            var unknown: [String] = []
            for _ in 1...5 {
                let res = try await prober.post("/login", [("username", "nobody"), ("password", "guess")])
                unknown.append(Self.message(res.text))
            }
            XCTAssertEqual(unknown, answers)
            // Disabled is told only to someone who knows the password.
            XCTAssertFalse(answers.joined().contains("停用"))
        }
    }

    /// The error text of the login page.
    static func message(_ page: String) -> String {
        guard let start = page.range(of: "role=\"alert\">"), let end = page[start.upperBound...].range(of: "</") else { return page }
        return String(page[start.upperBound..<end.lowerBound])
    }
}

final class HiddenRecordsTests: XCTestCase {
    /// A clerk who may not read discipline ledgers is not told that one names a unit.
    func testUnitDeletionDoesNotCountHiddenRecords() async throws {
        try await withFixture { app, _ in
            let clerk = try await Browser.signedIn(app, "clerk")
            try await clerk.get("/units/new")
            let made = try await clerk.post("/units", ["parentCode": "TA", "code": "TA-V9", "name": "甲九村", "kind": "village"])
            XCTAssertEqual(made.status, .seeOther, made.body.string)
            let jijian = try await Browser.signedIn(app, "jijian")
            try await jijian.get("/ledgers/problem_lead/new")
            let lead = try await jijian.postMultipart("/ledgers/problem_lead", [
                "unit": "TA-V9", "f_received_on": "2025-02-01", "f_summary": "反映问题"])
            XCTAssertEqual(lead.status, .seeOther, lead.body.string)
            let unit = try await OrgUnit.query(on: app.db).filter(\.$code == "TA-V9").first()!
            try await clerk.get("/units/\(unit.id!)")
            let refused = try await clerk.post("/units/\(unit.id!)/delete", [:])
            let page = try await clerk.get(refused.location)
            XCTAssertFalse(page.body.string.contains("台账记录"), page.body.string)
            XCTAssertTrue(page.body.string.contains("已有业务数据，不能删除"), page.body.string)
            let still = try await OrgUnit.find(unit.id, on: app.db)
            XCTAssertNotNil(still)
        }
    }
}

final class InputEdgeTests: XCTestCase {
    /// `%` and `_` are searched for as themselves, not as wildcards that match every row.
    func testSearchWildcardsAreLiteral() async throws {
        try await withFixture { app, _ in
            let clerk = try await Browser.signedIn(app, "clerk")
            for (i, text) in ["台账缺失", "整改完成率100%", "制度未上墙"].enumerated() {
                try await clerk.get("/ledgers/rectification/new")
                let res = try await clerk.postMultipart("/ledgers/rectification", [
                    "unit": "TA", "f_found_on": "2025-03-0\(i + 1)", "f_source": "巡察", "f_description": text, "f_deadline": "2099-01-01"])
                XCTAssertEqual(res.status, .seeOther, res.body.string)
            }
            let percent = try await clerk.get("/ledgers/rectification?q=%25").body.string
            XCTAssertTrue(percent.contains("整改完成率100%"))
            XCTAssertFalse(percent.contains("台账缺失"), "q=% matched every row")
            let underscore = try await clerk.get("/ledgers/rectification?q=_").body.string
            XCTAssertFalse(underscore.contains("台账缺失"), "q=_ matched every row")
            let sys = try await Browser.signedIn(app, "sys")
            let users = try await sys.get("/admin/users?q=_").body.string
            XCTAssertTrue(users.contains("没有符合条件的账号"), users)
            let aud = try await Browser.signedIn(app, "aud")
            let audit = try await aud.get("/audit?text=%25").body.string
            let total = try await AuditEntry.query(on: app.db).count()
            let withPercent = try await AuditEntry.query(on: app.db).all().filter { $0.summary.contains("%") }.count
            XCTAssertGreaterThan(total, withPercent)
            XCTAssertTrue(audit.contains("符合条件\(withPercent)条"), audit)
        }
    }

    /// A PATCH that changes nothing, or whose fields are not an object, is a 422 naming it.
    func testPatchWithoutChangesIs422() async throws {
        try await withFixture { app, _ in
            let login = try await send(app, .POST, "/api/v1/login", json: ["username": "clerk", "password": Fixture.password])
            let token = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(login.body.readableBytesView)) as? [String: Any])?["token"] as? String)
            let created = try await send(app, .POST, "/api/v1/records/rectification", token: token,
                                         rawBody: #"{"unit":"TA","fields":{"found_on":"2025-03-05","source":"巡察","description":"接口记录","deadline":"2099-01-01"}}"#)
            XCTAssertEqual(created.status, .created, created.body.string)
            let id = try XCTUnwrap((try JSONSerialization.jsonObject(with: Data(created.body.readableBytesView)) as? [String: Any])?["id"] as? Int)
            for body in [#"{"fields":[null]}"#, #"{}"#, #"{"fields":{}}"#, #"{"fields":"x"}"#] {
                let res = try await send(app, .PATCH, "/api/v1/records/rectification/\(id)", token: token, rawBody: body)
                XCTAssertEqual(res.status, .unprocessableEntity, "\(body): \(res.body.string)")
                XCTAssertTrue(res.body.string.contains("fields"), res.body.string)
            }
            let create = try await send(app, .POST, "/api/v1/records/rectification", token: token, rawBody: #"{"unit":"TA","fields":[1]}"#)
            XCTAssertEqual(create.status, .unprocessableEntity, create.body.string)
            // The OpenAPI lists the answers the API gives.
            let spec = try await send(app, .GET, "/api/openapi.json", token: token).body.string
            for status in ["\"401\"", "\"403\"", "\"413\"", "\"415\"", "\"422\""] { XCTAssertTrue(spec.contains(status), status) }
        }
    }
}

/// What schemathesis and the kill -9 probe found under concurrency and odd numbers.
final class ConcurrencyProbeTests: XCTestCase {
    func testConcurrentEditsOfOneVersionCannotBothWin() async throws {
        try await withRunningFixture { _, _, port, _ in
            let login = try await RawHTTP.exchange(port: port, method: "POST", path: "/api/v1/login", headers: [("Content-Type", "application/json")],
                                                   body: Data(#"{"username":"clerk","password":"\#(Fixture.password)"}"#.utf8), delivery: .pieces(1_000))
            let token = try XCTUnwrap((try JSONSerialization.jsonObject(with: login.body) as? [String: Any])?["token"] as? String)
            let auth = [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")]
            let created = try await RawHTTP.exchange(port: port, method: "POST", path: "/api/v1/records/rectification", headers: auth,
                body: Data(#"{"unit":"TA","fields":{"found_on":"2025-03-05","source":"巡察","description":"并发","deadline":"2099-01-01"}}"#.utf8),
                delivery: .pieces(1_000))
            let id = try XCTUnwrap((try JSONSerialization.jsonObject(with: created.body) as? [String: Any])?["id"] as? Int)
            for round in 0..<5 {
                let current = try await RawHTTP.exchange(port: port, method: "GET", path: "/api/v1/records/rectification/\(id)", headers: auth,
                                                         body: Data(), delivery: .pieces(1_000))
                let version = try XCTUnwrap((try JSONSerialization.jsonObject(with: current.body) as? [String: Any])?["version"] as? Int)
                let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                    for writer in 0..<2 {
                        group.addTask {
                            let body = #"{"version":\#(version),"fields":{"measures":"第\#(round)轮，写入者\#(writer)"}}"#
                            return try await RawHTTP.exchange(port: port, method: "PATCH", path: "/api/v1/records/rectification/\(id)",
                                                              headers: auth, body: Data(body.utf8), delivery: .pieces(1_000)).status
                        }
                    }
                    var all: [Int] = []
                    for try await s in group { all.append(s) }
                    return all.sorted()
                }
                XCTAssertEqual(statuses, [200, 409], "round \(round): both edits of version \(version) answered \(statuses)")
            }
            // Numbers in exponent form are numbers; paging parameters are checked; a PATCH of the same value is a 422.
            let current = try await RawHTTP.exchange(port: port, method: "GET", path: "/api/v1/records/rectification/\(id)", headers: auth,
                                                     body: Data(), delivery: .pieces(1_000))
            let fields = (try JSONSerialization.jsonObject(with: current.body) as? [String: Any])?["fields"] as? [String: Any]
            let same = #"{"fields":{"measures":"\#(fields?["measures"] as? String ?? "")"}}"#
            let unchanged = try await RawHTTP.exchange(port: port, method: "PATCH", path: "/api/v1/records/rectification/\(id)", headers: auth,
                                                       body: Data(same.utf8), delivery: .pieces(1_000))
            XCTAssertEqual(unchanged.status, 422, unchanged.text)
            let progress = try await RawHTTP.exchange(port: port, method: "PATCH", path: "/api/v1/records/rectification/\(id)", headers: auth,
                                                      body: Data(#"{"fields":{"progress":1e1}}"#.utf8), delivery: .pieces(1_000))
            XCTAssertEqual(progress.status, 200, progress.text)
            for query in ["limit=abc", "limit=0", "limit=5000", "after=abc"] {
                let res = try await RawHTTP.exchange(port: port, method: "GET", path: "/api/v1/records/rectification?\(query)", headers: auth,
                                                     body: Data(), delivery: .pieces(1_000))
                XCTAssertEqual(res.status, 400, "\(query): \(res.text)")
            }
            let noType = try await RawHTTP.exchange(port: port, method: "POST", path: "/api/v1/login", headers: [], body: Data(), delivery: .pieces(1))
            XCTAssertTrue(noType.text.contains("只接受 JSON") || noType.status == 400, noType.text)
        }
    }
}

final class ImportQueueTests: XCTestCase {
    /// At most the set number of imports read and write at once; the rest wait in order.
    func testImportsQueueBeyondTheLimit() async throws {
        let jobs = ImportJobs()
        let now = Date()
        let ids = (0..<3).map { _ in UUID() }
        for (i, id) in ids.enumerated() {
            jobs.start(.init(id: id, kind: "hazard", userID: 1, unit: "TA", dryRun: true, started: now.addingTimeInterval(Double(i))))
        }
        await jobs.waitForTurn(ids[0], limit: 1)
        XCTAssertEqual(jobs.get(ids[0])?.phase, .reading)
        XCTAssertEqual(jobs.place(ids[1]), 0)
        XCTAssertEqual(jobs.place(ids[2]), 1)
        let second = Task { await jobs.waitForTurn(ids[1], limit: 1) }
        try await Task.sleep(nanoseconds: 500_000_000)
        XCTAssertEqual(jobs.get(ids[1])?.phase, .queued, "waits while the first runs")
        jobs.update(ids[0]) { $0.phase = .done }
        await second.value
        XCTAssertEqual(jobs.get(ids[1])?.phase, .reading)
        XCTAssertEqual(jobs.get(ids[2])?.phase, .queued)
        XCTAssertEqual(jobs.running, 2)
    }

    func testTheLimitIsASettingChecked() async throws {
        try await withFixture { app, _ in
            let sys = try await Browser.signedIn(app, "sys")
            try await sys.get("/admin/settings")
            let bad = try await sys.post("/admin/settings", ["districtName": "测试区委", "importConcurrency": "0"])
            XCTAssertEqual(bad.status, .unprocessableEntity)
            XCTAssertTrue(bad.body.string.contains("应为1到8之间的整数"), bad.body.string)
            let ok = try await sys.post("/admin/settings", ["districtName": "测试区委", "importConcurrency": "3"])
            XCTAssertEqual(ok.status, .seeOther, ok.body.string)
            XCTAssertEqual(app.lvze.settings.int(ImportJobs.concurrencyKey), 3)
        }
    }
}
