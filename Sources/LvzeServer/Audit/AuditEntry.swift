import Fluent
import LvzeCore
import Vapor

/// One entry of the append-only, hash-chained audit trail (审计日志).
final class AuditEntry: Model, @unchecked Sendable {
    static let schema = "audit_entries"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "seq") var seq: Int
    @Field(key: "at") var at: String
    @OptionalField(key: "user_id") var userID: Int?
    @Field(key: "username") var username: String
    @OptionalField(key: "unit_id") var unitID: Int?
    @Field(key: "address") var address: String
    @Field(key: "action") var action: String
    @Field(key: "object_type") var objectType: String
    @Field(key: "object_id") var objectID: String
    @Field(key: "summary") var summary: String
    @OptionalField(key: "before") var before: String?
    @OptionalField(key: "after") var after: String?
    @Field(key: "prev_hash") var prevHash: String
    @Field(key: "hash") var hash: String
    /// The audit key's MAC of `hash`; nil only for entries written before the key existed.
    @OptionalField(key: "mac") var mac: String?

    init() {}

    var content: AuditEntryContent {
        AuditEntryContent(seq: seq, at: at, userID: userID, username: username, unitID: unitID,
                          address: address, action: action, objectType: objectType, objectID: objectID,
                          summary: summary, before: before, after: after, prevHash: prevHash)
    }
}

/// The single row that records the chain's last sequence number and hash; updating it
/// inside the append's transaction serialises concurrent appends on both databases.
final class AuditHead: Model, @unchecked Sendable {
    static let schema = "audit_head"

    @ID(custom: .id, generatedBy: .user) var id: Int?
    @Field(key: "seq") var seq: Int
    @Field(key: "hash") var hash: String
    @OptionalField(key: "mac") var mac: String?

    init() {}
}

/// A signed checkpoint of the head (see `AuditSeal`); append-only like the entries.
final class AuditCheckpointRow: Model, @unchecked Sendable {
    static let schema = "audit_checkpoints"

    @ID(custom: .id, generatedBy: .database) var id: Int?
    @Field(key: "seq") var seq: Int
    @Field(key: "hash") var hash: String
    @Field(key: "at") var at: String
    @Field(key: "public_key") var publicKey: String
    @Field(key: "signature") var signature: String

    init() {}

    init(_ point: AuditCheckpoint) {
        seq = point.seq
        hash = point.hash
        at = point.at
        publicKey = point.publicKey
        signature = point.signature
    }

    var checkpoint: AuditCheckpoint {
        AuditCheckpoint(seq: seq, hash: hash, at: at, publicKey: publicKey, signature: signature)
    }
}
