import LvzeCore
import Vapor

/// Every failure becomes a Chinese message with a reference id: a page for browsers,
/// JSON for the API. Details of server errors go to the log under the same id, never
/// to the user.
struct ErrorPageMiddleware: Middleware {
    struct ErrorContent: Encodable {
        var status: Int
        var heading: String
        var message: String
        var reference: String
        var loginLink: Bool
    }

    struct APIError: Content {
        struct Body: Content {
            var status: Int
            var message: String
            var reference: String
            var errors: [String]?
        }
        var error: Body
    }

    func respond(to request: Request, chainingTo next: any Responder) -> EventLoopFuture<Response> {
        next.respond(to: request).flatMapError { error in
            request.eventLoop.makeFutureWithTask { await render(error, for: request) }
        }
    }

    func render(_ error: any Error, for request: Request) async -> Response {
        let reference = String(UUID().uuidString.prefix(8)).lowercased()
        let status: HTTPStatus
        var message: String
        var fieldErrors: [String]?
        switch error {
        case let abort as any AbortError:
            status = abort.status
            message = abort.reason
        case let failure as ValidationFailure:
            status = .unprocessableEntity
            message = failure.message
            fieldErrors = failure.errors.map(\.description)
        case is DecodingError:
            status = .badRequest
            message = "提交的数据格式不正确：\(Self.describe(error))"
        default:
            status = .internalServerError
            message = "服务器内部错误"
        }
        Self.log(error, status: status, reference: reference, request: request)
        if status.code >= 500 {
            message = "服务器处理请求时出错。请把参考编号告知系统管理员。"
        } else if message == status.reasonPhrase || message.isEmpty || message.allSatisfy(\.isASCII) {
            message = Self.chineseReason(status)
        }

        if request.url.path.hasPrefix("/api/") {
            let body = APIError(error: .init(status: Int(status.code), message: message, reference: reference, errors: fieldErrors))
            let response = Response(status: status)
            try? response.content.encode(body, as: .json)
            return response
        }
        let content = ErrorContent(status: Int(status.code), heading: Self.heading(status), message: message,
                                   reference: reference, loginLink: status == .unauthorized)
        do {
            return try await request.render("error", title: Self.heading(status), content, status: status)
        } catch {
            // The template itself failed: fall back to plain text that still names the reference.
            let response = Response(status: status)
            response.headers.contentType = .plainText
            response.body = .init(string: "\(Self.heading(status))：\(message)（参考编号 \(reference)）")
            return response
        }
    }

    /// Every answer that shows a reference is in the log under it, with the request line, who
    /// asked and the underlying error, so the IT office can find what a user reports. The
    /// query string stays out: it can carry search text from discipline ledgers.
    static func log(_ error: any Error, status: HTTPStatus, reference: String, request: Request) {
        let user = request.principal.map { "\($0.user.username)#\($0.user.id ?? 0)" } ?? "-"
        let metadata: Logger.Metadata = [
            "reference": .string(reference), "status": .stringConvertible(status.code),
            "request": .string("\(request.method.rawValue) \(request.url.path)"),
            "user": .string(user), "address": .string(request.clientAddress),
            // One line per answer, so a grep for the reference finds the time and the error.
            "error": .string(String(reflecting: error).split(whereSeparator: \.isNewline).joined(separator: " ")),
        ]
        if status.code >= 500 {
            request.logger.error("request failed", metadata: metadata)
        } else {
            request.logger.notice("request refused", metadata: metadata)
        }
    }

    static func heading(_ status: HTTPStatus) -> String {
        switch status.code {
        case 400: return "请求有误"
        case 401: return "尚未登录"
        case 403: return "无权访问"
        case 404: return "页面不存在"
        case 405: return "请求方式不对"
        case 413: return "文件过大"
        case 422: return "填写有误"
        case 429: return "请求过于频繁"
        default: return status.code >= 500 ? "系统出错" : "无法完成请求"
        }
    }

    static func chineseReason(_ status: HTTPStatus) -> String {
        switch status.code {
        case 400: return "请求内容不完整或格式不正确。"
        case 401: return "请先登录。"
        case 403: return "您没有权限执行此操作。"
        case 404: return "您要找的页面或记录不存在，或不在您的权限范围内。"
        case 405: return "不支持这种请求方式。"
        case 413: return "上传的内容超过了允许的大小。"
        case 415: return "请求内容的格式不受支持：接口只接受 JSON（Content-Type: application/json），网页表单须以表单方式提交。"
        default: return "无法完成请求（\(status.code)）。"
        }
    }

    static func describe(_ error: any Error) -> String {
        guard let d = error as? DecodingError else { return "" }
        func path(_ c: DecodingError.Context) -> String {
            c.codingPath.map(\.stringValue).joined(separator: ".")
        }
        switch d {
        case .keyNotFound(let key, _): return "缺少字段 «\(key.stringValue)»"
        case .typeMismatch(_, let c), .valueNotFound(_, let c): return "字段 «\(path(c))» 的类型不对"
        case .dataCorrupted(let c): return path(c).isEmpty ? "内容无法解析" : "字段 «\(path(c))» 的值无法解析"
        @unknown default: return "内容无法解析"
        }
    }
}

