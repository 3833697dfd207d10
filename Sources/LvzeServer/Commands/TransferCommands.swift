import ConsoleKit
import Fluent
import Foundation
import LvzeCore
import LvzeOffice
import Vapor

/// `lvze import KIND FILE --unit CODE [--dry-run]`: the same checks as the import page;
/// exits 1 with every problem listed, importing nothing, when the file has any error.
package struct ImportCommand: AsyncCommand {
    package struct Signature: CommandSignature {
        @Argument(name: "kind", help: "台账编号，如 hazard、rectification") package var kind: String
        @Argument(name: "file", help: "Excel（.xlsx、.xls）或 CSV 文件") package var file: String
        @Option(name: "unit", help: "导入到的单位代码（表中有“责任单位”列时以该列为准）") package var unit: String?
        @Flag(name: "dry-run", help: "只检查，不保存") package var dryRun: Bool
        @Flag(name: "keep-extra", help: "未匹配的列作为备注保存（“列名：内容”）") package var keepExtra: Bool
        @Flag(name: "update", help: "按表格更新系统中已有的同一条记录（默认只新增，不修改已有记录）") package var update: Bool
        package init() {}
    }

    package var help: String { "从 Excel 或 CSV 导入台账记录" }

    package func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let kind = app.lvze.catalogue[signature.kind] else {
            throw CLIError("没有编号为「\(signature.kind)」的台账，可用：\(app.lvze.catalogue.catalogue.kinds.map(\.id).joined(separator: ", "))")
        }
        guard let code = signature.unit, !code.isEmpty else { throw CLIError("--unit：必须指定导入到的单位代码") }
        guard let unit = try await OrgUnit.query(on: app.db).filter(\.$code == code).first() else {
            throw CLIError("--unit：单位代码「\(code)」不存在")
        }
        let url = URL(fileURLWithPath: signature.file)
        guard FileManager.default.isReadableFile(atPath: url.path) else { throw CLIError("文件「\(signature.file)」不存在或无法读取") }
        let settings = app.lvze.settings
        var importer = LedgerImporter(kind: kind, db: app.db, scope: unit.unitPath, defaultUnit: unit, setting: { settings.number($0) },
                                      readers: app.threadPool)
        importer.options.keepExtra = signature.keepExtra
        importer.options.update = signature.update
        let bar = ProgressLine(label: signature.dryRun ? "读取" : "导入")
        let report: LedgerImporter.Report
        do {
            let source = try LedgerImporter.open(url, name: url.lastPathComponent)
            let writer = signature.dryRun ? nil : app.records(as: .commandLine(scope: unit.unitPath))
            report = try await importer.run(source, fileName: url.lastPathComponent, writer: writer) { bar.update($0.read) }
        } catch let failure as ValidationFailure {
            throw CLIError(failure.errors.map(\.description).joined(separator: "\n"))
        } catch let error as SpreadsheetError {
            throw CLIError(error.message)
        }
        bar.finish()
        if !report.errors.isEmpty {
            throw CLIError("文件有\(report.errors.count)处错误，未导入任何记录：\n" + report.errors.joined(separator: "\n"))
        }
        context.console.print("表头在第\(report.headerRow)行，可导入\(report.rows)条，跳过空行和合计行\(report.skipped)行")
        let unimported = report.sheetColumns.filter { !$0.imported }
        if !unimported.isEmpty {
            context.console.print("未导入的列：" + unimported.map { "\($0.letter)列「\($0.header)」" }.joined(separator: "、")
                                  + (report.extraColumns > 0 ? "（加 --keep-extra 可作为备注保存）" : ""))
        }
        if report.changed + report.unchanged > 0 {
            let changed = signature.update ? (signature.dryRun ? "将更新" : "更新") : "与系统中不同（未更新，加 --update 才更新）"
            context.console.print("新增\(report.new)条，\(changed)\(report.changed)条，无变化\(report.unchanged)条")
            for line in report.changes.prefix(20) { context.console.print("  " + line) }
            if report.changes.count > 20 { context.console.print("  ……另有\(report.changed - 20)条") }
        }
        if !report.states.isEmpty {
            context.console.print("按表中所载状态：" + report.states.map { "\($0.state)\($0.count)条" }.joined(separator: "，"))
        }
        if signature.dryRun {
            context.console.print("试导入完成，未保存（去掉 --dry-run 即导入）")
            return
        }
        let count = report.committed
        if count == 0, !(signature.update && report.changed > 0) {
            context.console.print("表中没有新的记录\(report.changed > 0 ? "（与系统中不同的\(report.changed)条未更新）" : "")，未写入任何内容")
            return
        }
        let updated = signature.update && report.changed > 0 ? "，更新已有记录\(report.changed)条" : ""
        context.console.print("已导入「\(kind.name)」\(count)条记录\(updated)")
    }
}

/// `lvze export KIND --unit CODE [--year Y] [--format xlsx|csv] --out FILE`
package struct ExportCommand: AsyncCommand {
    package struct Signature: CommandSignature {
        @Argument(name: "kind", help: "台账编号") package var kind: String
        @Option(name: "unit", help: "单位代码（含下级）") package var unit: String?
        @Option(name: "year", help: "年度") package var year: Int?
        @Option(name: "format", help: "xlsx（默认）或 csv") package var format: String?
        @Option(name: "out", help: "输出文件") package var out: String?
        package init() {}
    }

    package var help: String { "把台账导出为 Excel 或 CSV" }

    package func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let kind = app.lvze.catalogue[signature.kind] else { throw CLIError("没有编号为「\(signature.kind)」的台账") }
        guard let code = signature.unit, !code.isEmpty else { throw CLIError("--unit：必须指定单位代码") }
        guard let unit = try await OrgUnit.query(on: app.db).filter(\.$code == code).first() else { throw CLIError("--unit：单位代码「\(code)」不存在") }
        guard let out = signature.out, !out.isEmpty else { throw CLIError("--out：必须指定输出文件") }
        let formatText = signature.format ?? (out.lowercased().hasSuffix(".csv") ? "csv" : "xlsx")
        guard let format = LedgerExporter.Format(rawValue: formatText) else { throw CLIError("--format：应为 xlsx 或 csv") }
        if let y = signature.year, !(1900...2200).contains(y) { throw CLIError("--year：「\(y)」不是年份") }
        var filter = RecordFilter(kind: kind, scope: unit.unitPath)
        filter.year = signature.year
        let url = URL(fileURLWithPath: out)
        let count = try await LedgerExporter(kind: kind, db: app.db, today: LocalDate(app.lvze.clock.now())).write(filter, format: format, to: url, threadPool: app.threadPool)
        try await app.lvze.audit.append(.export, actor: .system("cli"), objectType: kind.id, objectID: "",
                                        summary: "命令行导出「\(kind.name)」\(count)条记录到 \(url.lastPathComponent)", at: app.lvze.clock.now(), on: app.db)
        context.console.print("已导出「\(kind.name)」\(count)条记录：\(url.path)")
    }
}

/// A one-line progress display on standard error, redrawn in place.
package final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let total: Int?
    private let lock = NSLock()
    private var last = Date.distantPast

    package init(label: String, total: Int? = nil) {
        self.label = label
        self.total = total
    }

    package func update(_ done: Int) {
        lock.lock(); defer { lock.unlock() }
        guard Date().timeIntervalSince(last) > 0.1 else { return }
        last = Date()
        draw(done)
    }

    private func draw(_ done: Int) {
        var line = "\r\(label) \(done)行"
        if let total, total > 0 {
            let width = 30, filled = min(width, done * width / total)
            line = "\r\(label) [" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "] \(done)/\(total)"
        }
        FileHandle.standardError.write(Data(line.utf8))
    }

    package func finish() {
        FileHandle.standardError.write(Data("\n".utf8))
    }
}
