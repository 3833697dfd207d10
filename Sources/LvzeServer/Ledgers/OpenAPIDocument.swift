import Foundation
import LvzeCore

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
            paths[Endpoint.apiRecords.openAPIPath(["kind": kind.id])] = [
                "get": ["operationId": "list_\(kind.id)", "summary": "查询\(kind.name)", "tags": [kind.name], "parameters": listParams,
                        "responses": ["200": ["description": "记录列表", "content": ["application/json": ["schema": [
                            "type": "object", "properties": ["items": ["type": "array", "items": ref], "next": ["type": ["string", "null"]]]]]]]]
                            .merging(errors) { a, _ in a }],
                "post": ["operationId": "create_\(kind.id)", "summary": "新增\(kind.name)记录", "tags": [kind.name],
                         "requestBody": ["required": true, "content": ["application/json": ["schema": ["$ref": "#/components/schemas/\(name)Input"]]]],
                         "responses": ["201": ["description": "已新增", "content": ["application/json": ["schema": ref]]]].merging(errors) { a, _ in a }],
            ]
            paths[Endpoint.apiRecord.openAPIPath(["kind": kind.id])] = [
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
                paths[Endpoint.apiRecordWorkflow.openAPIPath(["kind": kind.id])] = [
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
        paths[Endpoint.apiLogin.rawValue] = ["post": [
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
