import Fluent
import Foundation
import LvzeCore
import Vapor

/// REST endpoints for records of every kind and their workflow steps, plus the OpenAPI 3.1
/// document generated from the catalogue (each kind its own schema).
struct RecordAPIController {
    func boot(routes: any RoutesBuilder) {
        let api = routes.grouped("api", "v1")
        api.get("kinds", use: kinds)
        api.get("records", ":kind", use: list)
        api.post("records", ":kind", use: create)
        api.get("records", ":kind", ":id", use: show)
        api.patch("records", ":kind", ":id", use: update)
        api.delete("records", ":kind", ":id", use: delete)
        api.post("records", ":kind", ":id", "workflow", use: workflow)
        routes.get("api", "openapi.json", use: openAPI)
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
        let rows = try await RecordRow.page(filter, beforeID: after, limit: limit + 1, on: req.db)
        let ids = rows.prefix(limit).map(\.id)
        let byID = Dictionary(uniqueKeysWithValues: try await LedgerRecord.query(on: req.db).filter(\.$id ~~ ids).with(\.$unit).all()
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

/// The OpenAPI 3.1 description of the API, built from the catalogue.
enum OpenAPIDocument {
    static func fieldSchema(_ f: FieldSpec) -> [String: Any] {
        var s: [String: Any] = ["title": f.label]
        if !f.help.isEmpty { s["description"] = f.help }
        switch f.type {
        case .text: s["type"] = "string"; s["maxLength"] = 500
        case .creditCode: s["type"] = "string"; s["minLength"] = 18; s["description"] = "统一社会信用代码（GB 32100-2015，校验位须正确）"
        case .longText: s["type"] = "string"; s["maxLength"] = 20000
        case .integer:
            s["type"] = "integer"
            if let min = f.min { s["minimum"] = NSDecimalNumber(decimal: min).intValue }
            if let max = f.max { s["maximum"] = NSDecimalNumber(decimal: max).intValue }
        case .decimal, .money:
            s["type"] = "number"
            if f.type == .money { s["description"] = "金额，单位\(f.moneyScale.rawValue)" }
        case .date: s["type"] = "string"; s["format"] = "date"
        case .enumeration: s["type"] = "string"; s["enum"] = f.values
        case .unit: s["oneOf"] = [["type": "integer"], ["type": "string"]]; s["description"] = "单位编号、代码或名称"
        case .person: s["oneOf"] = [["type": "integer"], ["type": "string"]]; s["description"] = "人员编号或姓名"
        case .boolean: s["type"] = "boolean"
        case .attachments: s["type"] = "array"; s["items"] = ["type": "integer"]; s["readOnly"] = true
        }
        return s
    }

    static func make(kinds: [LedgerKind]) -> [String: Any] {
        var schemas: [String: Any] = [
            "Error": ["type": "object", "properties": ["error": ["type": "object", "properties": [
                "status": ["type": "integer"], "message": ["type": "string"], "reference": ["type": "string"],
                "errors": ["type": "array", "items": ["type": "string"]]]]]],
            "Unit": ["type": "object", "properties": ["id": ["type": "integer"], "code": ["type": "string"], "name": ["type": "string"]]],
        ]
        var paths: [String: Any] = [:]
        let errors: [String: Any] = [
            "400": ["description": "请求有误", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]],
            "401": ["description": "未登录", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]],
            "403": ["description": "无权执行此操作（或以网页会话调用时缺少 X-CSRF-Token）", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]],
            "413": ["description": "请求体过大", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]],
            "415": ["description": "请求体不是 JSON", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]],
            "503": ["description": "系统正在停止", "content": ["text/plain": ["schema": ["type": "string"]]]],
            "404": ["description": "不存在或无权查阅", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]],
            "422": ["description": "字段校验未通过", "content": ["application/json": ["schema": ["$ref": "#/components/schemas/Error"]]]],
        ]
        for kind in kinds {
            let name = schemaName(kind.id)
            var fieldProps: [String: Any] = [:]
            for f in kind.fields { fieldProps[f.id] = fieldSchema(f) }
            let inputFields = kind.fields.filter { $0.type != .attachments }
            var inputProps: [String: Any] = [:]
            for f in inputFields { inputProps[f.id] = fieldSchema(f) }
            var record: [String: Any] = [
                "type": "object", "title": kind.name,
                "properties": [
                    "id": ["type": "integer"], "kind": ["type": "string", "const": kind.id], "title": ["type": "string"],
                    "recordDate": ["type": "string", "format": "date"], "year": ["type": "integer"],
                    "unit": ["$ref": "#/components/schemas/Unit"], "version": ["type": "integer"],
                    "createdAt": ["type": "string"], "updatedAt": ["type": "string"],
                    "fields": ["type": "object", "properties": fieldProps],
                ],
            ]
            if !kind.computed.isEmpty {
                var props = record["properties"] as! [String: Any]
                var computed: [String: Any] = [:]
                for c in kind.computed { computed[c.id] = ["type": "string", "title": c.label, "readOnly": true, "description": "系统根据记录字段计算"] }
                props["computed"] = ["type": "object", "readOnly": true, "properties": computed]
                record["properties"] = props
            }
            if kind.workflow {
                var props = record["properties"] as! [String: Any]
                props["status"] = ["type": "string", "enum": RectificationState.allCases.map(\.rawValue)]
                props["statusLabel"] = ["type": "string"]
                props["dueDate"] = ["type": ["string", "null"], "format": "date"]
                props["closedOn"] = ["type": ["string", "null"], "format": "date"]
                props["progress"] = ["type": "integer", "minimum": 0, "maximum": 100]
                props["extensionCount"] = ["type": "integer"]
                record["properties"] = props
            }
            schemas[name] = record
            schemas[name + "Input"] = [
                "type": "object", "required": ["unit", "fields"], "additionalProperties": false,
                "properties": [
                    "unit": ["type": "string", "description": "责任单位代码或名称"],
                    "fields": ["type": "object", "additionalProperties": false, "properties": inputProps,
                               "required": inputFields.filter(\.required).map(\.id)],
                ],
            ]
            schemas[name + "Patch"] = [
                "type": "object", "additionalProperties": false,
                "properties": ["unit": ["type": "string"], "version": ["type": "integer"],
                               "fields": ["type": "object", "additionalProperties": false, "properties": inputProps]],
            ]
            let ref: [String: Any] = ["$ref": "#/components/schemas/\(name)"]
            let idParam: [String: Any] = ["name": "id", "in": "path", "required": true, "schema": ["type": "integer"]]
            var listParams: [[String: Any]] = [
                ["name": "limit", "in": "query", "schema": ["type": "integer", "minimum": 1, "maximum": 1000]],
                ["name": "after", "in": "query", "schema": ["type": "integer"], "description": "上一页最后一条记录的编号"],
                ["name": "unit", "in": "query", "schema": ["type": "string"], "description": "单位代码，含下级"],
                ["name": "year", "in": "query", "schema": ["type": "integer", "minimum": 1900, "maximum": 2200]],
                ["name": "q", "in": "query", "schema": ["type": "string"]],
            ]
            if kind.workflow {
                listParams.append(["name": "status", "in": "query", "schema": ["type": "string", "enum": RectificationState.allCases.map(\.rawValue)]])
            }
            for f in kind.fields where f.type == .enumeration {
                listParams.append(["name": "f_\(f.id)", "in": "query", "schema": ["type": "string", "enum": f.values]])
            }
            paths["/api/v1/records/\(kind.id)"] = [
                "get": ["operationId": "list_\(kind.id)", "summary": "查询\(kind.name)", "tags": [kind.name], "parameters": listParams,
                        "responses": ["200": ["description": "记录列表", "content": ["application/json": ["schema": [
                            "type": "object", "properties": ["items": ["type": "array", "items": ref], "next": ["type": ["string", "null"]]]]]]]]
                            .merging(errors) { a, _ in a }],
                "post": ["operationId": "create_\(kind.id)", "summary": "新增\(kind.name)记录", "tags": [kind.name],
                         "requestBody": ["required": true, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(name)Input"]]]],
                         "responses": ["201": ["description": "已新增", "content": ["application/json": ["schema": ref]]]].merging(errors) { a, _ in a }],
            ]
            paths["/api/v1/records/\(kind.id)/{id}"] = [
                "get": ["operationId": "get_\(kind.id)", "summary": "读取\(kind.name)记录", "tags": [kind.name], "parameters": [idParam],
                        "responses": ["200": ["description": "记录", "content": ["application/json": ["schema": ref]]]].merging(errors) { a, _ in a }],
                "patch": ["operationId": "update_\(kind.id)", "summary": "修改\(kind.name)记录", "tags": [kind.name], "parameters": [idParam],
                          "requestBody": ["required": true, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(name)Patch"]]]],
                          "responses": ["200": ["description": "已修改", "content": ["application/json": ["schema": ref]]],
                                        "409": ["description": "版本冲突或已销号"]].merging(errors) { a, _ in a }],
                "delete": ["operationId": "delete_\(kind.id)", "summary": "删除\(kind.name)记录", "tags": [kind.name], "parameters": [idParam],
                           "responses": ["204": ["description": "已删除"], "409": ["description": "已销号，不能删除"]].merging(errors) { a, _ in a }],
            ]
            if kind.workflow {
                paths["/api/v1/records/\(kind.id)/{id}/workflow"] = [
                    "post": ["operationId": "workflow_\(kind.id)", "summary": "办理\(kind.name)整改流程", "tags": [kind.name], "parameters": [idParam],
                             "requestBody": ["required": true, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/WorkflowStep"]]]],
                             "responses": ["200": ["description": "已办理", "content": ["application/json": ["schema": ref]]]].merging(errors) { a, _ in a }],
                ]
            }
        }
        schemas["WorkflowStep"] = [
            "type": "object", "required": ["action"],
            "properties": [
                "action": ["type": "string", "enum": WorkflowCommand.actionNames],
                "percent": ["type": "integer", "minimum": 0, "maximum": 100], "note": ["type": "string"],
                "description": ["type": "string"], "reason": ["type": "string"], "deadline": ["type": "string", "format": "date"],
            ],
        ]
        paths["/api/v1/login"] = ["post": [
            "operationId": "login", "summary": "用户名密码换取接口令牌（有效期一天）", "security": [],
            "requestBody": ["required": true, "content": ["application/json": ["schema": [
                "type": "object", "required": ["username", "password"],
                "properties": ["username": ["type": "string"], "password": ["type": "string"]]]]]],
            "responses": ["200": ["description": "令牌", "content": ["application/json": ["schema": [
                "type": "object", "properties": ["token": ["type": "string"], "expiresAt": ["type": "string"]]]]]]].merging(errors) { a, _ in a },
        ]]
        return [
            "openapi": "3.1.0",
            "info": ["title": "履责 Lvze REST API", "version": "1", "description": "台账记录和整改流程。请求头 Authorization: Bearer 令牌。"],
            "servers": [["url": "/"]],
            "security": [["bearer": []]],
            "components": ["securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]], "schemas": schemas],
            "paths": paths,
        ]
    }

    /// `rectification` → `Rectification`, `problem_lead` → `ProblemLead`.
    static func schemaName(_ id: String) -> String {
        id.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }
}
