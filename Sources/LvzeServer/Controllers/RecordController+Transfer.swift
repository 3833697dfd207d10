import Fluent
import Foundation
import LvzeCore
import LvzeOffice
import Vapor

/// Excel and CSV in and out of a ledger: export of any filtered list, and import with a
/// dry run that shows every problem, committed all or nothing.
struct RecordTransferController {
    func boot(routes: any RoutesBuilder) {
        routes.get("ledgers", ":kind", "export", use: export)
        routes.get("ledgers", ":kind", "import", use: importPage)
        routes.on(.POST, "ledgers", ":kind", "import", body: .collect(maxSize: "60mb"), use: importFile)
    }

    func export(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try RecordController.readableKind(req, p)
        let (filter, problems) = try await RecordFilter.from(req, kind: kind, scope: p.scope)
        if !problems.isEmpty { throw Abort(.badRequest, reason: problems.joined(separator: "；")) }
        let format = LedgerExporter.Format(rawValue: (try? req.query.get(String.self, at: "format")) ?? "xlsx") ?? .xlsx
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lvze-export-\(UUID().uuidString).\(format.rawValue)")
        defer { try? FileManager.default.removeItem(at: url) }
        let count = try await LedgerExporter(kind: kind, db: req.db).write(filter, format: format, to: url, threadPool: req.application.threadPool)
        let data = try Data(contentsOf: url)
        try await req.audit(.export, kind.id, "", "导出「\(kind.name)」\(count)条记录（\(format.rawValue.uppercased())）",
                            after: Dictionary(filter.queryItems, uniquingKeysWith: { a, _ in a }))
        let response = Response(status: .ok, body: .init(data: data))
        response.headers.contentType = format == .xlsx
            ? HTTPMediaType(type: "application", subType: "vnd.openxmlformats-officedocument.spreadsheetml.sheet")
            : HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.replaceOrAdd(name: .contentDisposition,
                                      value: contentDisposition("\(kind.name)-\(LocalDate(req.now).iso).\(format.rawValue)"))
        return response
    }

    struct ImportContent: Encodable {
        var kind: RecordController.KindSummary
        var unit: String
        var headers: [String]
        var report: LedgerImporter.Report?
        var errors: [String]
        var dryRun: Bool
        var committed: Bool
        var shownErrors: [String]
        var moreErrors: Int
    }

    func importPage(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try RecordController.writableKind(req, p)
        return try await render(req, kind: kind, unit: p.unit.code, report: nil, errors: [], dryRun: true, committed: false)
    }

    private func render(_ req: Request, kind: LedgerKind, unit: String, report: LedgerImporter.Report?, errors: [String],
                        dryRun: Bool, committed: Bool, status: HTTPStatus = .ok) async throws -> Response {
        let all = errors + (report?.errors ?? [])
        return try await req.render("records/import", title: "导入\(kind.name)", ImportContent(
            kind: RecordController.summary(kind), unit: unit,
            headers: kind.fields.filter { $0.type != .attachments }.map { f in
                ([f.header] + f.aliases.prefix(2)).joined(separator: " / ") + (f.required ? " *" : "")
            },
            report: report, errors: errors, dryRun: dryRun, committed: committed,
            shownErrors: Array(all.prefix(500)), moreErrors: max(0, all.count - 500)),
                                    status: status, section: RecordController.summary(kind).systemPath)
    }

    func importFile(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try RecordController.writableKind(req, p)
        let unitCode = ((try? req.content.get(String.self, at: "unit")) ?? p.unit.code).trimmingCharacters(in: .whitespaces)
        let dryRun = ((try? req.content.get(String.self, at: "mode")) ?? "dry") != "commit"
        guard let file = try? req.content.get(File.self, at: "file"), file.data.readableBytes > 0 else {
            return try await render(req, kind: kind, unit: unitCode, report: nil, errors: ["«文件»：请选择要导入的 Excel（.xlsx）或 CSV 文件"],
                                    dryRun: dryRun, committed: false, status: .unprocessableEntity)
        }
        guard let unit = try await OrgUnit.query(on: req.db).filter(\.$code == unitCode).first(), p.covers(unit) else {
            return try await render(req, kind: kind, unit: unitCode, report: nil, errors: ["«导入到单位»：代码「\(unitCode)」不存在或不在您的管理范围内"],
                                    dryRun: dryRun, committed: false, status: .unprocessableEntity)
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lvze-import-\(UUID().uuidString)")
        try Data(buffer: file.data).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let importer = LedgerImporter(kind: kind, db: req.db, scope: p.scope, defaultUnit: unit)
        do {
            let source = try LedgerImporter.open(url, name: file.filename)
            var (report, rows) = try await importer.analyse(source, fileName: file.filename)
            if dryRun || !report.errors.isEmpty {
                return try await render(req, kind: kind, unit: unitCode, report: report, errors: [], dryRun: dryRun, committed: false,
                                        status: report.errors.isEmpty ? .ok : .unprocessableEntity)
            }
            report.committed = try await importer.commit(rows, actor: req.auditActor, createdBy: p.userID, at: req.now, audit: req.lvze.audit)
            return try await render(req, kind: kind, unit: unitCode, report: report, errors: [], dryRun: false, committed: true)
        } catch let failure as ValidationFailure {
            return try await render(req, kind: kind, unit: unitCode, report: nil, errors: failure.errors.map(\.description),
                                    dryRun: dryRun, committed: false, status: .unprocessableEntity)
        } catch let error as SpreadsheetError {
            return try await render(req, kind: kind, unit: unitCode, report: nil, errors: ["«文件»：\(error.message)"],
                                    dryRun: dryRun, committed: false, status: .unprocessableEntity)
        }
    }
}
