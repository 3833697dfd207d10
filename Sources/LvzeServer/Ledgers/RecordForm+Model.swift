import Fluent
import FluentSQL
import Foundation
import LvzeCore
import SQLKit
import Vapor

/// The record form (new and edit): each field with its value, options and error.
extension RecordController {
    struct FormField: Encodable {
        var id: String
        var label: String
        var type: String
        var required: Bool
        var value: String
        var options: [SelectOption]
        var error: String?
        var help: String
        var isLong: Bool
        var isEnum: Bool
        var isDate: Bool
        var isBool: Bool
        var isFile: Bool
        var isNumber: Bool
    }

    struct FormContent: Encodable {
        var kind: KindSummary
        var isNew: Bool
        var id: Int?
        var unit: String
        var unitError: String?
        var fields: [FormField]
        var errors: [String]
        var hasErrors: Bool
    }

    func formFields(_ kind: LedgerKind, values: [String: String], errors: [FieldError], includeFiles: Bool) -> [FormField] {
        kind.fields.filter { includeFiles || $0.type != .attachments }.map { f in
            let value = values[f.id] ?? ""
            let options: [SelectOption]
            switch f.type {
            case .enumeration: options = f.values.map { SelectOption(value: $0, label: $0, selected: $0 == value) }
            case .boolean: options = ["是", "否"].map { SelectOption(value: $0, label: $0, selected: $0 == value) }
            default: options = []
            }
            return FormField(id: f.id, label: f.header, type: f.type.rawValue, required: f.required, value: value, options: options,
                             error: errors.first { $0.field == f.id }?.message, help: f.help,
                             isLong: f.type == .longText, isEnum: f.type == .enumeration, isDate: f.type == .date,
                             isBool: f.type == .boolean, isFile: f.type == .attachments,
                             isNumber: [.integer, .decimal, .money].contains(f.type))
        }
    }

    func renderForm(_ req: Request, kind: LedgerKind, isNew: Bool, id: Int?, unit: String, values: [String: String],
                            failure: ValidationFailure?, status: HTTPStatus = .ok) async throws -> Response {
        let errors = failure?.errors ?? []
        return try await req.render("records/form", title: (isNew ? "新增" : "编辑") + kind.name, FormContent(
            kind: KindSummary(kind), isNew: isNew, id: id, unit: unit, unitError: errors.first { $0.field == "unit" }?.message,
            fields: formFields(kind, values: values, errors: errors, includeFiles: isNew),
            errors: errors.map(\.description), hasErrors: !errors.isEmpty),
                                    status: status, section: KindSummary(kind).systemPath)
    }

    /// Form fields arrive as `f_<id>`; files for attachment fields in the same multipart body.
    static func formValues(_ req: Request, kind: LedgerKind) -> [String: String] {
        var raw: [String: String] = [:]
        for f in kind.fields where f.type != .attachments {
            if let v = req.formText("f_\(f.id)") { raw[f.id] = v }
        }
        return raw
    }
}
