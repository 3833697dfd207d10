import Fluent
import FluentSQL
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// Records of any ledger kind: list, create, show with history, edit, delete, workflow steps
/// and files. Handlers read the request, call `RecordService` or a page model, and render.
struct RecordController {
    func boot(routes: any RoutesBuilder) {
        routes.get(.ledgers, use: index)
        routes.get(.records, use: list)
        routes.get(.recordNew, use: newPage)
        routes.post(.records, upTo: "60mb", use: create)
        routes.get(.record, use: show)
        routes.get(.recordEdit, use: editPage)
        routes.post(.record, upTo: "60mb", use: update)
        routes.post(.recordDelete, use: delete)
        routes.post(.recordWorkflow, upTo: "60mb", use: workflow)
        routes.post(.recordAttachments, upTo: "60mb", use: upload)
        routes.post(.recordUrge, use: urge)
        routes.get(.attachment, use: download)
    }

    // MARK: - Index and list

    func index(req: Request) async throws -> Response {
        let p = try req.require(SystemController.readers)
        let content = try await LedgerIndex.load(req.lvze.catalogue.catalogue, principal: p, on: req.reader)
        return try await req.render("records/index", title: "台账", content, section: Endpoint.ledgers.rawValue)
    }

    func list(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.readableKind(req, p)
        let (filter, problems) = try await RecordFilter.from(req, kind: kind, scope: p.scope)
        let parameters = RecordList.Parameters(filter: filter, problems: problems, unitCode: req.queryText("unit") ?? "",
                                               sort: req.queryText("sort") ?? "-id", after: req.queryText("after") ?? "")
        let list = try await RecordList.load(kind, parameters, canWrite: p.hasAny(Array(kind.writers)), today: LocalDate(req.now),
                                             warning: req.lvze.settings.warningSettings, counts: KeptCounts(req.lvze, now: req.now),
                                             on: req.reader)
        // The body is built in Swift (`RecordList+View`), with no template.
        return try await req.render(html: list.body, title: kind.name, section: list.kind.systemPath)
    }

    // MARK: - Create, edit, delete

    func newPage(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.writableKind(req, p)
        var values: [String: String] = [:]
        if let d = kind.dateField { values[d] = LocalDate(req.now).iso }
        if kind.workflow { values[LedgerKind.WorkflowField.progress] = "0" }
        return try await renderForm(req, kind: kind, isNew: true, id: nil, unit: p.unit.code, values: values, failure: nil)
    }

    func create(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.writableKind(req, p)
        let raw = Self.formValues(req, kind: kind)
        let unitRef = req.formText("unit") ?? ""
        var uploads: [RecordService.Upload] = []
        for f in kind.fields where f.type == .attachments {
            for file in req.formFiles("f_\(f.id)") where file.data.readableBytes > 0 {
                uploads.append(.init(field: f, name: file.filename, data: Data(buffer: file.data)))
            }
        }
        do {
            let (record, _) = try await req.records().create(kind, unitRef: unitRef, raw: raw, uploads: uploads)
            return req.redirect(to: Endpoint.record.url(kind.id, record.id!).path, flash: "已保存「\(record.title)」")
        } catch let failure as ValidationFailure {
            return try await renderForm(req, kind: kind, isNew: true, id: nil, unit: unitRef, values: raw, failure: failure,
                                        status: .unprocessableEntity)
        }
    }

    func editPage(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.writableKind(req, p)
        let (record, unit) = try await Self.scopedRecord(req, p, kind, audit: false)
        var raw: [String: String] = [:]
        let names = try await ReferenceNames.load([record], kind: kind, on: req.db)
        for (k, v) in record.values(for: kind) {
            let field = kind.field(k)
            raw[k] = field?.type == .unit || field?.type == .person ? names.display(v, field: field) : v.display
        }
        for (k, v) in record.values(for: kind) where kind.field(k)?.type == .boolean { raw[k] = v.display }
        return try await renderForm(req, kind: kind, isNew: false, id: record.id, unit: unit.code, values: raw, failure: nil)
    }

    func update(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.writableKind(req, p)
        let (record, unit) = try await Self.scopedRecord(req, p, kind, audit: false)
        let raw = Self.formValues(req, kind: kind)
        let unitRef = req.formText("unit") ?? unit.code
        do {
            try await req.records().update(kind, record, unit: unit, unitRef: unitRef, raw: raw)
            return req.redirect(to: Endpoint.record.url(kind.id, record.id!).path, flash: "已保存")
        } catch let failure as ValidationFailure {
            return try await renderForm(req, kind: kind, isNew: false, id: record.id, unit: unitRef, values: raw, failure: failure,
                                        status: .unprocessableEntity)
        }
    }

    func delete(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.writableKind(req, p)
        let (record, _) = try await Self.scopedRecord(req, p, kind, audit: false)
        do {
            try await req.records().delete(kind, record)
        } catch let refused as Abort where refused.status == .conflict {
            return req.redirect(to: Endpoint.record.url(kind.id, record.id!).path, flash: "!" + refused.reason)
        }
        return req.redirect(to: Endpoint.records.url(kind.id).path, flash: "已删除「\(record.title)」")
    }

    // MARK: - Show

    func show(req: Request) async throws -> Response {
        try await renderShow(req, workflowErrors: [])
    }

    func renderShow(_ req: Request, workflowErrors: [String], status: HTTPStatus = .ok, typed: [String: String] = [:]) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.readableKind(req, p)
        let (record, unit) = try await Self.scopedRecord(req, p, kind, audit: workflowErrors.isEmpty)
        let values = record.values(for: kind)
        let names = try await ReferenceNames.load([record], kind: kind, on: req.db)
        let fields = kind.fields.filter { $0.type != .attachments }.map {
            FieldRow(label: $0.header, value: names.display(values[$0.id], field: $0), isLong: $0.type == .longText)
        }
        let files = try await Attachment.query(on: req.db).filter(\.$recordID == record.id!).sort(\.$id).all()
        let events = try await RecordEvent.query(on: req.db).filter(\.$recordID == record.id!).sort(\.$id, .descending).all()
        let history = events.map { e -> HistoryRow in
            let changes = (try? JSONSerialization.jsonObject(with: Data(e.changes.utf8))) as? [String: [String]] ?? [:]
            return HistoryRow(at: ISOTime.local(e.at), username: e.username, action: RecordService.actionLabel(e.action),
                              changes: changes.sorted { $0.key < $1.key }.map { k, v in
                                  "\(kind.field(k)?.label ?? RecordList.columnLabel(k, kind))：\(v.first ?? "")→\(v.last ?? "")"
                              }, note: e.note)
        }
        var workflowView: WorkflowView?
        if kind.workflow, let state = record.state {
            workflowView = try await workflowViewFor(record, kind: kind, state: state, unit: unit, p: p, req: req, evidence: files.count)
        }
        let content = ShowContent(
            kind: KindSummary(kind), id: record.id!, title: record.title, unitName: unit.name, unitID: unit.id!, fields: fields,
            attachments: files.map {
                AttachmentRow(id: $0.id!, name: $0.name, size: ChineseText.size($0.size),
                              field: kind.field($0.fieldID)?.label ?? $0.fieldID, uploadedAt: ISOTime.local($0.uploadedAt))
            },
            attachmentFields: kind.fields.filter { $0.type == .attachments }.map { SelectOption(value: $0.id, label: $0.label, selected: false) },
            history: history, derived: kind.computedValues(values, today: LocalDate(req.now)).map { ComputedRow(label: $0.field.label, value: $0.value.text, warn: $0.value.warn) }, workflow: workflowView, canWrite: p.hasAny(Array(kind.writers)), workflowError: workflowErrors, typed: typed)
        return try await req.render("records/show", title: record.title, content, status: status, section: KindSummary(kind).systemPath)
    }

    // MARK: - Workflow and files

    func workflow(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.readableKind(req, p)
        guard kind.workflow else { throw Abort(.notFound) }
        let (record, unit) = try await Self.scopedRecord(req, p, kind, audit: false)
        let command = try req.content.decode(WorkflowCommand.self)
        // A close-out request brings its evidence in the same form.
        let files = req.formFiles("files").filter { $0.data.readableBytes > 0 }
        var uploads: [RecordService.Upload] = []
        if !files.isEmpty {
            guard let field = kind.field(LedgerKind.WorkflowField.evidence) ?? kind.fields.first(where: { $0.type == .attachments }) else {
                return try await renderShow(req, workflowErrors: ["「\(kind.name)」没有附件字段，不能上传文件"], status: .unprocessableEntity)
            }
            uploads = files.map { .init(field: field, name: $0.filename, data: Data(buffer: $0.data)) }
        }
        do {
            try await req.records().step(kind, record, unit: unit, command: command, uploads: uploads)
            let label = (try? command.action(kind: kind, values: [:]).label) ?? "流程操作"
            return req.redirect(to: Endpoint.record.url(kind.id, record.id!).path,
                                flash: "\(label)：已办理" + (files.isEmpty ? "" : "，上传佐证材料\(files.count)份"))
        } catch let failure as ValidationFailure {
            // What was typed stays in the form; the files must be chosen again (a browser cannot refill them).
            var typed = ["description": command.description ?? "", "reason": command.reason ?? "", "note": command.note ?? ""]
            if !files.isEmpty { typed["filesLost"] = "1" }
            return try await renderShow(req, workflowErrors: failure.errors.map(\.message), status: .unprocessableEntity, typed: typed)
        }
    }

    /// 催办 from the record page or the supervision list.
    func urge(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.readableKind(req, p)
        guard kind.workflow else { throw Abort(.notFound) }
        let (record, unit) = try await Self.scopedRecord(req, p, kind, audit: false)
        let note = req.formText("note") ?? ""
        do {
            let sent = try await req.records().urge(kind, record, unit: unit, note: note)
            return req.redirect(to: Endpoint.record.url(kind.id, record.id!).path, flash: "已催办，通知\(sent)人")
        } catch let failure as ValidationFailure {
            return try await renderShow(req, workflowErrors: failure.errors.map(\.description), status: .unprocessableEntity,
                                        typed: ["urge": note])
        }
    }

    func upload(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try Self.writableKind(req, p)
        let (record, _) = try await Self.scopedRecord(req, p, kind, audit: false)
        let fieldID = req.formText("field") ?? ""
        guard let field = kind.field(fieldID), field.type == .attachments else {
            return try await renderShow(req, workflowErrors: ["请选择附件类别"], status: .unprocessableEntity)
        }
        let files = req.formFiles("files").filter { $0.data.readableBytes > 0 }
        guard !files.isEmpty else { return try await renderShow(req, workflowErrors: ["请选择要上传的文件"], status: .unprocessableEntity) }
        do {
            try await req.records().attach(kind, record, uploads: files.map { .init(field: field, name: $0.filename, data: Data(buffer: $0.data)) })
        } catch let abort as Abort where abort.status != .conflict {
            return try await renderShow(req, workflowErrors: [abort.reason], status: abort.status)
        }
        return req.redirect(to: Endpoint.record.url(kind.id, record.id!).path, flash: "已上传\(files.count)个文件")
    }

    /// Always a download (never shown inline), and always audited.
    func download(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        guard let id = req.parameters.get("id", as: Int.self), let file = try await Attachment.find(id, on: req.db),
              let recordID = file.recordID, let record = try await LedgerRecord.find(recordID, on: req.db),
              let kind = req.lvze.catalogue[record.kind], p.hasAny(Array(kind.readers)),
              let unit = try await OrgUnit.find(record.$unit.id, on: req.db), p.covers(unit) else {
            throw Abort(.notFound, reason: "文件不存在或您无权下载")
        }
        let data = try req.lvze.attachments.read(file.sha256)
        try await req.audit(.export, "attachment", String(id), "下载「\(kind.name)」记录「\(record.title)」的附件「\(file.name)」")
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = HTTPMediaType(type: "application", subType: "octet-stream")
        response.headers.replaceOrAdd(name: .contentDisposition, value: contentDisposition(file.name))
        response.headers.replaceOrAdd(name: "Content-Security-Policy", value: "default-src 'none'; sandbox")
        return response
    }
}
