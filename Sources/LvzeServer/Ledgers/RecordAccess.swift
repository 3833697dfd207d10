import Fluent
import FluentSQL
import Foundation
import LvzeCore
import SQLKit
import Vapor

extension RecordController {
    /// The kind named in the path if this user may read it; 404 otherwise (a discipline
    /// ledger does not exist for anyone but 纪检).
    static func readableKind(_ req: Request, _ p: Principal) throws -> LedgerKind {
        guard let id = req.parameters.get("kind"), let kind = req.lvze.catalogue[id], p.hasAny(Array(kind.readers)) else {
            throw Abort(.notFound, reason: "台账不存在或您无权查阅")
        }
        return kind
    }

    static func writableKind(_ req: Request, _ p: Principal) throws -> LedgerKind {
        let kind = try readableKind(req, p)
        guard p.hasAny(Array(kind.writers)) else {
            throw Abort(.forbidden, reason: "您可以查阅「\(kind.name)」，但录入和修改限\(kind.writers.sorted().map(\.label).joined(separator: "、"))")
        }
        return kind
    }

    /// A record of `kind` inside the user's scope, or 404. Reads of sensitive ledgers are audited.
    static func scopedRecord(_ req: Request, _ p: Principal, _ kind: LedgerKind, audit: Bool = true) async throws -> (LedgerRecord, OrgUnit) {
        guard let id = req.parameters.get("id", as: Int.self), let record = try await LedgerRecord.find(id, on: req.db),
              record.kind == kind.id, let unit = try await OrgUnit.find(record.$unit.id, on: req.db), p.covers(unit) else {
            throw Abort(.notFound, reason: "记录不存在或不在您的权限范围内")
        }
        if kind.sensitive, audit {
            try await req.audit(.sensitiveRead, kind.id, String(id), "查阅「\(kind.name)」记录「\(record.title)」")
        }
        return (record, unit)
    }
}

/// `attachment; filename*=UTF-8''…` with an ASCII fallback, for Chinese file names.
func contentDisposition(_ name: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._")
    let ascii = name.unicodeScalars.allSatisfy { $0.isASCII && $0 != "\"" && $0 != "\\" } ? name : "download"
    return "attachment; filename=\"\(ascii)\"; filename*=UTF-8''\(name.addingPercentEncoding(withAllowedCharacters: allowed) ?? "download")"
}
