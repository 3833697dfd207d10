import Fluent
import LvzeCore
@testable import LvzeServer
import NIOHTTP1
import XCTest
import XCTVapor

/// Every route × every role × in and out of scope, from one table. A route missing from the
/// table fails the test, so a new route must say who may use it.
///
/// For each case: anonymous callers are sent to sign in (pages) or get 401/403 (API, forms);
/// roles outside `allowed` get 403 or 404 and never the page; roles inside are never refused
/// (401/403/404) unless the case's object may not exist; nobody gets a 5xx; and the town clerk
/// asking for the other town's object gets 404.
final class AuthorizationTableTests: XCTestCase {
    /// The accounts of the fixture, by role; `clerkA` is the clerk of town A (scope checks).
    static let roles = ["sys", "sec", "aud", "leader", "clerk", "reviewer", "jijian"]
    static let admins: Set<String> = ["sys", "sec", "aud"]
    static let business: Set<String> = ["leader", "clerk", "reviewer", "jijian"]
    static let everyone = admins.union(business)

    struct Case {
        var method: HTTPMethod
        /// The route as Vapor registers it, e.g. `/ledgers/:kind/:id`.
        var route: String
        /// The path to call; `{recA}` and the like are the fixture's objects in town A.
        var path: String
        var allowed: Set<String>
        /// The same call on town B's object: the town A clerk must get 404.
        var outOfScope: String?
        /// The object is not made by the fixture (a job, a request, a snapshot): an allowed
        /// caller may get 404 too.
        var missingOK = false
        var isPublic = false
    }

    static func c(_ method: HTTPMethod, _ route: String, _ path: String, _ allowed: Set<String>, out: String? = nil,
                  missingOK: Bool = false) -> Case {
        Case(method: method, route: route, path: path, allowed: allowed, outOfScope: out, missingOK: missingOK)
    }

    static func c(_ method: HTTPMethod, _ route: String, _ allowed: Set<String>, isPublic: Bool = false) -> Case {
        Case(method: method, route: route, path: route, allowed: allowed, isPublic: isPublic)
    }

    static let unitReaders: Set<String> = ["sys", "leader", "clerk", "reviewer", "jijian"]
    static let unitWriters: Set<String> = ["sys", "clerk"]
    static let clerk: Set<String> = ["clerk"]
    static let editors: Set<String> = ["leader", "clerk"]

    static let table: [Case] = [
        // Open to anyone.
        c(.GET, "/healthz", [], isPublic: true),
        c(.GET, "/login", [], isPublic: true),
        c(.POST, "/login", [], isPublic: true),
        c(.POST, "/api/v1/login", [], isPublic: true),
        // Any signed-in account.
        c(.GET, "/", everyone),
        c(.POST, "/logout", everyone),
        c(.GET, "/password", everyone),
        c(.POST, "/password", everyone),
        c(.GET, "/tokens", everyone),
        c(.POST, "/tokens", everyone),
        c(.POST, "/tokens/:id/revoke", "/tokens/999999/revoke", everyone, missingOK: true),
        c(.GET, "/api/v1/me", everyone),
        c(.GET, "/api/v1/kinds", everyone),
        c(.GET, "/api/openapi.json", everyone),
        // Units.
        c(.GET, "/units", unitReaders),
        c(.GET, "/units/new", unitWriters),
        c(.POST, "/units", unitWriters),
        c(.GET, "/units/:id", "/units/{unitA}", unitReaders, out: "/units/{unitB}"),
        c(.GET, "/units/:id/edit", "/units/{unitA}/edit", unitWriters, out: "/units/{unitB}/edit"),
        c(.POST, "/units/:id", "/units/{unitA}", unitWriters, out: "/units/{unitB}"),
        c(.GET, "/units/:id/move", "/units/{unitA}/move", unitWriters, out: "/units/{unitB}/move"),
        c(.POST, "/units/:id/move", "/units/{unitA}/move", unitWriters, out: "/units/{unitB}/move"),
        c(.POST, "/units/:id/delete", "/units/{unitA}/delete", unitWriters, out: "/units/{unitB}/delete"),
        c(.POST, "/units/:id/flags", "/units/{unitA}/flags", clerk, out: "/units/{unitB}/flags"),
        c(.POST, "/units/:id/flags/:flagID/clear", "/units/{unitA}/flags/999999/clear", clerk, out: "/units/{unitB}/flags/999999/clear",
          missingOK: true),
        c(.GET, "/api/v1/units", unitReaders),
        c(.POST, "/api/v1/units", unitWriters),
        c(.GET, "/api/v1/units/:code", "/api/v1/units/TA-V1", unitReaders, out: "/api/v1/units/TB-V1"),
        // People.
        c(.GET, "/people", business),
        c(.GET, "/people/new", clerk),
        c(.POST, "/people", clerk),
        c(.GET, "/people/:id", "/people/{personA}", business, out: "/people/{personB}"),
        c(.GET, "/people/:id/edit", "/people/{personA}/edit", clerk, out: "/people/{personB}/edit"),
        c(.POST, "/people/:id", "/people/{personA}", clerk, out: "/people/{personB}"),
        c(.POST, "/people/:id/delete", "/people/{personA}/delete", clerk, out: "/people/{personB}/delete"),
        c(.POST, "/people/:id/positions", "/people/{personA}/positions", clerk, out: "/people/{personB}/positions"),
        c(.POST, "/people/:id/positions/:positionID/end", "/people/{personA}/positions/999999/end", clerk,
          out: "/people/{personB}/positions/999999/end", missingOK: true),
        c(.GET, "/incumbents", business),
        c(.GET, "/api/v1/people", business),
        c(.GET, "/api/v1/people/:id", "/api/v1/people/{personA}", business, out: "/api/v1/people/{personB}"),
        // Ledgers and records (the rectification ledger: every business role reads, the clerk writes).
        c(.GET, "/ledgers", business),
        c(.GET, "/ledgers/:kind", "/ledgers/rectification", business),
        c(.GET, "/ledgers/:kind", "/ledgers/problem_lead", ["jijian"]),
        c(.GET, "/ledgers/:kind/new", "/ledgers/rectification/new", clerk),
        c(.GET, "/ledgers/:kind/new", "/ledgers/problem_lead/new", ["jijian"]),
        c(.POST, "/ledgers/:kind", "/ledgers/rectification", clerk),
        c(.POST, "/ledgers/:kind", "/ledgers/problem_lead", ["jijian"]),
        c(.GET, "/ledgers/:kind/:id", "/ledgers/rectification/{recA}", business, out: "/ledgers/rectification/{recB}"),
        c(.GET, "/ledgers/:kind/:id", "/ledgers/problem_lead/{leadA}", ["jijian"]),
        c(.GET, "/ledgers/:kind/:id/edit", "/ledgers/rectification/{recA}/edit", clerk, out: "/ledgers/rectification/{recB}/edit"),
        c(.POST, "/ledgers/:kind/:id", "/ledgers/rectification/{recA}", clerk, out: "/ledgers/rectification/{recB}"),
        c(.POST, "/ledgers/:kind/:id", "/ledgers/problem_lead/{leadA}", ["jijian"]),
        c(.POST, "/ledgers/:kind/:id/delete", "/ledgers/rectification/{recA}/delete", clerk, out: "/ledgers/rectification/{recB}/delete"),
        c(.POST, "/ledgers/:kind/:id/workflow", "/ledgers/rectification/{recA}/workflow", business,
          out: "/ledgers/rectification/{recB}/workflow"),
        c(.POST, "/ledgers/:kind/:id/attachments", "/ledgers/rectification/{recA}/attachments", clerk,
          out: "/ledgers/rectification/{recB}/attachments"),
        c(.GET, "/attachments/:id", "/attachments/999999", business, missingOK: true),
        c(.GET, "/ledgers/:kind/export", "/ledgers/rectification/export", business),
        c(.GET, "/ledgers/:kind/export", "/ledgers/problem_lead/export", ["jijian"]),
        c(.GET, "/ledgers/:kind/import", "/ledgers/rectification/import", clerk),
        c(.POST, "/ledgers/:kind/import", "/ledgers/rectification/import", clerk),
        c(.GET, "/ledgers/:kind/import/:job", "/ledgers/rectification/import/\(UUID().uuidString)", clerk, missingOK: true),
        c(.POST, "/ledgers/:kind/import/:job/commit", "/ledgers/rectification/import/\(UUID().uuidString)/commit", clerk, missingOK: true),
        c(.GET, "/api/v1/records/:kind", "/api/v1/records/rectification", business),
        c(.GET, "/api/v1/records/:kind", "/api/v1/records/problem_lead", ["jijian"]),
        c(.POST, "/api/v1/records/:kind", "/api/v1/records/rectification", clerk),
        c(.GET, "/api/v1/records/:kind/:id", "/api/v1/records/rectification/{recA}", business, out: "/api/v1/records/rectification/{recB}"),
        c(.GET, "/api/v1/records/:kind/:id", "/api/v1/records/problem_lead/{leadA}", ["jijian"]),
        c(.PATCH, "/api/v1/records/:kind/:id", "/api/v1/records/rectification/{recA}", clerk, out: "/api/v1/records/rectification/{recB}"),
        c(.DELETE, "/api/v1/records/:kind/:id", "/api/v1/records/rectification/{recA}", clerk, out: "/api/v1/records/rectification/{recB}"),
        c(.POST, "/api/v1/records/:kind/:id/workflow", "/api/v1/records/rectification/{recA}/workflow", business,
          out: "/api/v1/records/rectification/{recB}/workflow"),
        // The four systems, supervision, dashboards.
        c(.GET, "/systems/:system", "/systems/safety", business),
        c(.GET, "/supervision", business),
        c(.GET, "/supervision/export", business),
        c(.POST, "/ledgers/:kind/:id/urge", "/ledgers/rectification/{recA}/urge", ["leader", "reviewer"],
          out: "/ledgers/rectification/{recB}/urge"),
        // Messages: everyone's own.
        c(.GET, "/notices", everyone),
        c(.GET, "/units/search", "/units/search?q=%E7%94%B2", unitReaders),
        c(.GET, "/notices/:id/open", "/notices/999999/open", everyone, missingOK: true),
        c(.POST, "/notices/read", everyone),
        c(.GET, "/dashboards/:board", "/dashboards/safety", business),
        c(.GET, "/dashboards/:board", "/dashboards/supervision", business),
        // Reports.
        c(.GET, "/reports", business),
        c(.GET, "/reports/download", business),
        c(.GET, "/api/v1/report", business),
        c(.POST, "/reports/issue", ["leader"]),
        c(.GET, "/reports/drill", "/reports/drill?metric=safety.hazards.found", business),
        c(.GET, "/reports/drill/export", "/reports/drill/export?metric=safety.hazards.found", business),
        c(.GET, "/reports/snapshots", business),
        c(.GET, "/reports/snapshots/:id", "/reports/snapshots/999999", business, missingOK: true),
        c(.GET, "/reports/snapshots/:id/download", "/reports/snapshots/999999/download", business, missingOK: true),
        c(.GET, "/reports/templates", business),
        c(.GET, "/reports/templates/new", editors),
        c(.POST, "/reports/templates", editors),
        c(.POST, "/reports/templates/preview", business),
        c(.POST, "/reports/templates/upload", editors),
        c(.GET, "/reports/templates/:id", "/reports/templates/{tplA}", business, out: "/reports/templates/{tplB}"),
        c(.POST, "/reports/templates/:id", "/reports/templates/{tplA}", editors, out: "/reports/templates/{tplB}"),
        c(.POST, "/reports/templates/:id/delete", "/reports/templates/{tplA}/delete", editors, out: "/reports/templates/{tplB}/delete"),
        c(.GET, "/reports/templates/:id/download", "/reports/templates/{tplA}/download", business, out: "/reports/templates/{tplB}/download"),
        // Assessment (考责): the 考核组 alone opens, scores and moves an assessment (no fixture
        // account holds the role; AssessmentFlowTests walks it), the towns self-assess.
        c(.GET, "/assessments", business),
        c(.POST, "/assessments", []),
        c(.GET, "/assessments/:id", "/assessments/999999", business, missingOK: true),
        c(.POST, "/assessments/:id/stage", "/assessments/999999/stage", [], missingOK: true),
        c(.GET, "/assessments/:id/rules", "/assessments/999999/rules", business, missingOK: true),
        c(.POST, "/assessments/:id/rules", "/assessments/999999/rules", [], missingOK: true),
        c(.GET, "/assessments/:id/export", "/assessments/999999/export", business, missingOK: true),
        c(.GET, "/assessments/:id/units/:code", "/assessments/999999/units/TA", business, missingOK: true),
        c(.POST, "/assessments/:id/units/:code/self", "/assessments/999999/units/TA/self", editors, missingOK: true),
        c(.POST, "/assessments/:id/units/:code/review", "/assessments/999999/units/TA/review", [], missingOK: true),
        c(.GET, "/evidence/:id", "/evidence/999999", business, missingOK: true),
        c(.GET, "/reviews", business),
        c(.POST, "/reviews", ["leader"]),
        c(.GET, "/reviews/:id", "/reviews/999999", business, missingOK: true),
        c(.POST, "/reviews/:id/ratings", "/reviews/999999/ratings", ["leader"], missingOK: true),
        c(.POST, "/reviews/:id/close", "/reviews/999999/close", ["leader"], missingOK: true),
        c(.POST, "/reviews/:id/ratings/:rating/rectify", "/reviews/999999/ratings/1/rectify", ["leader"], missingOK: true),
        // The three administrators.
        c(.GET, "/admin", admins),
        c(.GET, "/admin/users", ["sys"]),
        c(.GET, "/admin/users/new", ["sys"]),
        c(.POST, "/admin/users", ["sys"]),
        c(.GET, "/admin/users/:id", "/admin/users/{userA}", ["sys"]),
        c(.POST, "/admin/users/:id", "/admin/users/{userA}", ["sys"]),
        c(.POST, "/admin/users/:id/reset", "/admin/users/{userA}/reset", ["sys"]),
        c(.GET, "/admin/settings", ["sys"]),
        c(.POST, "/admin/settings", ["sys"]),
        c(.GET, "/admin/ledgers", ["sys"]),
        c(.POST, "/admin/ledgers", ["sys"]),
        c(.GET, "/admin/ledgers/:kind", "/admin/ledgers/rectification", ["sys"]),
        c(.POST, "/admin/ledgers/:kind/fields", "/admin/ledgers/rectification/fields", ["sys"]),
        c(.POST, "/admin/ledgers/:kind/fields/:field/delete", "/admin/ledgers/rectification/fields/no_such_field/delete", ["sys"],
          missingOK: true),
        c(.GET, "/security/users", ["sec"]),
        c(.GET, "/security/users/:id", "/security/users/{userA}", ["sec"]),
        c(.POST, "/security/users/:id/roles", "/security/users/{userA}/roles", ["sec"]),
        c(.POST, "/security/users/:id/unlock", "/security/users/{userA}/unlock", ["sec"]),
        c(.GET, "/security/policy", ["sec"]),
        c(.POST, "/security/policy", ["sec"]),
        c(.POST, "/security/requests/:id/approve", "/security/requests/999999/approve", ["sec"], missingOK: true),
        c(.POST, "/security/requests/:id/refuse", "/security/requests/999999/refuse", ["sec"], missingOK: true),
        c(.GET, "/audit", ["aud"]),
        c(.GET, "/audit/export", ["aud"]),
        c(.POST, "/audit/verify", ["aud"]),
        c(.POST, "/audit/checkpoint", ["aud"]),
    ]

    /// Every registered route has at least one case.
    func testEveryRouteIsInTheTable() async throws {
        try await withFixture { app, _ in
            let covered = Set(Self.table.map { "\($0.method.rawValue) \($0.route)" })
            var missing: [String] = []
            for route in app.routes.all {
                let path = "/" + route.path.map { "\($0)" }.joined(separator: "/")
                let key = "\(route.method.rawValue) \(path)"
                if !covered.contains(key) { missing.append(key) }
            }
            XCTAssertEqual(missing, [], "routes without a rule in AuthorizationTableTests.table")
        }
    }

    /// Reads: one district, every role.
    func testReads() async throws {
        try await withFixture { app, f in
            let objects = try await Objects.make(app, f)
            var browsers: [String: Browser] = [:]
            for role in Self.roles + ["clerkA"] {
                let b = Browser(app)
                try await b.login(role)
                browsers[role] = b
            }
            for item in Self.table where item.method == .GET {
                try await check(item, app: app, objects: objects) { role in browsers[role]! }
            }
        }
    }

    /// Writes: a fresh district for each route, since an allowed write may change it.
    func testWrites() async throws {
        for item in Self.table where item.method != .GET {
            try await withFixture { app, f in
                let objects = try await Objects.make(app, f)
                var browsers: [String: Browser] = [:]
                try await check(item, app: app, objects: objects) { role in
                    if let b = browsers[role] { return b }
                    let b = Browser(app)
                    try await b.login(role)
                    try await b.get("/")
                    browsers[role] = b
                    return b
                }
            }
        }
    }

    private func check(_ item: Case, app: Application, objects: Objects,
                       browser: (String) async throws -> Browser) async throws {
        let path = objects.fill(item.path)
        let label = "\(item.method.rawValue) \(path)"
        // Anonymous.
        let anonymous = try await call(app, item.method, path, browser: nil)
        XCTAssertLessThan(anonymous.status.code, 500, "\(label) anonymous: \(anonymous.status)")
        if !item.isPublic {
            let refused: Set<UInt> = [303, 401, 403]
            XCTAssertTrue(refused.contains(anonymous.status.code), "\(label) anonymous got \(anonymous.status)")
            if anonymous.status == .seeOther { XCTAssertTrue(anonymous.location.hasPrefix("/login"), "\(label) anonymous → \(anonymous.location)") }
        }
        guard !item.isPublic else { return }
        // A write the first allowed role made (a delete, say) may leave nothing for the next.
        var done = false
        for role in Self.roles {
            let b = try await browser(role)
            let res = try await call(app, item.method, path, browser: b)
            XCTAssertLessThan(res.status.code, 500, "\(label) as \(role): \(res.status) \(res.body.string.prefix(300))")
            if item.allowed.contains(role) {
                var refusals: Set<UInt> = [401, 403, 404]
                if item.missingOK || done { refusals.remove(404) }
                if item.method != .GET, res.status.code < 400 { done = true }
                XCTAssertFalse(refusals.contains(res.status.code), "\(label) refused \(role) (allowed): \(res.status) \(res.body.string.prefix(300))")
            } else {
                XCTAssertTrue([403, 404].contains(res.status.code), "\(label) let \(role) in: \(res.status)")
            }
        }
        if let out = item.outOfScope, item.allowed.contains("clerk") {
            let b = try await browser("clerkA")
            let res = try await call(app, item.method, objects.fill(out), browser: b)
            XCTAssertEqual(res.status, .notFound, "\(item.method.rawValue) \(objects.fill(out)) as the town A clerk")
        }
    }

    /// One call as the browser's account (its cookie and form token), or anonymously.
    private func call(_ app: Application, _ method: HTTPMethod, _ path: String, browser: Browser?) async throws -> XCTHTTPResponse {
        if let browser {
            switch method {
            case .GET: return try await browser.get(path)
            case .POST: return try await browser.post(path, [:])
            default:
                var headers = HTTPHeaders()
                headers.replaceOrAdd(name: .cookie, value: browser.cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
                headers.replaceOrAdd(name: "X-CSRF-Token", value: browser.csrf)
                headers.contentType = .json
                return try await app.testable().performTest(request: XCTHTTPRequest(method: method, url: .init(path: path), headers: headers,
                                                                                    body: ByteBuffer(string: "{}")))
            }
        }
        var headers = HTTPHeaders()
        if method != .GET { headers.contentType = .urlEncodedForm }
        return try await app.testable().performTest(request: XCTHTTPRequest(method: method, url: .init(path: path), headers: headers,
                                                                            body: ByteBuffer()))
    }

    /// The objects the table's paths name: a record, a discipline record, a unit, a person,
    /// an account and a report template in town A, and their like in town B.
    struct Objects {
        var values: [String: String]

        func fill(_ path: String) -> String {
            var out = path
            for (k, v) in values { out = out.replacingOccurrences(of: "{\(k)}", with: v) }
            return out
        }

        static func make(_ app: Application, _ f: Fixture) async throws -> Objects {
            var values: [String: String] = [
                "unitA": String(f.villageA.id!), "unitB": String(f.villageB.id!),
                "personA": String(f.personA.id!), "personB": String(f.personB.id!),
            ]
            let clerk = Browser(app), jijian = Browser(app), clerkA = Browser(app), clerkB = Browser(app)
            try await clerk.login("clerk")
            for (unit, key) in [("TA-V1", "recA"), ("TB-V1", "recB")] {
                try await clerk.get("/ledgers/rectification/new")
                let res = try await clerk.postMultipart("/ledgers/rectification", [
                    "unit": unit, "f_found_on": "2025-03-05", "f_source": "巡察", "f_description": "授权表\(key)", "f_deadline": "2099-01-01"])
                XCTAssertEqual(res.status, .seeOther, res.body.string)
                values[key] = String(try await LedgerRecord.query(on: app.db).filter(\.$title == "授权表\(key)").first()!.id!)
            }
            try await jijian.login("jijian")
            try await jijian.get("/ledgers/problem_lead/new")
            _ = try await jijian.postMultipart("/ledgers/problem_lead", ["unit": "TA-V1", "f_received_on": "2025-02-01", "f_summary": "授权表线索"])
            values["leadA"] = String(try await LedgerRecord.query(on: app.db).filter(\.$kind == "problem_lead").first()!.id!)
            for (browser, name, key) in [(clerkA, "clerkA", "tplA"), (clerkB, "clerkB", "tplB")] {
                try await browser.login(name)
                try await browser.get("/reports/templates/new")
                let res = try await browser.post("/reports/templates", ["name": "授权表模板\(key)", "body": ReportTemplate.defaultText, "action": "save"])
                XCTAssertEqual(res.status, .seeOther, res.body.string)
                values[key] = String(try await ReportTemplateRow.query(on: app.db).filter(\.$name == "授权表模板\(key)").first()!.id!)
            }
            values["userA"] = String(try await User.query(on: app.db).filter(\.$username == "clerkA").first()!.id!)
            return Objects(values: values)
        }
    }
}
