import Foundation
import NIOSSL
import Vapor

/// HTTPS served by Lvze itself (`lvze serve --tls-cert FILE --tls-key FILE`, or
/// `LVZE_TLS_CERT` / `LVZE_TLS_KEY`): an intranet machine often has no proxy in front of it.
public struct TLSFiles: Sendable, Equatable {
    public var certificate: String
    public var key: String

    public init(certificate: String, key: String) {
        self.certificate = certificate
        self.key = key
    }
}

enum ServerTLS {
    /// HSTS for a year: a browser that once reached the site over HTTPS never falls back to HTTP.
    static let strictTransportSecurity = "max-age=31536000"

    /// TLS 1.2 and 1.3 only, the certificate chain and key read from PEM files; every problem
    /// is a `StartupError` naming the file and what to do.
    static func configuration(_ files: TLSFiles) throws -> TLSConfiguration {
        try checkKeyPermissions(files.key)
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(files.certificate)
        } catch {
            throw StartupError("无法读取证书文件 \(files.certificate)（--tls-cert）：须为 PEM 格式的证书（以 -----BEGIN CERTIFICATE----- 开头），可含中间证书")
        }
        guard !chain.isEmpty else {
            throw StartupError("证书文件 \(files.certificate)（--tls-cert）中没有证书")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: files.key, format: .pem)
        } catch {
            throw StartupError("无法读取私钥文件 \(files.key)（--tls-key）：须为未加密的 PEM 格式私钥（以 -----BEGIN PRIVATE KEY----- 等开头）")
        }
        var tls = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        tls.minimumTLSVersion = .tlsv12
        return tls
    }

    /// A private key others can read is no longer private: refused, as ssh refuses such keys.
    /// 0600, or 0640 with a group of the service's own, are accepted.
    static func checkKeyPermissions(_ path: String) throws {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw StartupError("找不到私钥文件 \(path)（--tls-key）")
        }
        guard let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue else { return }
        if mode & 0o027 != 0 {
            throw StartupError("私钥文件 \(path) 的权限为 \(String(format: "%04o", mode & 0o7777))，其他用户可以读取或改写；"
                               + "请执行 chmod 600 \(path)（或 640 且属组仅含运行 Lvze 的账号）后再启动")
        }
    }

    /// `serve`'s TLS options taken out of the arguments (Vapor's serve command does not know
    /// them), else the environment's. Both or neither.
    static func take(from arguments: inout [String], environment: [String: String]) throws -> TLSFiles? {
        func option(_ name: String) throws -> String? {
            guard let i = arguments.firstIndex(where: { $0 == name || $0.hasPrefix(name + "=") }) else { return nil }
            if arguments[i].hasPrefix(name + "=") {
                let value = String(arguments[i].dropFirst(name.count + 1))
                arguments.remove(at: i)
                return value
            }
            guard i + 1 < arguments.count, !arguments[i + 1].hasPrefix("--") else {
                throw StartupError("\(name) 后须给出文件路径")
            }
            let value = arguments[i + 1]
            arguments.removeSubrange(i...(i + 1))
            return value
        }
        let certificate = try option("--tls-cert") ?? environment["LVZE_TLS_CERT"].flatMap { $0.isEmpty ? nil : $0 }
        let key = try option("--tls-key") ?? environment["LVZE_TLS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        switch (certificate, key) {
        case (nil, nil): return nil
        case let (certificate?, key?): return TLSFiles(certificate: certificate, key: key)
        case (nil, _): throw StartupError("已指定私钥（--tls-key / LVZE_TLS_KEY），还须指定证书（--tls-cert / LVZE_TLS_CERT）")
        case (_, nil): throw StartupError("已指定证书（--tls-cert / LVZE_TLS_CERT），还须指定私钥（--tls-key / LVZE_TLS_KEY）")
        }
    }
}

extension Request {
    /// Served over HTTPS: by Lvze itself, or by a proxy in front that says so.
    var isSecure: Bool {
        application.lvze.configuration.tls != nil || headers.first(name: "X-Forwarded-Proto") == "https"
    }
}
