import Fluent
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// The pending requests and extension count of a workflow record, stored as JSON.
struct WorkflowData: Codable {
    struct Closure: Codable {
        var requester: Int
        var at: Date
        var description: String
        var evidence: Int
    }
    struct Extension: Codable {
        var requester: Int
        var at: Date
        var deadline: String
        var reason: String
    }
    var closure: Closure?
    var extensionRequest: Extension?
    var extensions: Int = 0

    static func decode(_ text: String) -> WorkflowData {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .secondsSince1970
        return (try? decoder.decode(WorkflowData.self, from: Data(text.utf8))) ?? WorkflowData()
    }

    func encoded() -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(self)) ?? Data("{}".utf8), as: UTF8.self)
    }
}

/// Every write to records goes through here: the record, its history line and its audit
/// entry are one transaction, on every path (page, API, import).
struct RecordWriter {
    let req: Request
    let principal: Principal
    let kind: LedgerKind

    static func actionLabel(_ raw: String) -> String {
        switch raw {
        case "create": return "新增"
        case "update": return "修改"
        case "import": return "导入"
        case "attach": return "上传附件"
        default: return RectificationEventKind(rawValue: raw)?.label ?? raw
        }
    }

    private func event(_ recordID: Int, _ action: String, changes: [String: [String]], note: String = "", on db: any Database) async throws {
        let e = RecordEvent()
        e.recordID = recordID
        e.at = req.now
        e.userID = principal.userID
        e.username = principal.user.displayName
        e.action = action
        e.changes = String(decoding: try JSONSerialization.data(withJSONObject: changes, options: [.sortedKeys]), as: UTF8.self)
        e.note = note
        try await e.create(on: db)
    }

    /// A new record; the draft's attachment fields are filled from `attachments`.
    @discardableResult
    func create(_ draft: inout RecordValidator.Draft, attachments: [(FieldSpec, File, AttachmentStore.Accepted)] = [],
                action: String = "create", on database: (any Database)? = nil) async throws -> LedgerRecord {
        let today = LocalDate(req.now)
        let record = LedgerRecord()
        record.openedOn = today.iso
        record.status = kind.workflow ? RectificationState.pending.rawValue : ""
        record.workflow = kind.workflow ? WorkflowData().encoded() : "{}"
        record.createdBy = principal.userID
        record.version = 1
        try record.apply(draft, kind: kind, today: today)
        // The rectification period starts when the finding was made (its date field), so an
        // item entered late is not given a fresh period; never later than today.
        if let date = LocalDate.parse(record.recordDate), date < today { record.openedOn = date.iso }
        if kind.workflow, (record.progress ?? 0) > 0 { record.status = RectificationState.inProgress.rawValue }
        let write: @Sendable (any Database) async throws -> Void = { [record, draft] tx in
            try await record.create(on: tx)
            var values = draft.values
            for (field, file, accepted) in attachments {
                let id = try await self.saveAttachment(field: field, name: file.filename, accepted: accepted, recordID: record.id!, on: tx)
                if case .attachments(let ids)? = values[field.id] { values[field.id] = .attachments(ids + [id]) }
                else { values[field.id] = .attachments([id]) }
            }
            if !attachments.isEmpty {
                try record.apply(.init(unit: draft.unit, values: values), kind: self.kind, today: today)
                try await record.update(on: tx)
            }
            let changes = fieldChanges(kind: self.kind, before: [:], after: values)
            try await self.event(record.id!, action, changes: changes, on: tx)
            try await self.req.audit(.create, self.kind.id, String(record.id!), "新增「\(self.kind.name)」记录「\(record.title)」",
                                     after: changes.mapValues { $0.last ?? "" }, on: tx)
        }
        if let database { try await write(database) } else { try await req.db.transaction { try await write($0) } }
        return record
    }

    /// Claims the record for this write, first thing in the transaction: bumps its version only
    /// if it is still the one this request read. The statement takes the write lock at once, so
    /// SQLite waits for another writer instead of failing a transaction that began with a read
    /// ("database is locked"), and of two concurrent edits of one version the second is refused
    /// instead of silently overwriting the first.
    private func claim(_ record: LedgerRecord, readVersion: Int, on tx: any Database) async throws {
        let rows = try await tx.sql.raw("""
            UPDATE records SET version = \(bind: readVersion + 1) WHERE id = \(bind: record.id!) AND version = \(bind: readVersion) RETURNING id
            """).all()
        guard !rows.isEmpty else {
            throw Abort(.conflict, reason: "记录已被他人修改或删除，请重新打开后再办理")
        }
    }

    /// Saves the edit; false when it changes nothing (nothing is written then).
    @discardableResult
    func update(_ record: LedgerRecord, draft: RecordValidator.Draft, before: [String: FieldValue], beforeUnit: OrgUnit) async throws -> Bool {
        var changes = fieldChanges(kind: kind, before: before, after: draft.values)
        if draft.unit.id != beforeUnit.id { changes["unit"] = [beforeUnit.name, draft.unit.name] }
        guard !changes.isEmpty else { return false }
        try record.apply(draft, kind: kind, today: LocalDate(req.now))
        let readVersion = record.version
        record.version += 1
        let changed = changes
        try await req.db.transaction { [changed] tx in
            let changes = changed
            try await claim(record, readVersion: readVersion, on: tx)
            try await record.update(on: tx)
            try await event(record.id!, "update", changes: changes, on: tx)
            try await req.audit(.update, kind.id, String(record.id!), "修改「\(kind.name)」记录「\(record.title)」",
                                before: changes.mapValues { $0.first ?? "" }, after: changes.mapValues { $0.last ?? "" }, on: tx)
        }
        return true
    }

    func delete(_ record: LedgerRecord) async throws {
        let values = record.values(for: kind)
        let readVersion = record.version
        try await req.db.transaction { tx in
            try await claim(record, readVersion: readVersion, on: tx)
            let files = try await Attachment.query(on: tx).filter(\.$recordID == record.id!).all()
            for f in files { f.recordID = nil; try await f.update(on: tx) }
            try await RecordEvent.query(on: tx).filter(\.$recordID == record.id!).delete()
            try await record.delete(on: tx)
            try await req.audit(.delete, kind.id, String(record.id!), "删除「\(kind.name)」记录「\(record.title)」",
                                before: values.mapValues(\.display), on: tx)
        }
    }

    private func saveAttachment(field: FieldSpec, name: String, accepted: AttachmentStore.Accepted, recordID: Int,
                                on db: any Database) async throws -> Int {
        let a = Attachment()
        a.recordID = recordID
        a.fieldID = field.id
        a.sha256 = accepted.sha256
        a.name = String(name.prefix(200))
        a.size = accepted.size
        a.mime = accepted.mime
        a.uploadedBy = principal.userID
        a.uploadedAt = req.now
        try await a.create(on: db)
        return a.id!
    }

    func attach(_ files: [(FieldSpec, File, AttachmentStore.Accepted)], to record: LedgerRecord) async throws {
        let readVersion = record.version
        record.version += 1
        try await req.db.transaction { tx in
            try await claim(record, readVersion: readVersion, on: tx)
            var values = record.values(for: kind)
            var names: [String] = []
            for (field, file, accepted) in files {
                let id = try await saveAttachment(field: field, name: file.filename, accepted: accepted, recordID: record.id!, on: tx)
                if case .attachments(let ids)? = values[field.id] { values[field.id] = .attachments(ids + [id]) }
                else { values[field.id] = .attachments([id]) }
                names.append(file.filename)
            }
            let unit = try await OrgUnit.find(record.$unit.id, on: tx)!
            try record.apply(.init(unit: unit, values: values), kind: kind, today: LocalDate(req.now))
            try await record.update(on: tx)
            try await event(record.id!, "attach", changes: [:], note: names.joined(separator: "、"), on: tx)
            try await req.audit(.update, kind.id, String(record.id!), "为「\(record.title)」上传附件：\(names.joined(separator: "、"))", on: tx)
        }
    }

    // MARK: - Workflow

    /// Conditions outside the state machine that refuse a close-out: a major hazard needs
    /// its five-in-place plan (措施、资金、期限、责任人、应急预案) filled first.
    static func closureBlockers(kind: LedgerKind, values: [String: FieldValue]) -> [String] {
        guard case .text(let levelText)? = values["level"], let level = HazardLevel.fromLabel(levelText), level == .major else { return [] }
        var filled: Set<HazardPlanField> = []
        let map: [(String, HazardPlanField)] = [("measures", .measures), ("funds", .funds), ("deadline", .deadline),
                                                ("responsible_person", .responsiblePerson), ("emergency_plan", .emergencyPlan)]
        for (fieldID, part) in map where values[fieldID] != nil { filled.insert(part) }
        return level.closureBlockers(filledPlanFields: filled)
    }

    static func action(from form: RecordController.WorkflowForm, kind: LedgerKind, record: LedgerRecord, req: Request) throws -> RectificationAction {
        let note = (form.note ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        switch form.action ?? "" {
        case "start": return .startWork
        case "progress":
            let text = (form.percent ?? "").trimmingCharacters(in: .whitespaces).halfWidth
            guard let n = Int(text) else { throw ValidationFailure([.init("percent", "整改进度", "「\(text)」不是0到100之间的整数")]) }
            return .recordProgress(percent: n, note: note)
        case "request_closure":
            return .requestClosure(description: (form.description ?? "").trimmingCharacters(in: .whitespacesAndNewlines),
                                   evidenceCount: 0, blockers: closureBlockers(kind: kind, values: record.values(for: kind)))
        case "approve_closure": return .approveClosure(note: note)
        case "send_back": return .sendBack(reason: (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        case "request_extension":
            let text = (form.deadline ?? "").trimmingCharacters(in: .whitespaces)
            guard let d = LocalDate.parse(text) else { throw ValidationFailure([.init("deadline", "延期至", "「\(text)」不是有效日期")]) }
            return .requestExtension(newDeadline: d, reason: (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        case "approve_extension": return .approveExtension(note: note)
        case "refuse_extension": return .refuseExtension(reason: (form.reason ?? "").trimmingCharacters(in: .whitespacesAndNewlines))
        default: throw ValidationFailure([.init("action", "操作", "「\(form.action ?? "")」不是可办理的流程操作")])
        }
    }

    /// Who may ask for which step: unit-side steps need write access to the ledger; the
    /// state machine itself checks the reviewer's role, scope and independence.
    static func checkActionRole(_ action: RectificationAction, kind: LedgerKind, principal: Principal) throws {
        switch action {
        case .startWork, .recordProgress, .requestClosure, .requestExtension:
            guard principal.hasAny(Array(kind.writers)) else {
                throw ValidationFailure([.init("action", "操作", "\(action.label)须由\(kind.writers.sorted().map(\.label).joined(separator: "、"))办理")])
            }
        case .approveClosure, .sendBack, .approveExtension, .refuseExtension:
            break
        }
    }

    /// Applies one workflow step through the pure state machine and stores its outcome.
    func step(_ record: LedgerRecord, unit: OrgUnit, action: RectificationAction) async throws {
        var action = action
        let evidence = try await Attachment.query(on: req.db).filter(\.$recordID == record.id!).count()
        if case .requestClosure(let description, _, let blockers) = action {
            action = .requestClosure(description: description, evidenceCount: evidence, blockers: blockers)
        }
        let wf = WorkflowData.decode(record.workflow)
        let today = LocalDate(req.now)
        let snapshot = RectificationSnapshot(
            state: record.state ?? .pending, deadline: record.dueDate.flatMap(LocalDate.parse) ?? today, progress: record.progress ?? 0,
            closureRequest: wf.closure.map { .init(requesterID: $0.requester, requestedAt: $0.at, description: $0.description, evidenceCount: $0.evidence) },
            extensionRequest: wf.extensionRequest.flatMap { e in
                LocalDate.parse(e.deadline).map { .init(requesterID: e.requester, requestedAt: e.at, requestedDeadline: $0, reason: e.reason) }
            },
            extensionCount: wf.extensions, unitPath: unit.unitPath)
        let actor = WorkflowActor(id: principal.userID, roles: principal.roles, scope: principal.scope)
        let transition: RectificationTransition
        switch RectificationWorkflow.apply(action, to: snapshot, by: actor, at: req.now) {
        case .failure(let failure): throw failure
        case .success(let t): transition = t
        }
        let item = transition.item
        let beforeState = record.state
        var newWF = WorkflowData()
        newWF.extensions = item.extensionCount
        newWF.closure = item.closureRequest.map { .init(requester: $0.requesterID, at: $0.requestedAt, description: $0.description, evidence: $0.evidenceCount) }
        newWF.extensionRequest = item.extensionRequest.map { .init(requester: $0.requesterID, at: $0.requestedAt, deadline: $0.requestedDeadline.iso, reason: $0.reason) }
        var changes: [String: [String]] = [:]
        if beforeState != item.state { changes["status"] = [beforeState?.label ?? "", item.state.label] }
        if (record.progress ?? 0) != item.progress { changes["progress"] = [String(record.progress ?? 0), String(item.progress)] }
        if record.dueDate != item.deadline.iso { changes["deadline"] = [record.dueDate ?? "", item.deadline.iso] }
        // The stored fields follow the workflow columns, so lists, exports and history agree.
        var values = record.values(for: kind)
        values["progress"] = .integer(item.progress)
        values["deadline"] = .date(item.deadline)
        try record.apply(.init(unit: unit, values: values), kind: kind, today: today)
        record.status = item.state.rawValue
        record.progress = item.progress
        record.dueDate = item.deadline.iso
        record.closedOn = item.state == .closed ? transition.event.date.iso : nil
        record.workflow = newWF.encoded()
        let readVersion = record.version
        record.version += 1
        let note = transition.event.note
        let changed = changes
        try await req.db.transaction { [changed] tx in
            let changes = changed
            try await claim(record, readVersion: readVersion, on: tx)
            try await record.update(on: tx)
            try await event(record.id!, transition.event.kind.rawValue, changes: changes, note: note, on: tx)
            try await req.audit(.workflow, kind.id, String(record.id!),
                                "「\(record.title)」\(transition.event.kind.label)\(note.isEmpty ? "" : "：\(note)")",
                                before: ["status": beforeState?.rawValue ?? ""], after: ["status": item.state.rawValue], on: tx)
        }
    }
}

/// Names for the unit and person references of a page of records, loaded in two queries.
struct ReferenceNames {
    var units: [Int: String] = [:]
    var people: [Int: String] = [:]

    static func load(_ records: [LedgerRecord], kind: LedgerKind, on db: any Database) async throws -> ReferenceNames {
        try await load(records.map { ($0.$unit.id, $0.data) }, kind: kind, on: db)
    }

    /// Names for (unit id, field JSON) pairs; `known` unit names (read with the records) are not asked for again.
    static func load(_ records: [(Int, String)], kind: LedgerKind, known: [Int: String] = [:], on db: any Database) async throws -> ReferenceNames {
        var unitIDs = Set(records.map { $0.0 })
        var personIDs: Set<Int> = []
        let hasReferences = kind.fields.contains { $0.type == .unit || $0.type == .person }
        for (_, data) in records where hasReferences {
            for (k, v) in FieldJSON.decode(data, kind: kind) {
                guard case .reference(let id) = v, let f = kind.field(k) else { continue }
                if f.type == .unit { unitIDs.insert(id) } else if f.type == .person { personIDs.insert(id) }
            }
        }
        var names = ReferenceNames()
        names.units = known.merging(try await Self.names(in: OrgUnit.schema, ids: unitIDs.subtracting(known.keys), on: db)) { a, _ in a }
        names.people = try await Self.names(in: Person.schema, ids: personIDs, on: db)
        return names
    }

    /// `id → name` for the given ids of a table, read as plain rows (a page shows a few dozen).
    private static func names(in table: String, ids: Set<Int>, on db: any Database) async throws -> [Int: String] {
        guard !ids.isEmpty else { return [:] }
        var out: [Int: String] = [:]
        let rows = try await db.sql.select().column("id").column("name").from(table)
            .where(SQLColumn("id"), .in, SQLBind.group(Array(ids))).all()
        for row in rows { out[try row.decode(column: "id", as: Int.self)] = try row.decode(column: "name", as: String.self) }
        return out
    }

    func unit(_ id: Int) -> String { units[id] ?? "#\(id)" }

    func display(_ value: FieldValue?, field: FieldSpec?) -> String {
        guard let value else { return "" }
        if case .reference(let id) = value {
            return field?.type == .person ? (people[id] ?? "#\(id)") : unit(id)
        }
        if case .decimal(let d) = value, let field, field.type == .money {
            return NSDecimalNumber(decimal: d.rounded(field.decimals)).stringValue
        }
        return value.display
    }
}
