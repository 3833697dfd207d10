import Fluent
import LvzeCore
import Vapor

/// The audit administrator's view of the trail: filter, page, export, verify. Nothing
/// here or anywhere else edits or deletes an entry.
struct AuditController {
    func boot(routes: any RoutesBuilder) {
        routes.get(.audit, use: list)
        routes.get(.auditExport, use: export)
        routes.post(.auditVerify, upTo: "1mb", use: verify)
        routes.post(.auditCheckpoint, use: exportCheckpoint)
    }

    struct Filter {
        var from: LocalDate?
        var to: LocalDate?
        var user: String
        var action: String
        var text: String
        var errors: [String] = []

        init(_ req: Request) {
            func q(_ k: String) -> String { ((try? req.query.get(String.self, at: k)) ?? "").trimmingCharacters(in: .whitespaces) }
            user = q("user"); action = q("action"); text = q("text")
            let f = q("from"), t = q("to")
            if !f.isEmpty { from = LocalDate.parse(f); if from == nil { errors.append("«起始日期»：「\(f)」不是有效日期") } }
            if !t.isEmpty { to = LocalDate.parse(t); if to == nil { errors.append("«截止日期»：「\(t)」不是有效日期") } }
        }

        /// Dates are local (China) days; entries are stored in UTC, so the bounds shift by the zone offset.
        /// A text search never looks into entries about discipline ledgers: a hit would tell the
        /// auditor what their hidden content says.
        func apply(_ b: QueryBuilder<AuditEntry>, hiding redaction: AuditRedaction) -> QueryBuilder<AuditEntry> {
            var b = b
            if let from { b = b.filter(\.$at >= utcStart(of: from)) }
            if let to { b = b.filter(\.$at < utcStart(of: to.adding(days: 1))) }
            if !user.isEmpty { b = b.filter(\.$username == user) }
            if !action.isEmpty { b = b.filter(\.$action == action) }
            if !text.isEmpty {
                b = b.group(.or) { $0.filter(AuditEntry.schema, "summary", contains: text).filter(\.$objectID == text) }
                if !redaction.kinds.isEmpty {
                    b = b.filter(\.$objectType !~ Array(redaction.kinds.keys))
                    for name in redaction.kinds.values { b = b.filter(\.$summary !~ "「\(name)」") }
                }
            }
            return b
        }

        var queryString: String {
            var parts: [String] = []
            for (k, v) in [("from", from?.iso ?? ""), ("to", to?.iso ?? ""), ("user", user), ("action", action), ("text", text)] where !v.isEmpty {
                parts.append("\(k)=\(v.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")")
            }
            return parts.joined(separator: "&")
        }
    }

    struct Row: Encodable {
        var seq: Int
        var at: String
        var username: String
        var address: String
        var action: String
        var object: String
        var summary: String
        var changes: String
    }

    typealias Option = SelectOption

    struct ListContent: Encodable {
        var rows: [Row]
        var from: String
        var to: String
        var user: String
        var text: String
        var actions: [Option]
        var total: Int
        var next: String?
        var exportLink: String
        var errors: [String]
        var verification: String?
        var verificationOK: Bool
    }

    /// Newest first, keyset-paged by sequence number so deep pages cost the same as the first.
    func list(req: Request) async throws -> Response {
        try await renderList(req, verification: nil)
    }

    private func renderList(_ req: Request, verification: String?) async throws -> Response {
        try req.require(.auditor)
        let filter = Filter(req)
        let redaction = AuditRedaction(req)
        let before = try? req.query.get(Int.self, at: "before")
        var rows: [Row] = []
        var total = 0
        var next: String?
        if filter.errors.isEmpty {
            total = try await filter.apply(AuditEntry.query(on: req.db), hiding: redaction).count()
            var b = filter.apply(AuditEntry.query(on: req.db), hiding: redaction)
            if let before { b = b.filter(\.$seq < before) }
            let entries = try await b.sort(\.$seq, .descending).limit(101).all()
            rows = entries.prefix(100).map { row(redaction.apply($0)) }
            if entries.count > 100, let last = rows.last {
                next = "?" + [filter.queryString, "before=\(last.seq)"].filter { !$0.isEmpty }.joined(separator: "&")
            }
        }
        let content = ListContent(
            rows: rows, from: filter.from?.iso ?? "", to: filter.to?.iso ?? "", user: filter.user, text: filter.text,
            actions: [Option(value: "", label: "全部操作", selected: filter.action.isEmpty)]
                + AuditAction.allCases.map { Option(value: $0.rawValue, label: $0.label, selected: $0.rawValue == filter.action) },
            total: total, next: next, exportLink: SiteURL.auditExport.path + "?" + filter.queryString,
            errors: filter.errors, verification: verification, verificationOK: verification?.hasPrefix("完整") ?? false)
        return try await req.render("audit/list", title: "审计日志", content, section: Endpoint.admin.url().path)
    }

    private func row(_ e: AuditEntry) -> Row {
        var changes = ""
        if e.before != nil || e.after != nil {
            changes = [e.before.map { "原：\($0)" }, e.after.map { "新：\($0)" }].compactMap { $0 }.joined(separator: "\n")
        }
        return Row(seq: e.seq, at: ISOTime.localFromISO(e.at), username: e.username, address: e.address,
                   action: AuditAction.label(of: e.action), object: e.objectType + (e.objectID.isEmpty ? "" : "#\(e.objectID)"),
                   summary: e.summary, changes: changes)
    }

    /// CSV (UTF-8 with BOM so Excel opens it as Chinese), streamed in pages. The export
    /// itself is audited.
    func export(req: Request) async throws -> Response {
        try req.require(.auditor)
        let filter = Filter(req)
        let redaction = AuditRedaction(req)
        guard filter.errors.isEmpty else { throw Abort(.badRequest, reason: filter.errors.joined(separator: "；")) }
        var csv = "\u{FEFF}序号,时间,用户,地址,操作,对象,摘要,修改前,修改后,哈希\r\n"
        var lastSeq = Int.max
        var count = 0
        while true {
            let page = try await filter.apply(AuditEntry.query(on: req.db), hiding: redaction).filter(\.$seq < lastSeq)
                .sort(\.$seq, .descending).limit(2000).all()
            if page.isEmpty { break }
            for entry in page {
                let e = redaction.apply(entry)
                let fields = [String(e.seq), ISOTime.localFromISO(e.at), e.username, e.address, AuditAction.label(of: e.action),
                              e.objectType + (e.objectID.isEmpty ? "" : "#\(e.objectID)"), e.summary, e.before ?? "", e.after ?? "", e.hash]
                csv += fields.map(csvField).joined(separator: ",") + "\r\n"
            }
            count += page.count
            lastSeq = page.last!.seq
        }
        try await req.audit(.export, "audit", "", "导出审计日志\(count)条（\(filter.queryString.isEmpty ? "全部" : filter.queryString.removingPercentEncoding ?? "")）")
        let response = Response(status: .ok, body: .init(string: csv))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        let name = "审计日志-\(LocalDate(req.now).iso).csv"
        response.headers.replaceOrAdd(name: .contentDisposition,
                                      value: "attachment; filename=\"audit.csv\"; filename*=UTF-8''\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "audit.csv")")
        return response
    }

    /// Verifies the chain, its MACs, the stored checkpoints and one the auditor brings.
    func verify(req: Request) async throws -> Response {
        try req.require(.auditor)
        var extra: [AuditCheckpoint] = []
        if let file = req.formFile("checkpoint"), file.data.readableBytes > 0 {
            do {
                extra = try AuditCheckpointFile.parse(Data(buffer: file.data), name: file.filename)
            } catch let error as CLIError {
                return try await renderList(req, verification: "校验未进行：\(error.description)")
            }
        }
        let result = try await req.lvze.audit.verify(on: req.db, checkpoints: extra)
        try await req.audit(.auditVerified, "audit", "", result.summary)
        return try await renderList(req, verification: result.summary)
    }

    /// Signs the head and downloads the checkpoint, for the auditor to keep off this machine.
    func exportCheckpoint(req: Request) async throws -> Response {
        try req.require(.auditor)
        guard let point = try await req.lvze.audit.checkpoint(on: req.db, at: req.now) else {
            return try await renderList(req, verification: "校验未进行：审计日志还是空的，没有可签发的检查点")
        }
        try await req.audit(.export, "audit", String(point.seq), "导出审计日志检查点（第\(point.seq)条）")
        let response = Response(status: .ok, body: .init(string: try AuditCheckpointFile.json(point) + "\n"))
        response.headers.contentType = .json
        let name = "审计检查点-\(LocalDate(req.now).iso)-第\(point.seq)条.json"
        response.headers.replaceOrAdd(name: .contentDisposition,
                                      value: "attachment; filename=\"audit-checkpoint.json\"; filename*=UTF-8''\(name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "audit-checkpoint.json")")
        return response
    }
}

/// A CSV field, quoted when needed, with formula triggers neutralised (a cell starting
/// with = + - @ would run as a formula in Excel).
func csvField(_ value: String) -> String {
    var v = value
    if let first = v.first, "=+-@".contains(first) { v = "'" + v }
    if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
        v = "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
    return v
}

/// The UTC instant at which a China-local day starts, as stored audit timestamps compare.
func utcStart(of day: LocalDate) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = .lvzeDefault
    let date = calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day))!
    return ISOTime.string(date)
}

/// What the auditor may see of entries about discipline ledgers: that a record was read or
/// changed, by whom and when, never its content (titles, fields, file names).
struct AuditRedaction {
    /// Sensitive ledger kinds: id → name.
    let kinds: [String: String]

    init(_ req: Request) {
        var kinds: [String: String] = [:]
        for kind in req.lvze.catalogue.catalogue.kinds where kind.sensitive { kinds[kind.id] = kind.name }
        self.kinds = kinds
    }

    /// The kind an entry is about, when it is a sensitive one: by its object type, or (for
    /// attachment downloads and the like) by the ledger it names.
    func sensitiveKind(of e: AuditEntry) -> String? {
        if let name = kinds[e.objectType] { return name }
        return kinds.values.first { e.summary.contains("「\($0)」") }
    }

    /// The entry as shown: content of a sensitive one replaced by a notice. Entries are read
    /// only to be shown here, so the notice is written over the fetched copy; the stored entry
    /// and its hash are untouched (the hash column still lets the auditor check the chain).
    func apply(_ e: AuditEntry) -> AuditEntry {
        guard let name = sensitiveKind(of: e) else { return e }
        e.summary = "\(AuditAction.label(of: e.action))「\(name)」\(e.objectID.isEmpty ? "" : "记录#\(e.objectID)")（纪检台账的内容不向审计管理员显示）"
        e.before = nil
        e.after = nil
        return e
    }
}
