import Fluent
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// Who changes records: the signed-in user (page or API) or the command line.
struct RecordActor: Sendable {
    /// The user's id; 0 for the command line.
    var userID: Int
    /// The name history lines show.
    var name: String
    var roles: Set<Role>
    var scope: UnitPath
    var audit: AuditActor

    init(_ p: Principal, address: String) {
        userID = p.userID
        name = p.user.displayName
        roles = p.roles
        scope = p.scope
        audit = AuditActor(userID: p.userID, username: p.user.username, unitID: p.unit.id, address: address)
    }

    /// The command line, working inside one unit's subtree.
    static func commandLine(scope: UnitPath) -> RecordActor {
        RecordActor(userID: 0, name: "命令行", roles: [], scope: scope, audit: .system("cli"))
    }

    private init(userID: Int, name: String, roles: Set<Role>, scope: UnitPath, audit: AuditActor) {
        self.userID = userID
        self.name = name
        self.roles = roles
        self.scope = scope
        self.audit = audit
    }

    func hasAny(_ wanted: Set<Role>) -> Bool { !roles.isDisjoint(with: wanted) }
}

/// The one way a record changes — create, update, delete, workflow steps, attachments and
/// bulk import — for the page, the API, the importer and the command line alike. Each change,
/// its history line and its audit entry are one transaction, and every rule about changing a
/// record is written here or in `LvzeCore` (the catalogue's declared rules), once.
///
/// It takes what it needs as values (database, clock reading, settings, the acting user),
/// never a `Request`: `Request.records` and `Application.records(as:)` build one.
struct RecordService: Sendable {
    let db: any Database
    let now: Date
    let actor: RecordActor
    let audit: AuditLog
    let settings: SettingsStore
    let attachments: AttachmentStore

    var today: LocalDate { LocalDate(now) }

    /// A file for an attachment field, as it arrived.
    struct Upload: Sendable {
        var field: FieldSpec
        var name: String
        var data: Data
    }

    /// An upload checked and stored (content-addressed) but not yet tied to a record.
    struct StoredUpload: Sendable {
        var field: FieldSpec
        var name: String
        var stored: AttachmentStore.Accepted
    }

    /// The checks of one kind's submitted text, with the settings its rules read.
    func validator(_ kind: LedgerKind) -> RecordValidator {
        let settings = self.settings
        return RecordValidator(kind: kind, db: db, scope: actor.scope, setting: { settings.number($0) })
    }

    static func actionLabel(_ raw: String) -> String {
        switch raw {
        case "create": return "新增"
        case "update": return "修改"
        case "import": return "导入"
        case "attach": return "上传附件"
        case "remind": return "预警提醒"
        case "urge": return "催办"
        default: return RectificationEventKind(rawValue: raw)?.label ?? raw
        }
    }

    // MARK: - Create, update, delete

    /// Checks the files before anything is saved: a bad file saves nothing, and is named —
    /// as a field error on a form (`named`), or with its own status (413, 415) on its own.
    func store(_ uploads: [Upload], named: Bool = true) throws -> [StoredUpload] {
        let maxBytes = settings.int("attachments.max_mb") * 1_048_576
        return try uploads.map { u in
            do {
                return StoredUpload(field: u.field, name: u.name, stored: try attachments.store(u.data, name: u.name, maxBytes: maxBytes))
            } catch let abort as Abort where named {
                throw ValidationFailure([.init(u.field.id, u.field.label, abort.reason)])
            }
        }
    }

    /// A new record from submitted text and files; required attachment fields need a file.
    @discardableResult
    func create(_ kind: LedgerKind, unitRef: String?, raw: [String: String], uploads: [Upload] = []) async throws -> (LedgerRecord, OrgUnit) {
        var draft = try await validator(kind).check(unitRef: unitRef, raw: raw)
        let missing = kind.fields.filter { f in f.type == .attachments && f.required && !uploads.contains { $0.field.id == f.id } }
        if !missing.isEmpty { throw ValidationFailure(missing.map { .init($0.id, $0.label, "请上传至少一个文件") }) }
        let record = try await create(kind, draft: &draft, files: try store(uploads))
        return (record, draft.unit)
    }

    @discardableResult
    private func create(_ kind: LedgerKind, draft: inout RecordValidator.Draft, files: [StoredUpload]) async throws -> LedgerRecord {
        let today = self.today
        let record = LedgerRecord()
        record.openedOn = today.iso
        record.status = kind.workflow ? RectificationState.pending.rawValue : ""
        record.workflow = kind.workflow ? WorkflowData().encoded() : "{}"
        record.createdBy = actor.userID
        record.version = 1
        record.awaiting = ""
        record.reminded = 0
        try record.apply(draft, kind: kind, today: today)
        // The rectification period starts when the finding was made (its date field), so an
        // item entered late is not given a fresh period; never later than today.
        if let date = LocalDate.parse(record.recordDate), date < today { record.openedOn = date.iso }
        if kind.workflow, (record.progress ?? 0) > 0 { record.status = RectificationState.inProgress.rawValue }
        record.refreshWatch(kind: kind, values: draft.values)
        try await db.transaction { [record, draft] tx in
            try await record.create(on: tx)
            var values = draft.values
            for file in files {
                let id = try await saveAttachment(file, recordID: record.id!, on: tx)
                if case .attachments(let ids)? = values[file.field.id] { values[file.field.id] = .attachments(ids + [id]) }
                else { values[file.field.id] = .attachments([id]) }
            }
            if !files.isEmpty {
                try record.apply(.init(unit: draft.unit, values: values), kind: kind, today: today)
                try await record.update(on: tx)
            }
            let changes = fieldChanges(kind: kind, before: [:], after: values)
            try await event(record.id!, "create", changes: changes, on: tx)
            try await audit(.create, kind, record, "新增「\(kind.name)」记录「\(record.title)」", after: changes.mapValues { $0.last ?? "" }, on: tx)
        }
        return record
    }

    /// Saves an edit of the submitted fields (absent ones keep their value); false when it
    /// changes nothing, and nothing is written then. Workflow columns move only through
    /// workflow steps once work has started, never by editing.
    @discardableResult
    func update(_ kind: LedgerKind, _ record: LedgerRecord, unit: OrgUnit, unitRef: String?, raw: [String: String]) async throws -> (changed: Bool, unit: OrgUnit) {
        var raw = raw
        if kind.workflow, record.state != .pending { raw[LedgerKind.WorkflowField.progress] = nil }
        let before = record.values(for: kind)
        let draft = try await validator(kind).check(unitRef: unitRef, raw: raw, existing: before, existingUnit: unit)
        var changes = fieldChanges(kind: kind, before: before, after: draft.values)
        if draft.unit.id != unit.id { changes["unit"] = [unit.name, draft.unit.name] }
        guard !changes.isEmpty else { return (false, unit) }
        let deadlineBefore = record.dueDate
        try record.apply(draft, kind: kind, today: today)
        // A new deadline starts the reminder ladder again.
        if record.dueDate != deadlineBefore { record.reminded = 0 }
        record.refreshWatch(kind: kind, values: draft.values)
        let readVersion = record.version
        record.version += 1
        try await db.transaction { [changes] tx in
            try await claim(record, readVersion: readVersion, on: tx)
            try await record.update(on: tx)
            try await event(record.id!, "update", changes: changes, on: tx)
            try await audit(.update, kind, record, "修改「\(kind.name)」记录「\(record.title)」",
                            before: changes.mapValues { $0.first ?? "" }, after: changes.mapValues { $0.last ?? "" }, on: tx)
        }
        return (true, draft.unit)
    }

    /// A record that cannot be changed this way, and why (409).
    static func refused(_ reason: String) -> Abort { Abort(.conflict, reason: reason) }

    /// Deletes a record and its history; its files stay (content-addressed), unlinked.
    /// A closed-out item is kept for the record.
    func delete(_ kind: LedgerKind, _ record: LedgerRecord) async throws {
        if kind.workflow, record.state == .closed { throw Self.refused("已销号的问题不能删除，销号记录须留存备查") }
        let values = record.values(for: kind)
        let readVersion = record.version
        try await db.transaction { tx in
            try await claim(record, readVersion: readVersion, on: tx)
            let files = try await Attachment.query(on: tx).filter(\.$recordID == record.id!).all()
            for f in files { f.recordID = nil; try await f.update(on: tx) }
            try await RecordEvent.query(on: tx).filter(\.$recordID == record.id!).delete()
            try await record.delete(on: tx)
            try await audit(.delete, kind, record, "删除「\(kind.name)」记录「\(record.title)」", before: values.mapValues(\.display), on: tx)
        }
    }

    /// Adds files to a record's attachment field.
    func attach(_ kind: LedgerKind, _ record: LedgerRecord, uploads: [Upload]) async throws {
        let files = try store(uploads, named: false)
        let readVersion = record.version
        record.version += 1
        let today = self.today
        try await db.transaction { tx in
            try await claim(record, readVersion: readVersion, on: tx)
            var values = record.values(for: kind)
            for file in files {
                let id = try await saveAttachment(file, recordID: record.id!, on: tx)
                if case .attachments(let ids)? = values[file.field.id] { values[file.field.id] = .attachments(ids + [id]) }
                else { values[file.field.id] = .attachments([id]) }
            }
            let names = files.map(\.name).joined(separator: "、")
            let unit = try await OrgUnit.find(record.$unit.id, on: tx)!
            try record.apply(.init(unit: unit, values: values), kind: kind, today: today)
            try await record.update(on: tx)
            try await event(record.id!, "attach", changes: [:], note: names, on: tx)
            try await audit(.update, kind, record, "为「\(record.title)」上传附件：\(names)", on: tx)
        }
    }

    // MARK: - Workflow

    /// Applies one workflow step through the pure state machine and stores its outcome.
    /// Unit-side steps need write access to the ledger; the state machine itself checks the
    /// reviewer's role, scope and independence.
    /// `uploads` (a close-out request's evidence, sent with it) are checked first and saved
    /// with the step, in its transaction: a refused request keeps no file.
    func step(_ kind: LedgerKind, _ record: LedgerRecord, unit: OrgUnit, command: WorkflowCommand, uploads: [Upload] = []) async throws {
        guard kind.workflow else { throw Abort(.notFound, reason: "「\(kind.name)」不走整改流程") }
        var action = try command.action(kind: kind, values: record.values(for: kind))
        if !uploads.isEmpty, case .requestClosure = action {} else if !uploads.isEmpty {
            throw ValidationFailure([.init("files", "佐证材料", "只有申请销号时可以同时上传文件")])
        }
        let files = try store(uploads)
        switch action {
        case .startWork, .recordProgress, .requestClosure, .requestExtension:
            guard actor.hasAny(kind.writers) else {
                throw ValidationFailure([.init("action", "操作", "\(action.label)须由\(kind.writers.sorted().map(\.label).joined(separator: "、"))办理")])
            }
        case .approveClosure, .sendBack, .approveExtension, .refuseExtension:
            break
        }
        if case .requestClosure(let description, _, let blockers) = action {
            let evidence = try await Attachment.query(on: db).filter(\.$recordID == record.id!).count() + files.count
            action = .requestClosure(description: description, evidenceCount: evidence, blockers: blockers)
        }
        let wf = WorkflowData.decode(record.workflow)
        let today = self.today
        let snapshot = RectificationSnapshot(
            state: record.state ?? .pending, deadline: record.dueDate.flatMap(LocalDate.parse) ?? today, progress: record.progress ?? 0,
            closureRequest: wf.closure.map { .init(requesterID: $0.requester, requestedAt: $0.at, description: $0.description, evidenceCount: $0.evidence) },
            extensionRequest: wf.extensionRequest.flatMap { e in
                LocalDate.parse(e.deadline).map { .init(requesterID: e.requester, requestedAt: e.at, requestedDeadline: $0, reason: e.reason) }
            },
            extensionCount: wf.extensions, unitPath: unit.unitPath)
        let workflowActor = WorkflowActor(id: actor.userID, roles: actor.roles, scope: actor.scope)
        let transition: RectificationTransition
        switch RectificationWorkflow.apply(action, to: snapshot, by: workflowActor, at: now) {
        case .failure(let failure): throw failure
        case .success(let t): transition = t
        }
        let item = transition.item
        let beforeState = record.state
        var newWF = WorkflowData()
        newWF.extensions = item.extensionCount
        newWF.closure = item.closureRequest.map { .init(requester: $0.requesterID, at: $0.requestedAt, description: $0.description, evidence: $0.evidenceCount) }
        newWF.extensionRequest = item.extensionRequest.map { .init(requester: $0.requesterID, at: $0.requestedAt, deadline: $0.requestedDeadline.iso, reason: $0.reason) }
        let progressField = LedgerKind.WorkflowField.progress, deadlineField = LedgerKind.WorkflowField.deadline
        var changes: [String: [String]] = [:]
        if beforeState != item.state { changes["status"] = [beforeState?.label ?? "", item.state.label] }
        if (record.progress ?? 0) != item.progress { changes[progressField] = [String(record.progress ?? 0), String(item.progress)] }
        if record.dueDate != item.deadline.iso { changes[deadlineField] = [record.dueDate ?? "", item.deadline.iso] }
        // The stored fields follow the workflow columns, so lists, exports and history agree.
        var values = record.values(for: kind)
        values[progressField] = .integer(item.progress)
        values[deadlineField] = .date(item.deadline)
        try record.apply(.init(unit: unit, values: values), kind: kind, today: today)
        record.status = item.state.rawValue
        record.progress = item.progress
        record.dueDate = item.deadline.iso
        record.closedOn = item.state == .closed ? transition.event.date.iso : nil
        record.workflow = newWF.encoded()
        if changes[deadlineField] != nil { record.reminded = 0 }
        // Sent back or refused: the unit's turn until its next step; any unit-side step clears it.
        let returned: Bool
        switch action {
        case .sendBack, .refuseExtension: returned = true
        case .approveClosure, .approveExtension: returned = false
        case .startWork, .recordProgress, .requestClosure, .requestExtension: returned = false
        }
        record.refreshWatch(kind: kind, values: values, returned: returned)
        let readVersion = record.version
        record.version += 1
        let note = transition.event.note
        let decision = decisionNotice(kind, record, action: action, before: wf, deadline: item.deadline, note: note)
        try await db.transaction { [changes, values] tx in
            try await claim(record, readVersion: readVersion, on: tx)
            if !files.isEmpty {
                var withFiles = values
                for file in files {
                    let id = try await saveAttachment(file, recordID: record.id!, on: tx)
                    if case .attachments(let ids)? = withFiles[file.field.id] { withFiles[file.field.id] = .attachments(ids + [id]) }
                    else { withFiles[file.field.id] = .attachments([id]) }
                }
                try record.apply(.init(unit: unit, values: withFiles), kind: kind, today: today)
                try await event(record.id!, "attach", changes: [:], note: files.map(\.name).joined(separator: "、"), on: tx)
            }
            try await record.update(on: tx)
            try await event(record.id!, transition.event.kind.rawValue, changes: changes, note: note, on: tx)
            if let (draft, requester) = decision { try await Notices.send(draft, to: [requester], at: now, on: tx) }
            try await audit.append(.workflow, actor: actor.audit, objectType: kind.id, objectID: String(record.id!),
                                   summary: "「\(record.title)」\(transition.event.kind.label)\(note.isEmpty ? "" : "：\(note)")",
                                   before: ["status": beforeState?.rawValue ?? ""], after: ["status": item.state.rawValue], at: now, on: tx)
        }
    }

    // MARK: - Bulk import

    /// The history lines of a batch of imported records, written in the import's transaction
    /// after the batch: the records this actor created above `after`, in id order, which is
    /// the order they were inserted. Returns the last id.
    func importHistory(_ kind: LedgerKind, _ notes: [String], after: Int, on tx: any Database) async throws -> Int {
        guard !notes.isEmpty else { return after }
        let ids = try await tx.sql.raw("""
            SELECT id FROM records WHERE id > \(bind: after) AND kind = \(bind: kind.id) AND created_by = \(bind: actor.userID)
            ORDER BY id LIMIT \(unsafeRaw: String(notes.count))
            """).all().map { try $0.decode(column: "id", as: Int.self) }
        guard ids.count == notes.count else { throw Abort(.internalServerError, reason: "导入的记录数与历史记录不符") }
        try await RecordBulkInsert.insertEvents(recordIDs: ids, notes: notes, at: now, userID: actor.userID,
                                                username: actor.audit.username, action: "import", on: tx)
        return ids.last ?? after
    }

    /// Changes the records a sheet sent again changed, in the import's transaction: each only
    /// if it is still the version the import read (else nothing of the import is kept), with a
    /// history line naming the sheet's row and the fields.
    func applyImportUpdates(_ updates: [ImportUpdate], on tx: any Database) async throws {
        guard !updates.isEmpty else { return }
        for u in updates {
            let c = u.columns
            let rows = try await tx.sql.raw("""
                UPDATE records SET data = \(bind: c.data), title = \(bind: c.title), record_date = \(bind: c.recordDate), year = \(bind: c.year),
                  amount = \(bind: c.amount), due_date = COALESCE(\(bind: c.dueDate), due_date), progress = COALESCE(\(bind: c.progress), progress),
                  f1 = \(bind: c.slots[0]), f2 = \(bind: c.slots[1]), f3 = \(bind: c.slots[2]),
                  status = \(bind: u.status), closed_on = \(bind: u.closedOn), workflow = \(bind: u.workflow),
                  behind_on = \(bind: u.watch.behindOn), awaiting = \(bind: u.watch.awaiting.rawValue), source = \(bind: u.watch.source),
                  system = \(bind: u.watch.system), reminded = CASE WHEN \(bind: u.resetReminders) THEN 0 ELSE reminded END,
                  updated_at = \(bind: now), version = version + 1
                WHERE id = \(bind: u.id) AND version = \(bind: u.version) RETURNING id
                """).all()
            guard !rows.isEmpty else { throw Self.refused("导入期间记录（编号\(u.id)）已被他人修改或删除，本次没有导入任何记录，请重新导入") }
        }
        let changes = try updates.map { String(decoding: try JSONSerialization.data(withJSONObject: $0.changes, options: [.sortedKeys]), as: UTF8.self) }
        try await RecordBulkInsert.insertEvents(recordIDs: updates.map(\.id), notes: updates.map(\.note), changes: changes, at: now,
                                                userID: actor.userID, username: actor.audit.username, action: "import", on: tx)
    }

    /// The audit entry of an import, in its transaction: the file, the count and the states.
    func recordImport(_ kind: LedgerKind, count: Int, updated: Int = 0, fileName: String, states: [LedgerImporter.StateCount],
                      on tx: any Database) async throws {
        let stated = states.isEmpty ? "" : "（" + states.map { "\($0.state)\($0.count)条" }.joined(separator: "，") + "，按原表记载）"
        var summary = "从「\(fileName)」导入「\(kind.name)」\(count)条记录\(stated)" + (updated > 0 ? "，更新已有记录\(updated)条" : "")
        if count == 0 { summary = "按「\(fileName)」更新「\(kind.name)」已有记录\(updated)条" }
        try await audit.append(updated > 0 && count == 0 ? .update : .create, actor: actor.audit, objectType: kind.id, objectID: "",
                               summary: summary, at: now, on: tx)
    }

    // MARK: - Inside a change

    /// Claims the record for this write, first thing in the transaction: bumps its version only
    /// if it is still the one this request read. The statement takes the write lock at once, so
    /// SQLite waits for another writer instead of failing a transaction that began with a read
    /// ("database is locked"), and of two concurrent edits of one version the second is refused
    /// instead of silently overwriting the first.
    private func claim(_ record: LedgerRecord, readVersion: Int, on tx: any Database) async throws {
        let rows = try await tx.sql.raw("""
            UPDATE records SET version = \(bind: readVersion + 1) WHERE id = \(bind: record.id!) AND version = \(bind: readVersion) RETURNING id
            """).all()
        guard !rows.isEmpty else { throw Self.refused("记录已被他人修改或删除，请重新打开后再办理") }
    }

    func event(_ recordID: Int, _ action: String, changes: [String: [String]], note: String = "", on db: any Database) async throws {
        let e = RecordEvent()
        e.recordID = recordID
        e.at = now
        e.userID = actor.userID
        e.username = actor.name
        e.action = action
        e.changes = String(decoding: try JSONSerialization.data(withJSONObject: changes, options: [.sortedKeys]), as: UTF8.self)
        e.note = note
        try await e.create(on: db)
    }

    private func audit(_ action: AuditAction, _ kind: LedgerKind, _ record: LedgerRecord, _ summary: String,
                       before: [String: String]? = nil, after: [String: String]? = nil, on tx: any Database) async throws {
        try await audit.append(action, actor: actor.audit, objectType: kind.id, objectID: String(record.id!), summary: summary,
                               before: before, after: after, at: now, on: tx)
    }

    private func saveAttachment(_ file: StoredUpload, recordID: Int, on db: any Database) async throws -> Int {
        let a = Attachment()
        a.recordID = recordID
        a.fieldID = file.field.id
        a.sha256 = file.stored.sha256
        a.name = String(file.name.prefix(200))
        a.size = file.stored.size
        a.mime = file.stored.mime
        a.uploadedBy = actor.userID
        a.uploadedAt = now
        try await a.create(on: db)
        return a.id!
    }
}

extension Request {
    /// The record service acting as the signed-in user.
    func records() throws -> RecordService {
        RecordService(db: db, now: now, actor: RecordActor(try requirePrincipal(), address: clientAddress), audit: lvze.audit,
                      settings: lvze.settings, attachments: lvze.attachments)
    }
}

extension Application {
    /// The record service for `actor` (the command line, a background job) at `date`.
    func records(as actor: RecordActor, at date: Date? = nil) -> RecordService {
        RecordService(db: db, now: date ?? lvze.clock.now(), actor: actor, audit: lvze.audit, settings: lvze.settings,
                      attachments: lvze.attachments)
    }
}
