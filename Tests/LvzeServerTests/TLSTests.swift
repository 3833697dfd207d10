import AsyncHTTPClient
import Crypto
import Foundation
@testable import LvzeServer
import NIOCore
import NIOHTTP1
import NIOSSL
import SwiftASN1
import Vapor
import X509
import XCTest

/// HTTPS served by Lvze itself, over a real TLS socket, with a certificate made at test time.
final class TLSTests: XCTestCase {
    /// A self-signed certificate for 127.0.0.1 and its key, written as PEM files (key 0600).
    struct Made {
        var folder: URL
        var files: TLSFiles
        var certificate: NIOSSLCertificate
    }

    static func makeCertificate(keyMode: Int = 0o600) throws -> Made {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("lvze-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("Lvze test") }
        let now = Date()
        let certificate = try Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(), publicKey: .init(key.publicKey),
            notValidBefore: now.addingTimeInterval(-3_600), notValidAfter: now.addingTimeInterval(3_600),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: try Certificate.Extensions {
                Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil))
                SubjectAlternativeNames([.ipAddress(ASN1OctetString(contentBytes: [127, 0, 0, 1]))])
            },
            issuerPrivateKey: Certificate.PrivateKey(key))
        let pem = try certificate.serializeAsPEM().pemString
        let certPath = folder.appendingPathComponent("lvze.crt").path
        let keyPath = folder.appendingPathComponent("lvze.key").path
        try pem.write(toFile: certPath, atomically: true, encoding: .utf8)
        try key.pemRepresentation.write(toFile: keyPath, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: keyMode], ofItemAtPath: keyPath)
        return Made(folder: folder, files: TLSFiles(certificate: certPath, key: keyPath),
                    certificate: try NIOSSLCertificate(bytes: Array(pem.utf8), format: .pem))
    }

    /// A client that trusts only the made certificate (and checks that it names 127.0.0.1).
    static func client(trusting made: Made, maximumVersion: TLSVersion? = nil) -> HTTPClient {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .certificates([made.certificate])
        if let maximumVersion { tls.maximumTLSVersion = maximumVersion }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        configuration.redirectConfiguration = .disallow
        configuration.timeout = .init(connect: .seconds(2), read: .seconds(30))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    static func withClient<T>(trusting made: Made, maximumVersion: TLSVersion? = nil, _ body: (HTTPClient) async throws -> T) async throws -> T {
        let client = client(trusting: made, maximumVersion: maximumVersion)
        do {
            let value = try await body(client)
            try await client.shutdown()
            return value
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// Runs `body` with the fixture's app serving HTTPS on a free port.
    func withTLSServer(_ made: Made, _ body: (Application, Int) async throws -> Void) async throws {
        let app = try await makeTestApp(tls: made.files)
        do {
            _ = try await Fixture.make(app)
            app.http.server.configuration.hostname = "127.0.0.1"
            app.http.server.configuration.port = 0
            try await app.server.start(address: nil)
            let port = try XCTUnwrap(app.http.server.shared.localAddress?.port)
            try await body(app, port)
        } catch {
            await app.server.shutdown()
            try await app.asyncShutdown()
            throw error
        }
        await app.server.shutdown()
        try await app.asyncShutdown()
    }

    func testSignsInOverHTTPSWithSecureCookiesAndHSTS() async throws {
        let made = try Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: made.folder) }
        try await withTLSServer(made) { _, port in
            try await Self.withClient(trusting: made) { client in
            let page = try await client.get(url: "https://127.0.0.1:\(port)/login").get()
            XCTAssertEqual(page.status, .ok)
            XCTAssertEqual(page.headers.first(name: "Strict-Transport-Security"), ServerTLS.strictTransportSecurity)
            let setCookies = page.headers[.setCookie]
            XCTAssertFalse(setCookies.isEmpty)
            for cookie in setCookies { XCTAssertTrue(cookie.contains("Secure"), cookie) }
            var cookies: [String: String] = [:]
            absorbCookies(setCookies, into: &cookies)
            let html = page.body.map { String(buffer: $0) } ?? ""
            let token = try XCTUnwrap(formToken(in: html))

            var request = try HTTPClient.Request(url: "https://127.0.0.1:\(port)/login", method: .POST)
            request.headers.add(name: .contentType, value: "application/x-www-form-urlencoded")
            request.headers.add(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
            request.body = .string("username=clerk&password=\(Fixture.password.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)&next=%2F&_csrf=\(token)")
            let signedIn = try await client.execute(request: request).get()
            XCTAssertEqual(signedIn.status, .seeOther, signedIn.body.map { String(buffer: $0) } ?? "")
            let session = try XCTUnwrap(signedIn.headers[.setCookie].first { $0.hasPrefix(Cookies.session + "=") })
            XCTAssertTrue(session.contains("Secure"), session)
            XCTAssertTrue(session.contains("HttpOnly"), session)
            }
        }
    }

    func testRefusesTLSBelowOnePointTwo() async throws {
        let made = try Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: made.folder) }
        try await withTLSServer(made) { _, port in
            let refused: Bool = try await Self.withClient(trusting: made, maximumVersion: .tlsv11) { old in
                // The handshake fails: the server offers nothing below TLS 1.2.
                do {
                    _ = try await old.get(url: "https://127.0.0.1:\(port)/healthz").get()
                    return false
                } catch {
                    // BoringSSL's alert: the server answered "protocol version", nothing below 1.2.
                    XCTAssertTrue("\(error)".contains("PROTOCOL_VERSION"), "\(error)")
                    return true
                }
            }
            XCTAssertTrue(refused, "a TLS 1.1 client was served")
            let status = try await Self.withClient(trusting: made, maximumVersion: .tlsv12) { current in
                try await current.get(url: "https://127.0.0.1:\(port)/healthz").get().status
            }
            XCTAssertEqual(status, .ok)
        }
    }

    func testPlainHTTPHasNeitherSecureCookiesNorHSTS() async throws {
        try await withRunningFixture { _, _, port, _ in
            let page = try await RawHTTP.exchange(port: port, method: "GET", path: "/login", headers: [], body: Data(), delivery: .pieces(1_000))
            XCTAssertEqual(page.status, 200)
            XCTAssertNil(page.header("Strict-Transport-Security"))
            XCTAssertFalse(page.headers("Set-Cookie").isEmpty)
            for cookie in page.headers("Set-Cookie") { XCTAssertFalse(cookie.contains("Secure"), cookie) }
            // Behind a proxy that terminates HTTPS and says so, cookies are Secure and HSTS is sent.
            let proxied = try await RawHTTP.exchange(port: port, method: "GET", path: "/login", headers: [("X-Forwarded-Proto", "https")],
                                                     body: Data(), delivery: .pieces(1_000))
            XCTAssertEqual(proxied.header("Strict-Transport-Security"), ServerTLS.strictTransportSecurity)
            for cookie in proxied.headers("Set-Cookie") { XCTAssertTrue(cookie.contains("Secure"), cookie) }
        }
    }

    /// Every way the settings can be wrong stops the start with a message naming the file.
    func testRefusesExposedKeysAndBadFiles() async throws {
        for mode in [0o644, 0o604, 0o660] {
            let made = try Self.makeCertificate(keyMode: mode)
            defer { try? FileManager.default.removeItem(at: made.folder) }
            XCTAssertThrowsError(try ServerTLS.configuration(made.files), "mode \(String(mode, radix: 8))") { error in
                let text = "\(error)"
                XCTAssertTrue(text.contains("chmod 600 \(made.files.key)"), text)
                XCTAssertTrue(text.contains(String(mode, radix: 8)), text)
            }
        }
        for mode in [0o600, 0o640, 0o400] {
            let made = try Self.makeCertificate(keyMode: mode)
            defer { try? FileManager.default.removeItem(at: made.folder) }
            XCTAssertNoThrow(try ServerTLS.configuration(made.files), "mode \(String(mode, radix: 8))")
        }

        let made = try Self.makeCertificate()
        defer { try? FileManager.default.removeItem(at: made.folder) }
        let garbage = made.folder.appendingPathComponent("garbage.pem").path
        try "not a certificate\u{0}".write(toFile: garbage, atomically: true, encoding: .utf8)
        let cases: [(TLSFiles, String)] = [
            (TLSFiles(certificate: garbage, key: made.files.key), "无法读取证书文件 \(garbage)"),
            (TLSFiles(certificate: made.folder.appendingPathComponent("none.crt").path, key: made.files.key), "无法读取证书文件"),
            (TLSFiles(certificate: made.files.certificate, key: made.folder.appendingPathComponent("none.key").path), "找不到私钥文件"),
            // The certificate given as the key: not a private key.
            (TLSFiles(certificate: made.files.certificate, key: made.files.certificate), ""),
        ]
        for (files, expected) in cases {
            XCTAssertThrowsError(try ServerTLS.configuration(files)) { error in
                XCTAssertTrue(error is StartupError, "\(error)")
                if !expected.isEmpty { XCTAssertTrue("\(error)".contains(expected), "\(error)") }
            }
        }
        // The whole start is refused, before any database is opened.
        let exposed = try Self.makeCertificate(keyMode: 0o644)
        defer { try? FileManager.default.removeItem(at: exposed.folder) }
        let app = try await Application.make(.testing)
        var refusal = ""
        do {
            try await configure(app, LvzeConfiguration(dataDirectory: ":memory:", bcryptCost: 4, tls: exposed.files))
        } catch {
            refusal = "\(error)"
        }
        try await app.asyncShutdown()
        XCTAssertTrue(refusal.contains("其他用户可以读取"), refusal)
        XCTAssertNil(app.http.server.configuration.tlsConfiguration)
    }

    /// `serve --tls-cert A --tls-key B`, `--tls-cert=A`, the environment, and one without the other.
    func testTakesTheOptionsFromServeArguments() throws {
        var arguments = ["lvze", "serve", "--port", "8443", "--tls-cert", "/etc/lvze/a.crt", "--tls-key=/etc/lvze/a.key"]
        XCTAssertEqual(try ServerTLS.take(from: &arguments, environment: [:]), TLSFiles(certificate: "/etc/lvze/a.crt", key: "/etc/lvze/a.key"))
        XCTAssertEqual(arguments, ["lvze", "serve", "--port", "8443"])

        var plain = ["lvze", "serve"]
        XCTAssertNil(try ServerTLS.take(from: &plain, environment: [:]))
        XCTAssertEqual(try ServerTLS.take(from: &plain, environment: ["LVZE_TLS_CERT": "c", "LVZE_TLS_KEY": "k"]),
                       TLSFiles(certificate: "c", key: "k"))

        var onlyCert = ["lvze", "serve", "--tls-cert", "a.crt"]
        XCTAssertThrowsError(try ServerTLS.take(from: &onlyCert, environment: [:])) { XCTAssertTrue("\($0)".contains("还须指定私钥"), "\($0)") }
        var onlyKey = ["lvze", "serve"]
        XCTAssertThrowsError(try ServerTLS.take(from: &onlyKey, environment: ["LVZE_TLS_KEY": "k"])) { XCTAssertTrue("\($0)".contains("还须指定证书"), "\($0)") }
        var noValue = ["lvze", "serve", "--tls-cert", "--tls-key", "k"]
        XCTAssertThrowsError(try ServerTLS.take(from: &noValue, environment: [:])) { XCTAssertTrue("\($0)".contains("--tls-cert 后须给出文件路径"), "\($0)") }
    }
}
