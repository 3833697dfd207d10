import Foundation
import Logging
import NIOConcurrencyHelpers
@testable import LvzeServer
import Vapor
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// How a request body goes on the wire. Browsers send the head first and the body after it, in
/// as many TCP segments as it takes; the in-process test client hands the body over whole, which
/// hid a CSRF check that read only the first chunk.
enum Delivery: Sendable {
    /// `Content-Length`, the body written in pieces of this many bytes, the head alone first.
    case pieces(Int)
    /// `Transfer-Encoding: chunked`, one chunk of this many bytes a write.
    case chunked(Int)
}

struct RawResponse {
    var status: Int
    var headers: [(String, String)]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
    func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
    func headers(_ name: String) -> [String] { headers.filter { $0.0.lowercased() == name.lowercased() }.map(\.1) }
    var location: String { header("Location") ?? "" }
}

/// One HTTP/1.1 exchange over a real TCP socket to the app on loopback, `Connection: close`.
enum RawHTTP {
    /// `source`: the loopback address to send from (127.0.0.2 and so on), to act as another machine.
    static func exchange(port: Int, method: String, path: String, headers: [(String, String)], body: Data,
                         delivery: Delivery, source: String? = nil) async throws -> RawResponse {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result {
                    try blockingExchange(port: port, method: method, path: path, headers: headers, body: body, delivery: delivery,
                                         source: source)
                })
            }
        }
    }

    struct SocketError: Error, CustomStringConvertible { var description: String }

    private static func blockingExchange(port: Int, method: String, path: String, headers: [(String, String)], body: Data,
                                         delivery: Delivery, source: String?) throws -> RawResponse {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw SocketError(description: "socket() failed") }
        defer { close(fd) }
        var one: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval(tv_sec: 60, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else { throw SocketError(description: "bind() to \(source) failed") }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { throw SocketError(description: "connect() to port \(port) failed") }

        var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { head += "\(name): \(value)\r\n" }
        let hasBody = !body.isEmpty || method == "POST"
        if hasBody {
            switch delivery {
            case .pieces: head += "Content-Length: \(body.count)\r\n"
            case .chunked: head += "Transfer-Encoding: chunked\r\n"
            }
        }
        head += "\r\n"
        try write(fd, Data(head.utf8))
        if hasBody {
            // The head alone first, so the server starts the request before any body arrives.
            usleep(20_000)
            switch delivery {
            case .pieces(let size):
                var offset = 0
                while offset < body.count {
                    let end = min(offset + size, body.count)
                    try write(fd, body.subdata(in: offset..<end))
                    offset = end
                    usleep(200)
                }
            case .chunked(let size):
                var offset = 0
                while offset < body.count {
                    let end = min(offset + size, body.count)
                    var chunk = Data((String(end - offset, radix: 16) + "\r\n").utf8)
                    chunk.append(body.subdata(in: offset..<end))
                    chunk.append(Data("\r\n".utf8))
                    try write(fd, chunk)
                    offset = end
                    usleep(200)
                }
                try write(fd, Data("0\r\n\r\n".utf8))
            }
        }
        var received = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { received.append(contentsOf: buffer[0..<n]) } else { break }
        }
        return try parse(received)
    }

    private static func write(_ fd: Int32, _ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var sent = 0
            while sent < raw.count {
                let n = send(fd, raw.baseAddress! + sent, raw.count - sent, Int32(MSG_NOSIGNAL))
                // The server may answer (413, 403) and close before the whole body is sent.
                if n < 0 { if errno == EPIPE || errno == ECONNRESET { return }; throw SocketError(description: "send() failed: \(errno)") }
                sent += n
            }
        }
    }

    private static func parse(_ data: Data) throws -> RawResponse {
        let separator = Data("\r\n\r\n".utf8)
        guard let end = data.range(of: separator) else { throw SocketError(description: "no response head in \(data.count) bytes") }
        let lines = String(decoding: data[data.startIndex..<end.lowerBound], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = lines[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw SocketError(description: "bad status line \(lines[0])") }
        var headers: [(String, String)] = []
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.append((String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)))
        }
        var body = Data(data[end.upperBound...])
        if headers.contains(where: { $0.0.lowercased() == "transfer-encoding" && $0.1.lowercased().contains("chunked") }) {
            body = dechunk(body)
        }
        return RawResponse(status: status, headers: headers, body: body)
    }

    private static func dechunk(_ data: Data) -> Data {
        var out = Data(), index = data.startIndex
        let crlf = Data("\r\n".utf8)
        while let lineEnd = data.range(of: crlf, in: index..<data.endIndex) {
            let sizeText = String(decoding: data[index..<lineEnd.lowerBound], as: UTF8.self).split(separator: ";").first ?? ""
            guard let size = Int(sizeText.trimmingCharacters(in: .whitespaces), radix: 16), size > 0 else { break }
            let start = lineEnd.upperBound
            guard start + size <= data.endIndex else { break }
            out.append(data[start..<start + size])
            index = start + size + 2
        }
        return out
    }
}

/// The app running on a loopback port for the length of `body`, with its log captured.
func withRunningFixture(_ body: (Application, Fixture, Int, LogCapture) async throws -> Void) async throws {
    try await withFixture { app, fixture in
        let capture = LogCapture()
        app.logger = Logger(label: "lvze.test") { _ in capture }
        app.logger.logLevel = .notice
        app.http.server.configuration.hostname = "127.0.0.1"
        app.http.server.configuration.port = 0
        try await app.server.start(address: nil)
        guard let port = app.http.server.shared.localAddress?.port else {
            await app.server.shutdown()
            XCTFail("server has no port")
            return
        }
        do {
            try await body(app, fixture, port, capture)
        } catch {
            await app.server.shutdown()
            throw error
        }
        await app.server.shutdown()
    }
}

/// Log lines kept in memory, message and metadata flattened, for tests that read the log.
/// A value type like swift-log's own handlers: each request's logger copy sets its own
/// metadata (a shared class instance raced and crashed under concurrent requests); only the
/// lines are shared, under a lock.
struct LogCapture: LogHandler, Sendable {
    private let lines = NIOLockedValueBox<[String]>([])
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .notice

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata extra: Logger.Metadata?, source: String,
             file: String, function: String, line: UInt) {
        let all = metadata.merging(extra ?? [:]) { $1 }
        let text = "\(level) \(message) " + all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.withLockedValue { $0.append(text) }
    }

    var all: [String] { lines.withLockedValue { $0 } }
}

/// A cookie-keeping client over a real socket, like a browser: it takes the CSRF token from the
/// page it was given, sends forms back in many small writes or chunked, multipart with files.
final class SocketBrowser {
    let port: Int
    var cookies: [String: String] = [:]
    var csrf = ""
    var delivery: Delivery
    /// The loopback address this "machine" sends from.
    var source: String?

    init(port: Int, delivery: Delivery = .pieces(1_024), source: String? = nil) {
        self.port = port
        self.delivery = delivery
        self.source = source
    }

    @discardableResult
    func get(_ path: String) async throws -> RawResponse {
        let res = try await RawHTTP.exchange(port: port, method: "GET", path: path, headers: cookieHeader(), body: Data(), delivery: delivery, source: source)
        absorb(res)
        return res
    }

    /// An urlencoded form, `_csrf` included unless `token` says otherwise ("" leaves it out).
    @discardableResult
    func post(_ path: String, _ form: [(String, String)], token: String? = nil, headers extra: [(String, String)] = []) async throws -> RawResponse {
        var fields = form
        let sent = token ?? csrf
        if !sent.isEmpty { fields.insert(("_csrf", sent), at: 0) }
        let body = fields.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        let res = try await RawHTTP.exchange(port: port, method: "POST", path: path,
                                             headers: cookieHeader() + [("Content-Type", "application/x-www-form-urlencoded")] + extra,
                                             body: Data(body.utf8), delivery: delivery, source: source)
        absorb(res)
        return res
    }

    /// A multipart form as a browser sends one: `_csrf` first, then the fields, then the files.
    @discardableResult
    func postMultipart(_ path: String, _ form: [(String, String)], files: [(field: String, filename: String, type: String, data: Data)] = [],
                       token: String? = nil) async throws -> RawResponse {
        var fields = form
        let sent = token ?? csrf
        if !sent.isEmpty { fields.insert(("_csrf", sent), at: 0) }
        let (boundary, body) = multipartBody(fields, files: files)
        let res = try await RawHTTP.exchange(port: port, method: "POST", path: path,
                                             headers: cookieHeader() + [("Content-Type", "multipart/form-data; boundary=\(boundary)")],
                                             body: body, delivery: delivery, source: source)
        absorb(res)
        return res
    }

    /// A JSON call with the session cookie, as a page's script would make it.
    @discardableResult
    func sendJSON(_ method: String, _ path: String, _ json: String, headers extra: [(String, String)] = []) async throws -> RawResponse {
        try await RawHTTP.exchange(port: port, method: method, path: path,
                                   headers: cookieHeader() + [("Content-Type", "application/json")] + extra,
                                   body: Data(json.utf8), delivery: delivery)
    }

    @discardableResult
    func login(_ username: String, _ password: String = Fixture.password) async throws -> RawResponse {
        try await get("/login")
        let res = try await post("/login", [("username", username), ("password", password), ("next", "/")])
        try await get("/")  // the session's own token for later forms
        return res
    }

    private func cookieHeader() -> [(String, String)] {
        cookies.isEmpty ? [] : [("Cookie", cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))]
    }

    private func absorb(_ res: RawResponse) {
        absorbCookies(res.headers("Set-Cookie"), into: &cookies)
        if let token = formToken(in: res.text) { csrf = token }
    }

    static func encode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}

/// A JPEG-looking file of `size` bytes: a real JPEG header and noise, as a camera photo is to the
/// server (it checks the type by the leading bytes).
func samplePhoto(size: Int) -> Data {
    var data = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01])
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    data.reserveCapacity(size)
    while data.count < size - 2 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        data.append(UInt8(truncatingIfNeeded: state >> 33))
    }
    data.append(contentsOf: [0xFF, 0xD9])
    return data
}
