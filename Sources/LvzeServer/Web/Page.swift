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

extension Chrome {
    /// The page around a body: head, top bar, navigation, flash and footer. Written here rather
    /// than as a template every page extends: the template engine took more of a list page's
    /// time than its rows.
    func wrap(_ body: ByteBuffer) -> ByteBuffer {
        let viewer: HTML = self.viewer.map { v in
            let badge: HTML = .when(unread > 0) { "<span class=\"badge\" aria-label=\"\(unread)条未读\">\(unread)</span>" }
            return """
                  <div class="viewer">
                    <span class="who">\(v.name)</span>
                    <span class="muted">\(v.unitName) · \(v.roles.isEmpty ? "未分配角色" : v.roles)</span>
                    <a href="\(SiteURL.notices)" class="messages">消息\(badge)</a>
                    <a href="\(Endpoint.password.url())">修改密码</a>
                    <a href="\(SiteURL.tokens)">接口令牌</a>
                    <form method="post" action="\(Endpoint.logout.url())" class="inline"><input type="hidden" name="_csrf" value="\(csrf)"><button type="submit" class="link">退出</button></form>
                  </div>

                """
        } ?? .empty
        let navigation: HTML = .when(!nav.isEmpty) {
            let links = HTML.each(nav) { item in
                "<a href=\"\(item.href)\"\(item.active ? HTML(" class=\"active\" aria-current=\"page\"") : .empty)>\(item.title)</a>"
            }
            return "<nav class=\"mainnav\" aria-label=\"主导航\">\n  \(links)\n</nav>\n"
        }
        let district: HTML = .when(!districtName.isEmpty) { "<span class=\"district\">\(districtName)</span>" }
        let flash: HTML = self.flash.map { "<div class=\"flash flash-\(flashKind)\" role=\"status\">\($0)</div>\n" } ?? .empty
        let head: HTML = """
            <!DOCTYPE html>
            <html lang="zh-CN">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(title) · 履责</title>
            <link rel="icon" href="data:,">
            <link rel="stylesheet" href="/static/app.css">
            <script src="/static/app.js" defer></script>
            </head>
            <body>
            <header class="topbar">
              <div class="brand"><a href="\(SiteURL.home)"><span class="logo">履责</span>\(district)</a></div>
            \(viewer)</header>
            \(navigation)<main>
            \(flash)
            """
        let foot = "</main>\n<footer class=\"footer\">履责 · 四项责任制履职管理系统 · 内网部署，不连接外部网络</footer>\n</body>\n</html>\n"
        var out = ByteBuffer()
        out.reserveCapacity(head.description.utf8.count + body.readableBytes + foot.utf8.count)
        out.writeString(head.description)
        var body = body
        out.writeBuffer(&body)
        out.writeString(foot)
        return out
    }
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

    /// Renders a template's body inside the page frame (`Chrome.wrap`). Sets the pre-login CSRF
    /// cookie when one is made.
    func render<C: Encodable>(_ template: String, title: String, _ content: C,
                              status: HTTPStatus = .ok, section: String? = nil) async throws -> Response {
        let frame = try await chrome(title: title, section: section)
        let view = try await self.view.render(template, PageContext(page: frame.chrome, content: content))
        return respond(frame, body: view.data, status: status)
    }

    /// A page whose body is built in Swift (the record list): no template at all.
    func render(html body: HTML, title: String, status: HTTPStatus = .ok, section: String? = nil) async throws -> Response {
        let frame = try await chrome(title: title, section: section)
        return respond(frame, body: ByteBuffer(string: body.description), status: status)
    }

    private struct Frame {
        var chrome: Chrome
        var newCSRF: String?
        var hadFlash: Bool
    }

    private func chrome(title: String, section: String?) async throws -> Frame {
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
        return Frame(chrome: chrome, newCSRF: newCSRF, hadFlash: flash != nil)
    }

    private func respond(_ frame: Frame, body: ByteBuffer, status: HTTPStatus) -> Response {
        let response = Response(status: status, body: .init(buffer: frame.chrome.wrap(body)))
        response.headers.contentType = .html
        if let newCSRF = frame.newCSRF {
            response.cookies[Cookies.csrf] = Cookies.make(newCSRF, request: self)
        }
        if frame.hadFlash {
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
