import LvzeCore
import Vapor

/// The frame every page shares: who is signed in, the navigation, the form token, a flash.
struct Chrome: Encodable {
    struct NavItem: Encodable {
        var title: String
        var href: String
        var active: Bool
    }
    struct Viewer: Encodable {
        var name: String
        var username: String
        var unitName: String
        var roles: String
    }

    var title: String
    var districtName: String
    var viewer: Viewer?
    var nav: [NavItem]
    var csrf: String
    var flash: String?
    var flashKind: String
    /// Unread notices of the signed-in user (the count beside 消息).
    var unread: Int
}

struct PageContext<Content: Encodable>: Encodable {
    var page: Chrome
    var content: Content
}

/// One choice of a select box or a set of checkboxes, as every form renders them.
struct SelectOption: Encodable {
    var value: String
    var label: String
    var selected: Bool
}

/// A `[String]` of errors for a form, plus the errors keyed by field for inline display.
struct FormState: Encodable {
    var errors: [String] = []
    var fields: [String: String] = [:]
    /// Stored, not computed: templates only see encoded properties.
    var hasErrors = false

    init() {}
    init(_ failure: ValidationFailure) {
        errors = failure.errors.map(\.description)
        for e in failure.errors where fields[e.field] == nil { fields[e.field] = e.message }
        hasErrors = !errors.isEmpty
    }
}

extension Request {
    /// Navigation by role: business users see the four systems and the work lists,
    /// each administrator sees their own area only (三员分立).
    func navigation(active: String) -> [Chrome.NavItem] {
        guard let p = principal else { return [] }
        var items: [(String, String)] = [("首页", SiteURL.home.path)]
        if p.isBusinessUser {
            items += [("党建", SiteURL.system(.party).path), ("党风廉政", SiteURL.system(.integrity).path),
                      ("意识形态", SiteURL.system(.ideology).path), ("安全生产", SiteURL.system(.safety).path),
                      ("整改督办", SiteURL.supervision.path), ("述职报告", SiteURL.reports.path),
                      ("考核", Endpoint.assessments.url().path)]
        }
        if p.has(.sysadmin) || p.has(.secadmin) || p.has(.auditor) {
            items.append(("系统管理", SiteURL.admin.path))
        }
        return items.map { title, href in
            Chrome.NavItem(title: title, href: href,
                           active: href == "/" ? active == "/" : active.hasPrefix(href))
        }
    }

    /// Renders a page inside the layout. Sets the pre-login CSRF cookie when one is made.
    func render<C: Encodable>(_ template: String, title: String, _ content: C,
                              status: HTTPStatus = .ok, section: String? = nil) async throws -> Response {
        var newCSRF: String?
        let csrf: String
        if let token = principal?.session?.csrfToken {
            csrf = token
        } else if let token = cookies[Cookies.csrf]?.string, !token.isEmpty {
            csrf = token
        } else {
            csrf = Secrets.token(bytes: 16)
            newCSRF = csrf
        }
        let flash = cookies[Cookies.flash].flatMap { $0.string.removingPercentEncoding }
        let (flashKind, flashText): (String, String?) = {
            guard let flash, !flash.isEmpty else { return ("info", nil) }
            if flash.hasPrefix("!") { return ("error", String(flash.dropFirst())) }
            return ("ok", flash)
        }()
        let viewer = principal.map {
            Chrome.Viewer(name: $0.user.displayName, username: $0.user.username, unitName: $0.unit.name,
                          roles: $0.roles.sorted().map(\.label).joined(separator: "、"))
        }
        let district = lvze.settings.string("site.district_name")
        let unread = try await unreadNotices()
        let chrome = Chrome(title: title, districtName: district,
                            viewer: viewer, nav: navigation(active: section ?? url.path),
                            csrf: csrf, flash: flashText, flashKind: flashKind, unread: unread)
        let view = try await self.view.render(template, PageContext(page: chrome, content: content))
        let response = try await view.encodeResponse(status: status, for: self)
        if let newCSRF {
            response.cookies[Cookies.csrf] = Cookies.make(newCSRF, request: self)
        }
        if flash != nil {
            response.cookies[Cookies.flash] = Cookies.make("", request: self, maxAge: 0)
        }
        return response
    }

    /// Redirects after a POST with a one-time message for the next page ("!" marks an error).
    func redirect(to path: String, flash: String) -> Response {
        let response = redirect(to: path, redirectType: .normal)
        let encoded = flash.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        response.cookies[Cookies.flash] = Cookies.make(encoded, request: self, maxAge: 60)
        return response
    }
}
