import Foundation
import LeafKit
import Vapor

/// The responsibility systems, as the navigation names them.
enum ResponsibilitySystem: String, CaseIterable, Sendable, Codable {
    case party, integrity, ideology, safety

    var label: String {
        switch self {
        case .party: return "基层党建"
        case .integrity: return "党风廉政建设"
        case .ideology: return "意识形态"
        case .safety: return "安全生产"
        }
    }
}

/// Every path the server answers, written once: routes are registered from these patterns
/// (`routes.get(.record, use:)`) and links are filled in from them (`Endpoint.record.url(kind, id)`
/// in Swift, `#url("record", kind, id)` in templates), so a link cannot point where no route is.
/// `:name` marks a parameter.
enum Endpoint: String, CaseIterable, Sendable {
    case home = "/"
    case healthz = "/healthz"
    // Accounts
    case login = "/login"
    case logout = "/logout"
    case password = "/password"
    case tokens = "/tokens"
    case tokenRevoke = "/tokens/:id/revoke"
    case admin = "/admin"
    case adminUsers = "/admin/users"
    case adminUserNew = "/admin/users/new"
    case adminUser = "/admin/users/:id"
    case adminUserReset = "/admin/users/:id/reset"
    case adminSettings = "/admin/settings"
    case securityUsers = "/security/users"
    case securityUser = "/security/users/:id"
    case securityUserRoles = "/security/users/:id/roles"
    case securityUserUnlock = "/security/users/:id/unlock"
    case securityPolicy = "/security/policy"
    case accountRequestApprove = "/security/requests/:id/approve"
    case accountRequestRefuse = "/security/requests/:id/refuse"
    // Units and people
    case units = "/units"
    case unitNew = "/units/new"
    case unitSearch = "/units/search"
    case unit = "/units/:id"
    case unitEdit = "/units/:id/edit"
    case unitMove = "/units/:id/move"
    case unitDelete = "/units/:id/delete"
    case unitFlags = "/units/:id/flags"
    case unitFlagClear = "/units/:id/flags/:flagID/clear"
    case people = "/people"
    case personNew = "/people/new"
    case person = "/people/:id"
    case personEdit = "/people/:id/edit"
    case personDelete = "/people/:id/delete"
    case personPositions = "/people/:id/positions"
    case personPositionEnd = "/people/:id/positions/:positionID/end"
    case incumbents = "/incumbents"
    // Ledgers
    case ledgers = "/ledgers"
    case records = "/ledgers/:kind"
    case recordNew = "/ledgers/:kind/new"
    case recordExport = "/ledgers/:kind/export"
    case recordImport = "/ledgers/:kind/import"
    case recordImportJob = "/ledgers/:kind/import/:job"
    case recordImportCommit = "/ledgers/:kind/import/:job/commit"
    case record = "/ledgers/:kind/:id"
    case recordEdit = "/ledgers/:kind/:id/edit"
    case recordDelete = "/ledgers/:kind/:id/delete"
    case recordWorkflow = "/ledgers/:kind/:id/workflow"
    case recordAttachments = "/ledgers/:kind/:id/attachments"
    case recordUrge = "/ledgers/:kind/:id/urge"
    case attachment = "/attachments/:id"
    case ledgerAdmin = "/admin/ledgers"
    case ledgerAdminKind = "/admin/ledgers/:kind"
    case ledgerAdminFields = "/admin/ledgers/:kind/fields"
    case ledgerAdminFieldDelete = "/admin/ledgers/:kind/fields/:field/delete"
    // Systems, supervision, dashboards
    case system = "/systems/:system"
    case supervision = "/supervision"
    case supervisionExport = "/supervision/export"
    // Messages
    case notices = "/notices"
    case noticeOpen = "/notices/:id/open"
    case noticesRead = "/notices/read"
    case dashboard = "/dashboards/:board"
    // Reports
    case reports = "/reports"
    case reportDownload = "/reports/download"
    case reportIssue = "/reports/issue"
    case reportDrill = "/reports/drill"
    case reportDrillExport = "/reports/drill/export"
    case snapshots = "/reports/snapshots"
    case snapshot = "/reports/snapshots/:id"
    case snapshotDownload = "/reports/snapshots/:id/download"
    case templates = "/reports/templates"
    case templateNew = "/reports/templates/new"
    case templatePreview = "/reports/templates/preview"
    case templateUpload = "/reports/templates/upload"
    case template = "/reports/templates/:id"
    case templateDelete = "/reports/templates/:id/delete"
    case templateDownload = "/reports/templates/:id/download"
    // Assessment (考责)
    case assessments = "/assessments"
    case assessment = "/assessments/:id"
    case assessmentStage = "/assessments/:id/stage"
    case assessmentRules = "/assessments/:id/rules"
    case assessmentExport = "/assessments/:id/export"
    case assessmentSheet = "/assessments/:id/units/:code"
    case assessmentSelf = "/assessments/:id/units/:code/self"
    case assessmentReview = "/assessments/:id/units/:code/review"
    case assessmentEvidence = "/evidence/:id"
    case reviewSessions = "/reviews"
    case reviewSession = "/reviews/:id"
    case reviewRate = "/reviews/:id/ratings"
    case reviewClose = "/reviews/:id/close"
    case reviewRectify = "/reviews/:id/ratings/:rating/rectify"
    // Audit
    case audit = "/audit"
    case auditExport = "/audit/export"
    case auditVerify = "/audit/verify"
    case auditCheckpoint = "/audit/checkpoint"
    // API
    case apiLogin = "/api/v1/login"
    case apiMe = "/api/v1/me"
    case apiUnits = "/api/v1/units"
    case apiUnit = "/api/v1/units/:code"
    case apiPeople = "/api/v1/people"
    case apiPerson = "/api/v1/people/:id"
    case apiKinds = "/api/v1/kinds"
    case apiRecords = "/api/v1/records/:kind"
    case apiRecord = "/api/v1/records/:kind/:id"
    case apiRecordWorkflow = "/api/v1/records/:kind/:id/workflow"
    case apiReport = "/api/v1/report"
    case openAPI = "/api/openapi.json"

    /// The pattern's parts, as Vapor's router reads them.
    var pathComponents: [PathComponent] { rawValue.split(separator: "/").map { PathComponent(stringLiteral: String($0)) } }

    /// A part of a pattern: fixed text, or a parameter by name.
    enum Part: Sendable {
        case text(String)
        case parameter(String)
    }

    /// Every pattern split once: a list page builds fifty links, so links are filled from these.
    private static let parsed: [Endpoint: [Part]] = Dictionary(uniqueKeysWithValues: allCases.map { endpoint in
        (endpoint, endpoint.rawValue.split(separator: "/").map { $0.hasPrefix(":") ? .parameter(String($0.dropFirst())) : .text(String($0)) })
    })

    var parts: [Part] { Self.parsed[self]! }

    /// The parameter names, in order.
    var parameters: [String] { parts.compactMap { if case .parameter(let name) = $0 { return name } else { return nil } } }

    /// The case for a template's `#url("name", …)`.
    static let byName: [String: Endpoint] = Dictionary(uniqueKeysWithValues: allCases.map { (String(describing: $0), $0) })

    /// The link to this endpoint with its parameters filled in, in order; a wrong count is a
    /// programming error, caught by the tests that open every page.
    func url(_ arguments: any CustomStringConvertible..., query: [(String, String)] = []) -> SiteURL {
        url(arguments.map(\.description), query: query)
    }

    /// The path as OpenAPI writes it: the given parameters filled in, the others as `{name}`.
    func openAPIPath(_ fixed: [String: String]) -> String {
        "/" + parts.map { part in
            switch part {
            case .text(let text): return text
            case .parameter(let name): return fixed[name] ?? "{\(name)}"
            }
        }.joined(separator: "/")
    }

    func url(_ arguments: [String], query: [(String, String)] = []) -> SiteURL {
        var path = ""
        path.reserveCapacity(rawValue.utf8.count + 16)
        var next = 0
        for part in parts {
            path += "/"
            switch part {
            case .text(let text): path += text
            case .parameter:
                precondition(next < arguments.count, "\(self) takes \(parameters.count) parameters, got \(arguments.count)")
                SiteURL.appendEncoded(arguments[next], to: &path)
                next += 1
            }
        }
        precondition(next == arguments.count, "\(self) takes \(parameters.count) parameters, got \(arguments.count)")
        return SiteURL(path.isEmpty ? "/" : path, query: query)
    }
}

/// A link inside the site: a filled-in `Endpoint` and its query. Interpolated into `HTML` it
/// is text (escaped); `path` is what goes into a redirect.
struct SiteURL: Sendable, Equatable, CustomStringConvertible {
    let path: String

    fileprivate init(_ path: String, query: [(String, String)]) {
        self.path = query.isEmpty ? path : path + "?" + SiteURL.query(query)
    }

    var description: String { path }

    /// The same link with more query items.
    func adding(_ items: [(String, String)]) -> SiteURL {
        guard !items.isEmpty else { return self }
        return SiteURL(path + (path.contains("?") ? "&" : "?") + SiteURL.query(items), query: [])
    }

    /// Percent-encodes a path segment or query value: letters, digits and `-._~` stay.
    static func encode(_ text: String) -> String {
        var out = ""
        appendEncoded(text, to: &out)
        return out
    }

    /// Appends `text` percent-encoded; ids and codes (nearly every link) are copied as they are.
    static func appendEncoded(_ text: String, to out: inout String) {
        if text.utf8.allSatisfy(isUnreserved) { out += text; return }
        out += text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? ""
    }

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"): return true
        default: return false
        }
    }

    static func query(_ items: [(String, String)]) -> String {
        var out = ""
        for (i, item) in items.enumerated() {
            if i > 0 { out += "&" }
            out += item.0
            out += "="
            appendEncoded(item.1, to: &out)
        }
        return out
    }

    private static let unreserved: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._~")
        return set
    }()

    // The links most pages use, by name.
    static let home = Endpoint.home.url()
    static let login = Endpoint.login.url()
    static let reports = Endpoint.reports.url()
    static let supervision = Endpoint.supervision.url()
    static let notices = Endpoint.notices.url()
    static let units = Endpoint.units.url()
    static let people = Endpoint.people.url()
    static let incumbents = Endpoint.incumbents.url()
    static let tokens = Endpoint.tokens.url()
    static let audit = Endpoint.audit.url()
    static let auditExport = Endpoint.auditExport.url()
    static let admin = Endpoint.admin.url()
    static let adminUsers = Endpoint.adminUsers.url()
    static let adminSettings = Endpoint.adminSettings.url()
    static let securityPolicy = Endpoint.securityPolicy.url()
    static func unit(_ id: Int) -> SiteURL { Endpoint.unit.url(id) }
    static func person(_ id: Int) -> SiteURL { Endpoint.person.url(id) }
    static func adminUser(_ id: Int) -> SiteURL { Endpoint.adminUser.url(id) }
    static func securityUser(_ id: Int) -> SiteURL { Endpoint.securityUser.url(id) }
    static func system(_ s: ResponsibilitySystem) -> SiteURL { Endpoint.system.url(s.rawValue) }
    static func records(_ kind: String, query: [(String, String)] = []) -> SiteURL { Endpoint.records.url(kind, query: query) }
    static func record(_ kind: String, _ id: Int) -> SiteURL { Endpoint.record.url(kind, id) }
    static func recordNew(_ kind: String) -> SiteURL { Endpoint.recordNew.url(kind) }
    static func recordImport(_ kind: String) -> SiteURL { Endpoint.recordImport.url(kind) }
    static func recordExport(_ kind: String, query: [(String, String)]) -> SiteURL { Endpoint.recordExport.url(kind, query: query) }
}

extension RoutesBuilder {
    @discardableResult
    func get<R: AsyncResponseEncodable>(_ endpoint: Endpoint, use closure: @Sendable @escaping (Request) async throws -> R) -> Route {
        on(.GET, endpoint.pathComponents, use: closure)
    }

    /// A POST route; a body larger than the default (uploads, imports) names its limit, which the
    /// CSRF check then collects as much of.
    @discardableResult
    func post<R: AsyncResponseEncodable>(_ endpoint: Endpoint, upTo limit: ByteCount? = nil,
                                         use closure: @Sendable @escaping (Request) async throws -> R) -> Route {
        guard let limit else { return on(.POST, endpoint.pathComponents, use: closure) }
        let route = on(.POST, endpoint.pathComponents, body: .collect(maxSize: limit), use: closure)
        route.userInfo[AnySendableHashable(BodyLimit.key)] = limit.value
        return route
    }

    @discardableResult
    func patch<R: AsyncResponseEncodable>(_ endpoint: Endpoint, use closure: @Sendable @escaping (Request) async throws -> R) -> Route {
        on(.PATCH, endpoint.pathComponents, use: closure)
    }

    @discardableResult
    func delete<R: AsyncResponseEncodable>(_ endpoint: Endpoint, use closure: @Sendable @escaping (Request) async throws -> R) -> Route {
        on(.DELETE, endpoint.pathComponents, use: closure)
    }
}

extension Request {
    /// A redirect to a page of the site, with a flash message as `redirect(to:flash:)` takes.
    func redirect(to url: SiteURL, flash: String? = nil) -> Response {
        if let flash { return redirect(to: url.path, flash: flash) }
        return redirect(to: url.path)
    }
}

/// `#url("record", content.kind.id, content.id)` in a template: the same link `Endpoint.url`
/// builds in Swift. An unknown name or a wrong count of parameters stops the render with an
/// error naming them (the page tests open every template).
struct URLTag: LeafTag {
    func render(_ ctx: LeafContext) throws -> LeafData {
        .string(try Self.path(ctx.parameters.first?.string ?? "", ctx.parameters.dropFirst().map { $0.string ?? "" }))
    }

    static func path(_ name: String, _ arguments: [String]) throws -> String {
        guard let endpoint = Endpoint.byName[name] else { throw LeafError(.unknownError("#url(): 没有名为「\(name)」的地址")) }
        guard arguments.count == endpoint.parameters.count else {
            throw LeafError(.unknownError("#url(\(name)): 需要\(endpoint.parameters.count)个参数，收到\(arguments.count)个"))
        }
        return endpoint.url(arguments).path
    }
}
