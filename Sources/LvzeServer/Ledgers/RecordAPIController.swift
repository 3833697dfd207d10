import Fluent
import Foundation
import LvzeCore
import Vapor

/// REST endpoints for records of every kind and their workflow steps, plus the OpenAPI 3.1
/// document generated from the catalogue (each kind its own schema).
struct RecordAPIController {
    func boot(routes: any RoutesBuilder) {
        routes.get(.apiKinds, use: kinds)
        routes.get(.apiRecords, use: list)
        routes.post(.apiRecords, use: create)
        routes.get(.apiRecord, use: show)
        routes.patch(.apiRecord, use: update)
        routes.delete(.apiRecord, use: delete)
        routes.post(.apiRecordWorkflow, use: workflow)
        routes.get(.openAPI, use: openAPI)
    }

    /// A record as the API returns it.
    static func json(_ r: LedgerRecord, kind: LedgerKind, unit: OrgUnit, today: LocalDate) -> [String: Any] {
        var fields: [String: Any] = [:]
        let values = r.values(for: kind)
        for (k, v) in values {
            switch v {
            case .decimal(let d): fields[k] = NSDecimalNumber(decimal: d).doubleValue
            default: fields[k] = v.json
            }
        }
        var out: [String: Any] = [
            "id": r.id!, "kind": kind.id, "title": r.title, "recordDate": r.recordDate, "year": r.year,
            "unit": ["id": unit.id!, "code": unit.code, "name": unit.name], "fields": fields, "version": r.version,
            "createdAt": r.createdAt.map(ISOTime.string) ?? "", "updatedAt": r.updatedAt.map(ISOTime.string) ?? "",
        ]
        if !kind.computed.isEmpty {
            var computed: [String: Any] = [:]
            for (field, value) in kind.computedValues(values, today: today) { computed[field.id] = value.text }
            out["computed"] = computed
        }
        if kind.workflow {
            out["status"] = r.status
            out["statusLabel"] = r.state?.label ?? ""
            out["dueDate"] = r.dueDate ?? NSNull()
            out["closedOn"] = r.closedOn ?? NSNull()
            out["progress"] = r.progress ?? 0
            out["extensionCount"] = WorkflowData.decode(r.workflow).extensions
        }
        return out
    }

    static func respond(_ object: Any, status: HTTPStatus = .ok) throws -> Response {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        let response = Response(status: status, body: .init(data: data))
        response.headers.contentType = .json
        return response
    }

    /// The JSON body as an object, or a 400 that says so in Chinese.
    static func body(_ req: Request) throws -> [String: Any] {
        guard let buffer = req.body.data, let object = try? JSONSerialization.jsonObject(with: Data(buffer: buffer)) as? [String: Any] else {
            throw Abort(.badRequest, reason: "请求体应为 JSON 对象")
        }
        return object
    }

    /// API field values as the text the validator reads; unknown fields are errors.
    /// The body's `fields` object; anything else there is named, not read as "no fields".
    static func fields(_ body: [String: Any]) throws -> [String: Any] {
        guard let value = body["fields"] else { return [:] }
        guard let object = value as? [String: Any] else {
            throw ValidationFailure([.init("fields", "fields", "应为对象（字段编号 → 值），例如 {\"description\": \"……\"}")])
        }
        return object
    }

    static func raw(_ fields: [String: Any], kind: LedgerKind) throws -> [String: String] {
        var raw: [String: String] = [:]
        var errors: [FieldError] = []
        for (k, v) in fields {
            guard let field = kind.field(k) else { errors.append(.init(k, k, "不是「\(kind.name)」的字段")); continue }
            if field.type == .attachments { errors.append(.init(k, field.label, "附件须通过网页上传")); continue }
            switch v {
            case is NSNull: raw[k] = ""
            case let s as String: raw[k] = s
            case let n as NSNumber:
                // JSON true/false arrive as a boolean NSNumber, which also casts to Int: tell them apart by class.
                if String(describing: type(of: n)).contains("Boolean") { raw[k] = n.boolValue ? "是" : "否" }
                // Plain decimal notation: 1e-05 is 0.00001, which the field's check reads as a number.
                else { raw[k] = NSDecimalNumber(decimal: n.decimalValue).stringValue }
            default: errors.append(.init(k, field.label, "值的类型不对"))
            }
        }
        if !errors.isEmpty { throw ValidationFailure(errors) }
        return raw
    }

    func kinds(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let visible = req.lvze.catalogue.catalogue.kinds.filter { p.hasAny(Array($0.readers)) }
        return try Self.respond(["items": visible.map { k -> [String: Any] in
            ["id": k.id, "name": k.name, "system": k.system.rawValue, "workflow": k.workflow,
             "writable": p.hasAny(Array(k.writers)),
             "fields": k.fields.map { f -> [String: Any] in
                 var d: [String: Any] = ["id": f.id, "label": f.label, "type": f.type.rawValue, "required": f.required]
                 if !f.values.isEmpty { d["values"] = f.values }
                 if f.type == .money { d["scale"] = f.moneyScale.rawValue }
                 return d
             }]
        }])
    }

    func list(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try RecordController.readableKind(req, p)
        let (filter, problems) = try await RecordFilter.from(req, kind: kind, scope: p.scope)
        if !problems.isEmpty { throw Abort(.badRequest, reason: problems.joined(separator: "；")) }
        // Paging parameters are checked, not guessed: a bad one is named in the answer.
        var limit = 100
        if let text = try? req.query.get(String.self, at: "limit") {
            guard let n = Int(text), (1...1000).contains(n) else { throw Abort(.badRequest, reason: "参数 limit 应为1到1000之间的整数（收到「\(text)」）") }
            limit = n
        }
        if let text = try? req.query.get(String.self, at: "after"), Int(text) == nil {
            throw Abort(.badRequest, reason: "参数 after 应为记录编号（整数，收到「\(text)」）")
        }
        // The page's query is the list page's own (`RecordRow.page`); the records it names are
        // then read whole, with their units, for the fields the API returns.
        let after = (try? req.query.get(Int.self, at: "after")) ?? Int.max
        let rows = try await RecordRow.page(filter, beforeID: after, limit: limit + 1, on: req.reader)
        let ids = rows.prefix(limit).map(\.id)
        let byID = Dictionary(uniqueKeysWithValues: try await LedgerRecord.query(on: req.reader).filter(\.$id ~~ ids).with(\.$unit).all()
            .map { ($0.id!, $0) })
        let page = ids.compactMap { byID[$0] }
        let today = LocalDate(req.now)
        let items = page.map { Self.json($0, kind: kind, unit: $0.unit, today: today) }
        if kind.sensitive {
            try await req.audit(.sensitiveRead, kind.id, "", "接口查阅「\(kind.name)」\(page.count)条记录")
        }
        return try Self.respond(["items": items, "next": rows.count > limit ? String(ids.last!) as Any : NSNull()])
    }

    func show(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try RecordController.readableKind(req, p)
        let (record, unit) = try await RecordController.scopedRecord(req, p, kind)
        return try Self.respond(Self.json(record, kind: kind, unit: unit, today: LocalDate(req.now)))
    }

    func create(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try RecordController.writableKind(req, p)
        let body = try Self.body(req)
        let raw = try Self.raw(try Self.fields(body), kind: kind)
        let (record, unit) = try await req.records().create(kind, unitRef: body["unit"] as? String, raw: raw)
        return try Self.respond(Self.json(record, kind: kind, unit: unit, today: LocalDate(req.now)), status: .created)
    }

    func update(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try RecordController.writableKind(req, p)
        let (record, unit) = try await RecordController.scopedRecord(req, p, kind, audit: false)
        let body = try Self.body(req)
        if let version = body["version"] as? Int, version != record.version {
            throw Abort(.conflict, reason: "记录已被他人修改（当前版本\(record.version)），请重新读取后再改")
        }
        let given = try Self.fields(body)
        if given.isEmpty, body["unit"] == nil {
            throw ValidationFailure([.init("fields", "fields", "没有要修改的内容：请在 fields 中给出要改的字段，或给出 unit")])
        }
        let saved = try await req.records().update(kind, record, unit: unit, unitRef: body["unit"] as? String, raw: try Self.raw(given, kind: kind))
        // A body that changes nothing is named as such, not answered as if it had been saved.
        guard saved.changed else {
            throw ValidationFailure([.init("fields", "fields", "没有要修改的内容：所给的值与记录现有的值相同")])
        }
        return try Self.respond(Self.json(record, kind: kind, unit: saved.unit, today: LocalDate(req.now)))
    }

    func delete(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try RecordController.writableKind(req, p)
        let (record, _) = try await RecordController.scopedRecord(req, p, kind, audit: false)
        try await req.records().delete(kind, record)
        return Response(status: .noContent)
    }

    func workflow(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try RecordController.readableKind(req, p)
        guard kind.workflow else { throw Abort(.notFound, reason: "「\(kind.name)」不走整改流程") }
        let (record, unit) = try await RecordController.scopedRecord(req, p, kind, audit: false)
        let body = try Self.body(req)
        func s(_ k: String) -> String? { (body[k] as? String) ?? (body[k] as? NSNumber)?.stringValue }
        let command = WorkflowCommand(action: s("action"), percent: s("percent"), note: s("note"),
                                      description: s("description"), reason: s("reason"), deadline: s("deadline"))
        try await req.records().step(kind, record, unit: unit, command: command)
        return try Self.respond(Self.json(record, kind: kind, unit: unit, today: LocalDate(req.now)))
    }

    // MARK: - OpenAPI

    func openAPI(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kinds = req.lvze.catalogue.catalogue.kinds.filter { p.hasAny(Array($0.readers)) }
        return try Self.respond(OpenAPIDocument.make(kinds: kinds))
    }
}
