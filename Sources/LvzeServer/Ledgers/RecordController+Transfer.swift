import Fluent
import Foundation
import LvzeCore
import LvzeOffice
import Vapor

/// Excel and CSV in and out of a ledger: export of any filtered list, and import with a
/// dry run that shows every problem, committed all or nothing.
struct RecordTransferController {
    func boot(routes: any RoutesBuilder) {
        routes.get(.recordExport, use: export)
        routes.get(.recordImport, use: importPage)
        routes.post(.recordImport, upTo: "60mb", use: importFile)
        routes.get(.recordImportJob, use: importJob)
        routes.post(.recordImportCommit, use: commitImport)
    }

    func export(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try RecordController.readableKind(req, p)
        let (filter, problems) = try await RecordFilter.from(req, kind: kind, scope: p.scope)
        if !problems.isEmpty { throw Abort(.badRequest, reason: problems.joined(separator: "；")) }
        let format = LedgerExporter.Format(rawValue: (try? req.query.get(String.self, at: "format")) ?? "xlsx") ?? .xlsx
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lvze-export-\(UUID().uuidString).\(format.rawValue)")
        defer { try? FileManager.default.removeItem(at: url) }
        let count = try await LedgerExporter(kind: kind, db: req.reader, today: LocalDate(req.now)).write(filter, format: format, to: url, threadPool: req.application.threadPool)
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
        var kind: KindSummary
        var unit: String
        var headers: [String]
        var report: LedgerImporter.Report?
        var errors: [String]
        var dryRun: Bool
        var committed: Bool
        var shownErrors: [String]
        var moreErrors: Int
        var running: Bool
        var phase: String
        var read: Int
        var written: Int
        var total: Int
        /// After a clean dry run: where to confirm the import of the same file.
        var commitURL: String?
        /// A dry run that found nothing to add or change: no button to import nothing.
        var nothingToWrite: Bool
        var keepExtra: Bool
        var update: Bool
        /// The fields that identify one record (the kind's natural key), as 责任单位、排查时间….
        var naturalKey: String
    }

    func importPage(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try RecordController.writableKind(req, p)
        return try await render(req, kind: kind, unit: p.unit.code, report: nil, errors: [], dryRun: true, committed: false)
    }

    /// The import's choices on the page: 未匹配的列作为备注保存.
    private func options(_ req: Request) -> LedgerImporter.Options {
        LedgerImporter.Options(keepExtra: req.formText("keep_extra") == "1",
                               update: req.formText("update") == "1")
    }

    private func render(_ req: Request, kind: LedgerKind, unit: String, report: LedgerImporter.Report?, errors: [String],
                        dryRun: Bool, committed: Bool, status: HTTPStatus = .ok, job: ImportJobs.Job? = nil,
                        options: LedgerImporter.Options = .init()) async throws -> Response {
        let all = errors + (report?.errors ?? [])
        let running = job.map { [.queued, .reading, .writing].contains($0.phase) } ?? false
        var phase = job?.dryRun == false ? "正在读取、检查并写入" : "正在读取和检查"
        if let job, job.phase == .queued {
            let ahead = req.lvze.imports.place(job.id)
            phase = "排队等待：同时进行的导入已达上限（\(req.lvze.settings.int(ImportJobs.concurrencyKey))个）"
                + (ahead > 0 ? "，前面还有\(ahead)个导入在排队" : "，正在进行的导入结束后自动开始")
        }
        let nothingToWrite = dryRun && report.map { $0.new == 0 && (!$0.update || $0.changed == 0) } ?? false
        return try await req.render("records/import", title: "导入\(kind.name)", ImportContent(
            kind: KindSummary(kind), unit: unit,
            headers: kind.fields.filter { $0.type != .attachments }.map { f in
                ([f.header] + f.aliases.prefix(2)).joined(separator: " / ") + (f.required ? " *" : "")
            },
            report: report, errors: errors, dryRun: dryRun, committed: committed,
            shownErrors: Array(all.prefix(500)), moreErrors: max(0, all.count - 500), running: running,
            phase: phase, read: job?.read ?? 0, written: job?.written ?? 0, total: job?.total ?? 0,
            commitURL: nothingToWrite ? nil : job.flatMap { $0.kept == nil ? nil : Endpoint.recordImportCommit.url(kind.id, $0.id.uuidString).path },
            nothingToWrite: nothingToWrite,
            keepExtra: job?.options.keepExtra ?? options.keepExtra, update: job?.options.update ?? options.update,
            naturalKey: kind.naturalKey.map { $0 == LedgerKind.unitKey ? "责任单位" : kind.field($0)?.label ?? $0 }.joined(separator: "、")),
                                    status: status, section: KindSummary(kind).systemPath)
    }

    /// The job's page: progress while it runs (refreshing itself), the result when done.
    func importJob(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try RecordController.writableKind(req, p)
        guard let id = req.parameters.get("job").flatMap(UUID.init(uuidString:)), let job = req.lvze.imports.get(id),
              job.userID == p.userID, job.kind == kind.id else { throw Abort(.notFound, reason: "导入任务不存在或已过期") }
        let failed = job.phase == .failed || !(job.report?.errors.isEmpty ?? true)
        let response = try await render(req, kind: kind, unit: job.unit, report: job.report, errors: job.errors, dryRun: job.dryRun,
                                        committed: job.phase == .done && !job.dryRun && !failed,
                                        status: failed ? .unprocessableEntity : .ok, job: job)
        if [.queued, .reading, .writing].contains(job.phase) { response.headers.replaceOrAdd(name: "Refresh", value: "1") }
        return response
    }

    func importFile(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try RecordController.writableKind(req, p)
        let unitCode = (req.formText("unit") ?? p.unit.code).trimmingCharacters(in: .whitespaces)
        let dryRun = (req.formText("mode") ?? "dry") != "commit"
        let options = options(req)
        guard let file = req.formFile("file"), file.data.readableBytes > 0 else {
            return try await render(req, kind: kind, unit: unitCode, report: nil, errors: ["«文件»：请选择要导入的 Excel（.xlsx、.xls）或 CSV 文件"],
                                    dryRun: dryRun, committed: false, status: .unprocessableEntity, options: options)
        }
        // A code, or else the name of one unit in scope.
        var units = try await OrgUnit.query(on: req.db).filter(\.$code == unitCode).all().filter { p.covers($0) }
        if units.isEmpty { units = try await OrgUnit.query(on: req.db).within(p.scope).filter(\.$name == unitCode).limit(2).all() }
        guard units.count == 1, let unit = units.first else {
            let problem = units.count > 1 ? "名为「\(unitCode)」的单位不止一个，请填写单位代码" : "「\(unitCode)」不存在或不在您的管理范围内"
            return try await render(req, kind: kind, unit: unitCode, report: nil, errors: ["«导入到单位»：\(problem)"],
                                    dryRun: dryRun, committed: false, status: .unprocessableEntity)
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("lvze-import-\(UUID().uuidString)")
        try Data(buffer: file.data).write(to: url)
        // The file is opened here so a broken file is reported at once, on this page.
        let source: LedgerImporter.Source
        do {
            source = try LedgerImporter.open(url, name: file.filename)
        } catch let failure as ValidationFailure {
            try? FileManager.default.removeItem(at: url)
            return try await render(req, kind: kind, unit: unitCode, report: nil, errors: failure.errors.map(\.description),
                                    dryRun: dryRun, committed: false, status: .unprocessableEntity)
        }
        let id = try start(req, p, kind: kind, unit: unit, url: url, source: source, fileName: file.filename, dryRun: dryRun, options: options)
        return req.redirect(to: Endpoint.recordImportJob.url(kind.id, id.uuidString).path)
    }

    /// Imports the file a clean dry run kept, without choosing it again.
    func commitImport(req: Request) async throws -> Response {
        let p = try req.requirePrincipal()
        let kind = try RecordController.writableKind(req, p)
        guard let id = req.parameters.get("job").flatMap(UUID.init(uuidString:)), let job = req.lvze.imports.get(id),
              job.userID == p.userID, job.kind == kind.id else { throw Abort(.notFound, reason: "导入任务不存在或已过期") }
        guard let unit = try await OrgUnit.query(on: req.db).filter(\.$code == job.unit).first(), p.covers(unit),
              let (url, name) = req.lvze.imports.takeKept(id) else {
            return req.redirect(to: Endpoint.recordImport.url(kind.id).path, flash: "!试导入的文件已导入或已过期，请重新选择文件")
        }
        let source: LedgerImporter.Source
        do {
            source = try LedgerImporter.open(url, name: name)
        } catch let failure as ValidationFailure {
            try? FileManager.default.removeItem(at: url)
            return try await render(req, kind: kind, unit: unit.code, report: nil, errors: failure.errors.map(\.description),
                                    dryRun: false, committed: false, status: .unprocessableEntity)
        }
        // The confirmation imports as the dry run read: with the same choices.
        let next = try start(req, p, kind: kind, unit: unit, url: url, source: source, fileName: name, dryRun: false, options: job.options)
        return req.redirect(to: Endpoint.recordImportJob.url(kind.id, next.uuidString).path)
    }

    /// Starts an import job in the background; a clean dry run keeps its file for the confirmation.
    private func start(_ req: Request, _ p: Principal, kind: LedgerKind, unit: OrgUnit, url: URL, source: LedgerImporter.Source,
                       fileName: String, dryRun: Bool, options: LedgerImporter.Options) throws -> UUID {
        var job = ImportJobs.Job(id: UUID(), kind: kind.id, userID: p.userID, unit: unit.code, dryRun: dryRun, started: req.now)
        job.options = options
        let jobs = req.lvze.imports
        jobs.start(job)
        let settings = req.lvze.settings
        var importer = LedgerImporter(kind: kind, db: req.application.db, scope: p.scope, defaultUnit: unit, setting: { settings.number($0) },
                                      readers: req.lvze.importPool)
        importer.options = options
        // The import outlives the request: it writes through the application's database.
        let service = req.application.records(as: RecordActor(p, address: req.clientAddress), at: req.now)
        let id = job.id
        let logger = req.logger
        let limit = req.lvze.settings.int(ImportJobs.concurrencyKey)
        let lvze = req.lvze, userID = p.userID
        Task {
            var keep = false
            defer { if !keep { try? FileManager.default.removeItem(at: url) } }
            await jobs.waitForTurn(id, limit: limit)
            defer { LedgerImporter.releaseMemory() }
            do {
                let writer = dryRun ? nil : service
                let report = try await importer.run(source, fileName: fileName, writer: writer) { p in
                    jobs.update(id) { $0.read = p.read; $0.written = p.written }
                }
                keep = dryRun && report.errors.isEmpty && report.rows > 0
                // Cached pages (dashboards, 整改督办) count the records this import wrote.
                if !dryRun, report.errors.isEmpty { lvze.noteWrite(user: userID) }
                let kept = keep ? url : nil
                jobs.update(id) { [report] in $0.report = report; $0.phase = .done; $0.kept = kept; $0.fileName = fileName }
            } catch let failure as ValidationFailure {
                jobs.update(id) { $0.errors = failure.errors.map(\.description); $0.phase = .failed }
            } catch let error as SpreadsheetError {
                jobs.update(id) { $0.errors = ["«文件»：\(error.message)"]; $0.phase = .failed }
            } catch {
                let reference = String(UUID().uuidString.prefix(8)).lowercased()
                logger.error("import failed", metadata: ["reference": .string(reference), "error": .string(String(reflecting: error))])
                jobs.update(id) { $0.errors = ["导入时出错，未导入任何记录。请把参考编号 \(reference) 告知系统管理员。"]; $0.phase = .failed }
            }
        }
        return id
    }
}
