import Fluent
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// What happened, as the audit trail names it. The raw value is stored; the label is shown.
package enum AuditAction: String, CaseIterable, Sendable {
    case login, loginFailed = "login_failed", loginLocked = "login_locked", accountLocked = "account_locked"
    case logout, sessionExpired = "session_expired", passwordChanged = "password_changed"
    case passwordReset = "password_reset"
    case create, update, delete, move
    case flagSet = "flag_set", flagCleared = "flag_cleared"
    case rolesChanged = "roles_changed", accountUnlocked = "account_unlocked"
    case policyChanged = "policy_changed", settingsChanged = "settings_changed"
    case tokenCreated = "token_created", tokenRevoked = "token_revoked"
    case export, report, workflow, sensitiveRead = "sensitive_read"
    case auditVerified = "audit_verified", auditGuardRestored = "audit_guard_restored"
    case backup

    package var label: String {
        switch self {
        case .login: return "登录"
        case .loginFailed: return "登录失败"
        case .loginLocked: return "锁定期间尝试登录"
        case .accountLocked: return "账号锁定"
        case .logout: return "退出"
        case .sessionExpired: return "会话超时"
        case .passwordChanged: return "修改密码"
        case .passwordReset: return "重置密码"
        case .create: return "新增"
        case .update: return "修改"
        case .delete: return "删除"
        case .move: return "移动"
        case .flagSet: return "设置标记"
        case .flagCleared: return "解除标记"
        case .rolesChanged: return "权限变更"
        case .accountUnlocked: return "解锁账号"
        case .policyChanged: return "安全策略变更"
        case .settingsChanged: return "系统设置变更"
        case .tokenCreated: return "创建接口令牌"
        case .tokenRevoked: return "吊销接口令牌"
        case .export: return "导出"
        case .report: return "生成报告"
        case .workflow: return "流程操作"
        case .sensitiveRead: return "查阅敏感记录"
        case .auditVerified: return "校验审计日志"
        case .auditGuardRestored: return "恢复防篡改触发器"
        case .backup: return "数据备份"
        }
    }

    package static func label(of raw: String) -> String { AuditAction(rawValue: raw)?.label ?? raw }
}

/// Who did it, from where.
package struct AuditActor: Sendable {
    package var userID: Int?
    package var username: String
    package var unitID: Int?
    package var address: String

    package static func system(_ name: String = "system") -> AuditActor {
        AuditActor(userID: nil, username: name, unitID: nil, address: "local")
    }
}

/// Appends to the hash chain. Each append runs in a transaction that first bumps the
/// single head row, which serialises appends across connections on both databases. Every
/// entry and the head carry a MAC made with the audit key, which is not in the database.
package struct AuditLog: Sendable {
    package let seal: AuditSeal

    package func append(
        _ action: AuditAction, actor: AuditActor, objectType: String, objectID: String,
        summary: String, before: (any Encodable)? = nil, after: (any Encodable)? = nil,
        at date: Date, on db: any Database
    ) async throws {
        let clean = AuditEntryContent.storable
        let beforeJSON = try before.map(Self.json).map(clean)
        let afterJSON = try after.map(Self.json).map(clean)
        try await db.transaction { tx in
            try await tx.sql.raw("UPDATE audit_head SET seq = seq + 1 WHERE id = 1").run()
            guard let head = try await AuditHead.find(1, on: tx) else {
                throw Abort(.internalServerError, reason: "审计日志链头缺失")
            }
            let content = AuditEntryContent(
                seq: head.seq, at: ISOTime.string(date), userID: actor.userID, username: clean(actor.username),
                unitID: actor.unitID, address: clean(actor.address), action: action.rawValue,
                objectType: objectType, objectID: clean(objectID), summary: clean(summary),
                before: beforeJSON, after: afterJSON, prevHash: head.hash)
            let entry = AuditEntry()
            entry.seq = content.seq
            entry.at = content.at
            entry.userID = content.userID
            entry.username = content.username
            entry.unitID = content.unitID
            entry.address = content.address
            entry.action = content.action
            entry.objectType = content.objectType
            entry.objectID = content.objectID
            entry.summary = content.summary
            entry.before = content.before
            entry.after = content.after
            entry.prevHash = content.prevHash
            entry.hash = content.computedHash
            entry.mac = seal.mac(entryHash: entry.hash)
            try await entry.create(on: tx)
            head.hash = entry.hash
            head.mac = seal.mac(headSeq: head.seq, hash: head.hash)
            try await head.update(on: tx)
        }
    }

    /// Stable JSON (sorted keys) for before/after snapshots.
    package static func json(_ value: any Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(AnyEncodable(value)), as: UTF8.self)
    }

    /// What a verification found: entries that link, and every break.
    package struct Verification: Sendable {
        package var count: Int
        package var breaks: [AuditChain.Break]
        package var breakCount: Int
        package var checkpoints: Int
        package var problem: AuditChain.Break? { breaks.first }

        /// One line for the page and the command line.
        package var summary: String {
            if breaks.isEmpty {
                return "完整：\(count)条日志的哈希链和密钥签名校验通过" + (checkpoints > 0 ? "，与\(checkpoints)个检查点相符" : "")
            }
            let shown = breaks.prefix(20).map(\.description).joined(separator: "；")
            return "校验未通过：发现\(breakCount)处问题：\(shown)" + (breakCount > 20 ? "；……" : "")
        }
    }

    /// Verifies the whole chain, reading it in pages so memory stays flat, then the stored
    /// checkpoints and any the auditor brings (`extra`).
    package func verify(on db: any Database, checkpoints extra: [AuditCheckpoint] = []) async throws -> Verification {
        let head = try await AuditHead.find(1, on: db)
        var verifier = AuditChain.Verifier(seal: seal)
        var lastID = 0
        while true {
            // Ordered by insertion id: swapping two rows' contents or sequence numbers shows up.
            let page = try await AuditEntry.query(on: db)
                .filter(\.$id > lastID).sort(\.$id).limit(5000).all()
            if page.isEmpty { break }
            for e in page { verifier.feed(e.content, hash: e.hash, mac: e.mac) }
            lastID = page.last!.id!
        }
        verifier.finish(head: head.map { ($0.seq, $0.hash) }, headMAC: head?.mac)
        var breaks = verifier.breaks, breakCount = verifier.breakCount
        let stored = try await AuditCheckpointRow.query(on: db).sort(\.$seq).all().map(\.checkpoint)
        var checked = 0
        for point in stored + extra {
            let hash = try await AuditEntry.query(on: db).filter(\.$seq == point.seq).sort(\.$id).first()?.hash
            if let problem = AuditChain.Verifier.check(point, against: hash) {
                breaks.append(problem)
                breakCount += 1
            } else {
                checked += 1
            }
        }
        return Verification(count: verifier.count, breaks: breaks, breakCount: breakCount, checkpoints: checked)
    }

    /// Signs the current head as a checkpoint, unless the newest checkpoint already is it.
    @discardableResult
    package func checkpoint(on db: any Database, at date: Date) async throws -> AuditCheckpoint? {
        guard let head = try await AuditHead.find(1, on: db), head.seq > 0 else { return nil }
        if let last = try await AuditCheckpointRow.query(on: db).sort(\.$seq, .descending).first(), last.seq >= head.seq {
            return last.checkpoint
        }
        let point = try seal.checkpoint(seq: head.seq, hash: head.hash, at: ISOTime.string(date))
        try await AuditCheckpointRow(point).create(on: db)
        return point
    }
}

private struct AnyEncodable: Encodable {
    package let value: any Encodable
    package init(_ value: any Encodable) { self.value = value }
    package func encode(to encoder: Encoder) throws { try value.encode(to: encoder) }
}
