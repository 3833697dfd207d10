import Vapor

/// Every form POST carries `_csrf`. Signed-in users' token lives in their session row;
/// before login a double-submit cookie stands in. API calls with a Bearer token are exempt:
/// a browser never attaches those by itself.
struct CSRFMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let unsafe = [.POST, .PUT, .PATCH, .DELETE].contains(request.method)
        if unsafe, request.headers.bearerAuthorization == nil, !request.url.path.hasPrefix("/api/") {
            let sent = (try? request.content.get(String.self, at: "_csrf"))
                ?? request.headers.first(name: "X-CSRF-Token")
            let expected = request.principal?.session?.csrfToken ?? request.cookies[Cookies.csrf]?.string
            guard let sent, let expected, !expected.isEmpty, constantTimeEqual(sent, expected) else {
                throw Abort(.forbidden, reason: "表单已失效或来源不明（CSRF校验未通过），请刷新页面后重新提交")
            }
        }
        return try await next.respond(to: request)
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
