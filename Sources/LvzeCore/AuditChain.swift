import Crypto
import Foundation

/// One entry of the audit trail as it is hashed. The hash covers every field and the
/// previous entry's hash, so editing, deleting or reordering entries breaks the chain.
public struct AuditEntryContent: Sendable, Equatable {
    public var seq: Int
    /// ISO 8601 UTC with milliseconds; kept as text so both databases hash the same bytes.
    public var at: String
    public var userID: Int?
    public var username: String
    public var unitID: Int?
    public var address: String
    public var action: String
    public var objectType: String
    public var objectID: String
    public var summary: String
    public var before: String?
    public var after: String?
    public var prevHash: String

    public init(seq: Int, at: String, userID: Int?, username: String, unitID: Int?, address: String,
                action: String, objectType: String, objectID: String, summary: String,
                before: String?, after: String?, prevHash: String) {
        self.seq = seq
        self.at = at
        self.userID = userID
        self.username = username
        self.unitID = unitID
        self.address = address
        self.action = action
        self.objectType = objectType
        self.objectID = objectID
        self.summary = summary
        self.before = before
        self.after = after
        self.prevHash = prevHash
    }

    /// Text as it can be stored on both databases and read back byte for byte: PostgreSQL
    /// refuses U+0000 in text and SQLite's readers stop at it, so it is kept as U+2400 (␀),
    /// visible to the auditor, and the hash covers what is stored.
    public static func storable(_ s: String) -> String {
        s.utf8.contains(0) ? s.replacingOccurrences(of: "\u{0}", with: "\u{2400}") : s
    }

    /// Length-prefixed fields: no choice of separator can be forged by content.
    var canonical: String {
        func f(_ s: String?) -> String {
            guard let s else { return "-1:" }
            return "\(s.utf8.count):\(s)"
        }
        return [f(String(seq)), f(at), f(userID.map(String.init)), f(username), f(unitID.map(String.init)),
                f(address), f(action), f(objectType), f(objectID), f(summary), f(before), f(after), f(prevHash)]
            .joined()
    }

    public var computedHash: String {
        SHA256.hash(data: Data(canonical.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

public enum AuditChain {
    /// The previous hash of the first entry.
    public static let genesis = String(repeating: "0", count: 64)

    public struct Break: Sendable, Equatable, CustomStringConvertible {
        /// Sequence number of the first entry that does not verify (or that is missing).
        public var seq: Int
        public var reason: String
        public var description: String { "第\(seq)条：\(reason)" }
    }

    /// Checks entries one at a time in stored order, so a long trail verifies in flat memory.
    /// It goes on past a break, taking the stored hash as the next link, so every break is
    /// listed: a false alarm early in the trail cannot hide real tampering later.
    public struct Verifier: Sendable {
        private var expectedSeq = 1
        private var prev = AuditChain.genesis
        private let seal: AuditSeal?
        /// Entries from the first sealed one on must all carry a MAC.
        private var sealed = false
        public private(set) var count = 0
        public private(set) var breaks: [Break] = []
        /// At most this many breaks are kept (all are counted).
        public static let keptBreaks = 1_000
        public private(set) var breakCount = 0

        public init(seal: AuditSeal? = nil) {
            self.seal = seal
        }

        /// The break this entry reveals, or nil when it links correctly.
        @discardableResult
        public mutating func feed(_ content: AuditEntryContent, hash: String, mac: String? = nil) -> Break? {
            var problem: Break?
            if content.seq != expectedSeq {
                problem = Break(seq: expectedSeq, reason: content.seq > expectedSeq
                                ? "缺失（下一条为第\(content.seq)条），条目被删除"
                                : "序号重复或顺序被调换（出现第\(content.seq)条）")
            } else if content.prevHash != prev {
                problem = Break(seq: content.seq, reason: "前序哈希与上一条不符，条目被删除、插入或调换")
            } else if content.computedHash != hash {
                problem = Break(seq: content.seq, reason: "内容与哈希不符，条目被篡改")
            } else if let seal {
                if let mac {
                    sealed = true
                    if mac != seal.mac(entryHash: hash) {
                        problem = Break(seq: content.seq, reason: "密钥签名不符：条目被改写并重新计算了哈希，或审计密钥被更换")
                    }
                } else if sealed {
                    problem = Break(seq: content.seq, reason: "缺少密钥签名：此条在已签名的条目之后写入，未经本系统")
                }
            }
            prev = hash
            expectedSeq = max(expectedSeq, content.seq + 1)
            if let problem { record(problem) } else { count += 1 }
            return problem
        }

        private mutating func record(_ problem: Break) {
            breakCount += 1
            if breaks.count < Self.keptBreaks { breaks.append(problem) }
        }

        /// Compares the end of the chain with the head the database recorded, which catches
        /// a removed tail; with a seal, the head's own MAC catches a head moved back with it.
        @discardableResult
        public mutating func finish(head: (seq: Int, hash: String)?, headMAC: String? = nil) -> Break? {
            guard let head else { return nil }
            var problem: Break?
            if head.seq >= expectedSeq {
                problem = Break(seq: expectedSeq, reason: "缺失（链头记录共\(head.seq)条），末尾条目被删除")
            } else if head.seq == expectedSeq - 1, head.seq > 0, head.hash != prev {
                problem = Break(seq: head.seq, reason: "与链头记录的哈希不符")
            } else if head.seq < expectedSeq - 1 {
                problem = Break(seq: head.seq + 1, reason: "链头记录只有\(head.seq)条，其后的条目来历不明")
            } else if let seal, head.seq > 0 {
                if let headMAC {
                    if headMAC != seal.mac(headSeq: head.seq, hash: head.hash) {
                        problem = Break(seq: head.seq, reason: "链头的密钥签名不符：链头被改动（末尾条目可能被删除）")
                    }
                } else if sealed {
                    problem = Break(seq: head.seq, reason: "链头缺少密钥签名：链头被改动")
                }
            }
            if let problem { record(problem) }
            return problem
        }

        /// The entry at a checkpoint's sequence number must have the checkpoint's hash.
        public static func check(_ checkpoint: AuditCheckpoint, against hash: String?) -> Break? {
            guard checkpoint.signatureIsValid else {
                return Break(seq: checkpoint.seq, reason: "检查点的签名无效：检查点文件被改动或不是本系统签发")
            }
            guard let hash else { return Break(seq: checkpoint.seq, reason: "检查点所记的第\(checkpoint.seq)条已不存在：此前的日志被删除") }
            if hash != checkpoint.hash {
                return Break(seq: checkpoint.seq, reason: "与\(checkpoint.at)导出的检查点不符：此前的日志被改写")
            }
            return nil
        }
    }

    /// Verifies a whole sequence at once.
    public static func verify<S: Sequence>(_ entries: S, head: (seq: Int, hash: String)?) -> Break?
    where S.Element == (content: AuditEntryContent, hash: String) {
        var verifier = Verifier()
        for (content, hash) in entries { verifier.feed(content, hash: hash) }
        verifier.finish(head: head)
        return verifier.breaks.first
    }
}
