import Vapor

/// Every unsafe request a browser could be tricked into sending carries the form's token,
/// in the `_csrf` field or the `X-CSRF-Token` header. Signed-in users' token lives in their
/// session row; before login a double-submit cookie stands in. One rule for every path, API
/// included: a request authenticated by the session cookie needs the token; a Bearer-token
/// call does not, since a browser never attaches that header by itself.
///
/// The field is read from the whole body. Browsers stream a body after its head, so this
/// middleware collects it first, up to the route's own limit (`RoutesBuilder.post(_:upTo:use:)`);
/// reading `request.content` before that saw only the first chunk and refused most forms.
struct CSRFMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        guard Self.needsToken(request) else { return next.respond(to: request) }
        return request.eventLoop.makeFutureWithTask {
            try await Self.check(request)
            return try await next.respond(to: request).get()
        }
    }

    /// Throws unless the request carries the expected token, collecting the body to read it.
    static func check(_ request: Request) async throws {
        let expected = request.principal?.session?.csrfToken ?? request.cookies[Cookies.csrf]?.string
        var sent = request.headers.first(name: "X-CSRF-Token")
        if sent == nil {
            try await BodyLimit.collect(request)
            sent = request.formText("_csrf")
        }
        guard let sent, let expected, !expected.isEmpty, constantTimeEqual(sent, expected) else {
            throw Abort(.forbidden, reason: "表单已失效或来源不明（CSRF校验未通过），请刷新页面后重新提交")
        }
    }

    /// Unsafe methods need the token unless the caller proved itself with a Bearer token.
    /// Anonymous API calls (only `POST /api/v1/login` accepts them) carry no cookie a forger
    /// could borrow, so only the cookie-bearing ones are held to it.
    static func needsToken(_ request: Request) -> Bool {
        guard [.POST, .PUT, .PATCH, .DELETE].contains(request.method),
              request.headers.bearerAuthorization == nil else { return false }
        if request.url.path.hasPrefix("/api/") {
            return request.principal?.session != nil || request.cookies[Cookies.session] != nil
        }
        return true
    }
}

/// The largest body each route accepts, declared once where the route is registered and
/// enforced both by the route's own collection and by middleware that must read the body
/// before the route runs.
enum BodyLimit {
    static let key = "lvze.bodyLimit"

    /// The route's limit, or the application's default; an anonymous caller never gets more
    /// than the default (only the login form is open to it), so a stranger cannot make the
    /// server buffer an upload route's 60 MB.
    static func limit(for request: Request) -> Int {
        let standard = request.application.routes.defaultMaxBodySize.value
        guard request.principal != nil else { return standard }
        return request.route?.userInfo[AnySendableHashable(key)] as? Int ?? standard
    }

    /// Reads the rest of a streamed body into memory; a body over the limit is a 413.
    static func collect(_ request: Request) async throws {
        guard request.body.data == nil else { return }
        _ = try await request.body.collect(max: limit(for: request)).get()
    }
}

extension RoutesBuilder {
    /// A POST route whose body may be larger than the default (uploads, imports, forms with
    /// files): the limit is recorded on the route so the CSRF check collects as much.
    @discardableResult
    func post<Response: AsyncResponseEncodable>(
        _ path: PathComponent..., upTo limit: ByteCount,
        use closure: @Sendable @escaping (Request) async throws -> Response
    ) -> Route {
        let route = on(.POST, path, body: .collect(maxSize: limit), use: closure)
        route.userInfo[AnySendableHashable(BodyLimit.key)] = limit.value
        return route
    }
}

/// The token a form must carry for this request, creating the pre-login cookie if needed.
extension Request {
    func csrfToken(setting response: inout [String: String]) -> String {
        if let token = principal?.session?.csrfToken { return token }
        if let token = cookies[Cookies.csrf]?.string, !token.isEmpty { return token }
        let token = Secrets.token(bytes: 16)
        response[Cookies.csrf] = token
        return token
    }
}

func constantTimeEqual(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var diff: UInt8 = 0
    for i in 0..<x.count { diff |= x[i] ^ y[i] }
    return diff == 0
}

/// Refuses U+0000 in a query string, form or JSON body, naming it, before any handler sees it:
/// PostgreSQL cannot store it in text and SQLite's readers cut text at it, so a value saved with
/// one would come back different (the audit trail hashed one and read the other). Files in
/// multipart bodies may hold any byte; their text fields go through the ledgers' own checks.
struct ControlCharacterMiddleware: Middleware {
    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        if Self.containsNUL(request.url.query ?? "", urlencoded: true) {
            return request.eventLoop.makeFailedFuture(Abort(.badRequest, reason: "网址中含有不可见的控制字符（U+0000），请删除后再试"))
        }
        guard let type = request.headers.contentType,
              type == .urlEncodedForm || type == .json || type == .plainText,
              [.POST, .PUT, .PATCH, .DELETE].contains(request.method) else { return next.respond(to: request) }
        return request.eventLoop.makeFutureWithTask {
            try await BodyLimit.collect(request)
            if let body = request.body.data,
               Self.containsNUL(String(decoding: body.readableBytesView, as: UTF8.self), urlencoded: type == .urlEncodedForm) {
                throw Abort(.badRequest, reason: "提交的内容中含有不可见的控制字符（U+0000），请删除后再提交")
            }
            return try await next.respond(to: request).get()
        }
    }

    static func containsNUL(_ text: String, urlencoded: Bool) -> Bool {
        if text.utf8.contains(0) { return true }
        if urlencoded { return text.range(of: "%00") != nil }
        return text.range(of: "\\u0000", options: .caseInsensitive) != nil
    }
}
