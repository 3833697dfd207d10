import Crypto
import Foundation

/// The secret that seals the audit trail, kept outside the database (a key file with owner-only
/// permissions, or one the operator provides). Each entry's hash is MACed with it and so is the
/// chain's head, so whoever holds only the database cannot rewrite the trail and rehash it:
/// every rewritten entry would need a MAC only the key can make.
///
/// Checkpoints go further: the head's sequence number and hash, signed with a key derived from
/// the same secret, exported by the auditor and kept elsewhere. History before an exported
/// checkpoint cannot be rewritten even by someone holding the key, since the rewritten chain
/// would not pass through the checkpoint's hash.
public struct AuditSeal: Sendable {
    private let key: SymmetricKey
    private let signing: Curve25519.Signing.PrivateKey

    /// `secret`: at least 32 random bytes.
    public init(secret: Data) throws {
        guard secret.count >= 32 else { throw AuditSealError("审计密钥太短：至少需要32字节的随机数据") }
        key = SymmetricKey(data: secret)
        let seed = HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Data("lvze audit checkpoint signing".utf8), outputByteCount: 32)
        signing = try seed.withUnsafeBytes { try Curve25519.Signing.PrivateKey(rawRepresentation: Data($0)) }
    }

    /// 32 fresh random bytes for a new key file.
    public static func newSecret() -> Data {
        SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
    }

    /// The MAC of one entry: over its hash, which covers its content and the previous hash.
    public func mac(entryHash: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Data("entry\u{1F}\(entryHash)".utf8), using: key))
    }

    /// The MAC of the chain's head: moving the head back to hide a removed tail needs the key.
    public func mac(headSeq: Int, hash: String) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Data("head\u{1F}\(headSeq)\u{1F}\(hash)".utf8), using: key))
    }

    /// The public half of the checkpoint key, hex: printed with every checkpoint so a copy kept
    /// elsewhere can be checked without the secret.
    public var publicKey: String { hex(signing.publicKey.rawRepresentation) }

    /// A short fingerprint of the key, safe to log and show: which key sealed what.
    public var fingerprint: String { String(hex(SHA256.hash(data: signing.publicKey.rawRepresentation)).prefix(16)) }

    public func checkpoint(seq: Int, hash: String, at: String) throws -> AuditCheckpoint {
        var point = AuditCheckpoint(seq: seq, hash: hash, at: at, publicKey: publicKey, signature: "")
        point.signature = hex(try signing.signature(for: Data(point.signedText.utf8)))
        return point
    }
}

public struct AuditSealError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A signed statement that the trail's entry `seq` had hash `hash` at time `at`.
public struct AuditCheckpoint: Sendable, Codable, Equatable {
    public var seq: Int
    public var hash: String
    public var at: String
    public var publicKey: String
    public var signature: String

    public init(seq: Int, hash: String, at: String, publicKey: String, signature: String) {
        self.seq = seq
        self.hash = hash
        self.at = at
        self.publicKey = publicKey
        self.signature = signature
    }

    var signedText: String { "lvze-audit-checkpoint\u{1F}\(seq)\u{1F}\(hash)\u{1F}\(at)" }

    /// The signature is the one the named public key makes for this text.
    public var signatureIsValid: Bool {
        guard let key = Data(hexString: publicKey), let signature = Data(hexString: signature),
              let publicKey = try? Curve25519.Signing.PublicKey(rawRepresentation: key) else { return false }
        return publicKey.isValidSignature(signature, for: Data(signedText.utf8))
    }
}

func hex<D: Sequence>(_ bytes: D) -> String where D.Element == UInt8 {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    for b in bytes { out.append(digits[Int(b >> 4)]); out.append(digits[Int(b & 0x0F)]) }
    return String(decoding: out, as: UTF8.self)
}

func hex(_ mac: HashedAuthenticationCode<SHA256>) -> String { hex(Array(mac)) }

public extension Data {
    init?(hexString: String) {
        let bytes = Array(hexString.utf8)
        guard bytes.count % 2 == 0 else { return nil }
        var out = Data(capacity: bytes.count / 2)
        func value(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            case 0x41...0x46: return c - 0x41 + 10
            default: return nil
            }
        }
        var i = 0
        while i < bytes.count {
            guard let hi = value(bytes[i]), let lo = value(bytes[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        self = out
    }
}
