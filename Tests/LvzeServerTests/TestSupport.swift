import Fluent
import FluentSQLiteDriver
import LvzeCore
@testable import LvzeServer
import NIOHTTP1
import SQLKit
import XCTest
import XCTVapor

/// An app on in-memory SQLite, or on an emptied PostgreSQL database when `DATABASE_URL`
/// is set (CI runs the suite both ways). `data`: a data folder instead of memory (a SQLite file);
/// `empty: false` keeps what the PostgreSQL database holds (a restored one).
func makeTestApp(tls: TLSFiles? = nil, data: String = ":memory:", databaseURL: String? = testDatabaseURL,
                 empty: Bool = true) async throws -> Application {
    let app = try await Application.make(.testing)
    app.logger.logLevel = .warning
    let url = databaseURL
    do {
        try await configure(app, LvzeConfiguration(dataDirectory: data, bcryptCost: 4, databaseURL: url, tls: tls,
                                                    databaseReadURLs: url == nil ? [] : testReadURLs)) { app in
            guard url != nil, empty else { return }
            try await app.db.sql.raw("DROP SCHEMA public CASCADE").run()
            try await app.db.sql.raw("CREATE SCHEMA public").run()
        }
    } catch {
        try await app.asyncShutdown()
        throw error
    }
    return app
}

var testDatabaseURL: String? { ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 } }

/// `DATABASE_READ_URL` for the PostgreSQL runs: CI runs the suite once more with a streaming replica.
var testReadURLs: [String] {
    (ProcessInfo.processInfo.environment["DATABASE_READ_URL"] ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty }
}

/// A small district for tests: DIST › (TA › TA-V1, TB › TB-V1), plus accounts.
struct Fixture {
    let dist: OrgUnit, townA: OrgUnit, villageA: OrgUnit, townB: OrgUnit, villageB: OrgUnit
    let personA: Person, personB: Person
    static let password = "Test-Passw0rd!"

    static func make(_ app: Application) async throws -> Fixture {
        let db = app.db
        func unit(_ code: String, _ name: String, _ kind: UnitKind, _ parent: OrgUnit?) async throws -> OrgUnit {
            try await OrgUnit.create(.init(code: code, name: name, kind: kind, parent: parent, foundedOn: nil, dissolvedOn: nil,
                                        sortOrder: 0, note: ""), on: db)
        }
        let dist = try await unit("DIST", "测试区", .district, nil)
        let townA = try await unit("TA", "甲镇", .town, dist)
        let villageA = try await unit("TA-V1", "甲一村", .village, townA)
        let townB = try await unit("TB", "乙镇", .town, dist)
        let villageB = try await unit("TB-V1", "乙一村", .village, townB)
        func person(_ name: String, _ unit: OrgUnit, birth: String, education: Education) async throws -> Person {
            let p = Person()
            p.$unit.id = unit.id!
            p.name = name
            p.gender = Gender.male.rawValue
            p.birthDate = birth
            p.education = education.rawValue
            p.phone = ""
            p.note = ""
            try await p.create(on: db)
            return p
        }
        let personA = try await person("张甲", villageA, birth: "1980-06-15", education: .college)
        let personB = try await person("李乙", villageB, birth: "1970-01-01", education: .highSchool)
        let hash = try Bcrypt.hash(password, cost: 4)
        let accounts: [(String, Set<Role>, OrgUnit)] = [
            ("sys", [.sysadmin], dist), ("sec", [.secadmin], dist), ("aud", [.auditor], dist),
            ("leader", [.leader], dist), ("clerk", [.clerk], dist), ("reviewer", [.reviewer], dist),
            ("jijian", [.discipline], dist), ("clerkA", [.clerk], townA), ("clerkB", [.clerk], townB),
            ("reviewerB", [.reviewer], townB), ("clerk2", [.clerk, .reviewer], dist),
        ]
        for (name, roles, unit) in accounts {
            let user = User.make(.init(username: name, displayName: name, unit: unit, roles: roles),
                                 passwordHash: hash, mustChange: false, now: app.lvze.clock.now())
            try await user.create(on: db)
        }
        return Fixture(dist: dist, townA: townA, villageA: villageA, townB: townB, villageB: villageB,
                       personA: personA, personB: personB)
    }
}

/// A cookie-keeping client over XCTVapor, like a browser: it fetches the CSRF token from
/// the page it was given and sends it back with forms.
/// The record service acting as a fixture user, as a handler builds it (at `date`, or the app's clock).
func recordService(_ app: Application, _ username: String, at date: Date? = nil) async throws -> RecordService {
    let user = try await User.query(on: app.db).filter(\.$username == username).first()!
    let unit = try await OrgUnit.find(user.$unit.id, on: app.db)!
    return app.records(as: RecordActor(Principal(user: user, unit: unit, session: nil, roles: user.roles), address: "test"), at: date)
}

final class Browser {
    let app: Application
    var cookies: [String: String] = [:]
    var csrf: String = ""

    init(_ app: Application) { self.app = app }

    @discardableResult
    func get(_ path: String, headers: HTTPHeaders = [:]) async throws -> XCTHTTPResponse {
        let captured = try await app.testable().performTest(
            request: XCTHTTPRequest(method: .GET, url: .init(path: path), headers: withCookies(headers), body: ByteBuffer()))
        absorb(captured)
        return captured
    }

    @discardableResult
    func post(_ path: String, _ form: [String: String], csrf token: String? = nil, includeCSRF: Bool = true) async throws -> XCTHTTPResponse {
        var fields = form
        if includeCSRF { fields["_csrf"] = token ?? csrf }
        let body = fields.map { "\(encode($0.key))=\(encode($0.value))" }.joined(separator: "&")
        var headers = withCookies([:])
        headers.contentType = .urlEncodedForm
        let captured = try await app.testable().performTest(
            request: XCTHTTPRequest(method: .POST, url: .init(path: path), headers: headers, body: ByteBuffer(string: body)))
        absorb(captured)
        return captured
    }

    /// A multipart form, as a browser sends one with file inputs.
    @discardableResult
    func postMultipart(_ path: String, _ form: [String: String], files: [(field: String, filename: String, data: Data)] = [])
    async throws -> XCTHTTPResponse {
        let (boundary, body) = multipartBody([("_csrf", csrf)] + form.map { ($0.key, $0.value) },
                                             files: files.map { ($0.field, $0.filename, "application/octet-stream", $0.data) })
        var headers = withCookies([:])
        headers.replaceOrAdd(name: .contentType, value: "multipart/form-data; boundary=\(boundary)")
        let captured = try await app.testable().performTest(
            request: XCTHTTPRequest(method: .POST, url: .init(path: path), headers: headers, body: ByteBuffer(data: body)))
        absorb(captured)
        return captured
    }

    /// A browser signed in as `username` through the real login form.
    static func signedIn(_ app: Application, _ username: String, _ password: String = Fixture.password) async throws -> Browser {
        let browser = Browser(app)
        let res = try await browser.login(username, password)
        XCTAssertEqual(res.status, .seeOther, "\(username) could not sign in: \(res.body.string.prefix(300))")
        return browser
    }

    /// Logs in through the real form. Returns the login response.
    @discardableResult
    func login(_ username: String, _ password: String = Fixture.password) async throws -> XCTHTTPResponse {
        let page = try await get("/login")
        if page.status == .seeOther { try await get("/") }  // already signed in: take the session's token
        return try await post("/login", ["username": username, "password": password, "next": "/"])
    }

    private func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    private func withCookies(_ headers: HTTPHeaders) -> HTTPHeaders {
        var h = headers
        if !cookies.isEmpty { h.replaceOrAdd(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        return h
    }

    private func absorb(_ res: XCTHTTPResponse) {
        absorbCookies(res.headers[.setCookie], into: &cookies)
        if let token = formToken(in: res.body.string) { csrf = token }
    }
}

extension XCTHTTPResponse {
    var location: String { headers.first(name: .location) ?? "" }
}

/// Runs a body with a fresh app and fixture, shutting the app down afterwards.
func withFixture(_ body: (Application, Fixture) async throws -> Void) async throws {
    let app = try await makeTestApp()
    do {
        let fixture = try await Fixture.make(app)
        try await body(app, fixture)
    } catch {
        try await app.asyncShutdown()
        throw error
    }
    try await app.asyncShutdown()
}

func auditActions(_ app: Application) async throws -> [String] {
    try await AuditEntry.query(on: app.db).sort(\.$seq).all().map(\.action)
}

/// One request through the in-memory tester, with an optional JSON body.
func send(_ app: Application, _ method: HTTPMethod, _ path: String, token: String? = nil,
          json: [String: String]? = nil, rawBody: String? = nil) async throws -> XCTHTTPResponse {
    var headers = HTTPHeaders()
    if let token { headers.replaceOrAdd(name: .authorization, value: "Bearer \(token)") }
    var body = ByteBuffer()
    if let json {
        headers.contentType = .json
        body = ByteBuffer(data: try JSONEncoder().encode(json))
    } else if let rawBody {
        headers.contentType = .json
        body = ByteBuffer(string: rawBody)
    }
    let request = XCTHTTPRequest(method: method, url: .init(path: path), headers: headers, body: body)
    return try await app.testable().performTest(request: request)
}

/// A report figure as the report shows it ("—" when there is no data), for tests.
struct FigureValue {
    var id: String
    var value: String
}

/// The organisation figures (and any others asked for) for a scope and year.
func reportFigures(_ app: Application, scope: UnitPath, year: Int,
                   ids: [String] = ["party.temp_orgs.created", "party.backward_orgs.transformed", "party.weak_orgs.transformed",
                                    "party.village_secretaries.avg_age", "party.village_secretaries.college_share",
                                    "integrity.poverty.villages", "party.cadres.veterans_selected", "party.cadres.town_hired"]) async throws -> [FigureValue] {
    let metrics = app.lvze.catalogue.metrics
    let values = try await MetricEvaluator(db: app.db, kinds: app.lvze.catalogue.catalogue, metrics: metrics, scope: scope, year: year)
        .evaluate(ids)
    return ids.map { id in FigureValue(id: id, value: values[id].flatMap { metrics[id]?.display($0) } ?? "—") }
}

/// A multipart/form-data body as browsers build one: fields in order, then the files.
func multipartBody(_ fields: [(String, String)], files: [(field: String, filename: String, type: String, data: Data)]) -> (String, Data) {
    let boundary = "----WebKitFormBoundary\(UUID().uuidString.prefix(16))"
    var body = Data()
    for (k, v) in fields {
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(k)\"\r\n\r\n\(v)\r\n".utf8))
    }
    for f in files {
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(f.field)\"; filename=\"\(f.filename)\"\r\nContent-Type: \(f.type)\r\n\r\n".utf8))
        body.append(f.data)
        body.append(Data("\r\n".utf8))
    }
    body.append(Data("--\(boundary)--\r\n".utf8))
    return (boundary, body)
}

/// Keeps the cookies a response sets, as a browser does (an empty or expired one is dropped).
func absorbCookies(_ setCookies: [String], into cookies: inout [String: String]) {
    for header in setCookies {
        let pair = header.split(separator: ";")[0]
        guard let eq = pair.firstIndex(of: "=") else { continue }
        let name = String(pair[..<eq]), value = String(pair[pair.index(after: eq)...])
        if value.isEmpty || header.lowercased().contains("max-age=0") { cookies[name] = nil } else { cookies[name] = value }
    }
}

/// The `_csrf` value of the first form on a page.
func formToken(in page: String) -> String? {
    guard let range = page.range(of: "name=\"_csrf\" value=\"") else { return nil }
    let rest = page[range.upperBound...]
    return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
}

/// The records a metric's drill-down lists for a scope, every page of them, as the page reads them.
func drillDownRows(_ app: Application, _ q: MetricQuery, scope: UnitPath) async throws -> [RecordRow] {
    var filter = RecordFilter(kind: q.kind, scope: scope)
    filter.metric = q
    var rows: [RecordRow] = []
    var before = Int.max
    while true {
        let page = try await RecordRow.page(filter, beforeID: before, limit: 500, on: app.db)
        if page.isEmpty { break }
        rows += page
        before = page.last!.id
    }
    return rows
}

/// A field's number as metrics sum it (0 when empty or not a number).
func fieldNumber(_ v: FieldValue?) -> Decimal {
    switch v {
    case .integer(let i): return Decimal(i)
    case .decimal(let d): return d
    default: return 0
    }
}
