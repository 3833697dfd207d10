import ConsoleKit
import Fluent
import Foundation
import LvzeCore
import LvzeOffice
import Vapor

/// `lvze report --unit CODE --year Y --format json|html|docx [--template FILE] --out FILE`
struct ReportCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "unit", help: "报告单位代码（含下级）") var unit: String?
        @Option(name: "year", help: "报告年度") var year: Int?
        @Option(name: "format", help: "json、html 或 docx（默认按 --out 的扩展名）") var format: String?
        @Option(name: "template", help: "报告模板文本文件（默认用内置模板）") var template: String?
        @Option(name: "out", help: "输出文件；json 可省略，打印到屏幕") var out: String?
        @Flag(name: "print-sql", help: "打印计算指标时执行的全部SQL（值已代入，供 sqlite3 对照测速）") var printSQL: Bool
        @Flag(name: "timing", help: "在标准错误输出计算、排版和写文件所用时间") var timing: Bool
        init() {}
    }

    var help: String { "由台账记录生成年度述职报告（JSON、HTML 或 Word）" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let code = signature.unit, !code.isEmpty else { throw CLIError("--unit：必须指定报告单位代码") }
        guard let unit = try await OrgUnit.query(on: app.db).filter(\.$code == code).first() else {
            throw CLIError("--unit：单位代码「\(code)」不存在")
        }
        guard let year = signature.year else { throw CLIError("--year：必须指定报告年度") }
        guard (2000...2100).contains(year) else { throw CLIError("--year：「\(year)」不是有效年度") }
        let out = signature.out ?? ""
        let formatText = signature.format ?? (out.isEmpty ? "json" : URL(fileURLWithPath: out).pathExtension.lowercased())
        guard let format = ReportFormat(rawValue: formatText) else { throw CLIError("--format：「\(formatText)」不对，应为 json、html 或 docx") }
        if format != .json, out.isEmpty, !signature.printSQL { throw CLIError("--out：\(format.rawValue) 格式须指定输出文件") }
        var templateText = ReportTemplate.defaultText
        if let path = signature.template {
            guard let data = FileManager.default.contents(atPath: path) else { throw CLIError("--template：文件「\(path)」不存在或无法读取") }
            guard let text = String(data: data, encoding: .utf8) else { throw CLIError("--template：文件「\(path)」不是 UTF-8 文本") }
            templateText = text
        }
        var builder = ReportBuilder(app: app, unit: unit, year: year, templateText: templateText, everyMetric: format == .json)
        builder.recordSQL = signature.printSQL
        let report = try await builder.build()
        if signature.printSQL {
            // psql then runs them as Lvze's own connections do (`PostgresSessionSettings`).
            if app.db.dialect == .postgres {
                for (name, value) in PostgresSessionSettings.startup { context.console.print("SET \(name) = \(value);") }
            }
            for line in report.sql { context.console.print(line) }
            return
        }
        let writing = Date()
        let data: Data
        switch format {
        case .json: data = try report.json()
        case .html: data = Data(ReportHTML(report: report, links: false).page().rendered.utf8)
        case .docx: data = try DocxWriter.data(report.document)
        }
        if signature.timing {
            let line = String(format: "timing: metrics=%d evaluate=%.3fs render=%.3fs write(%@)=%.3fs\n", report.values.count,
                              report.evaluationSeconds, report.renderSeconds, format.rawValue, Date().timeIntervalSince(writing))
            FileHandle.standardError.write(Data(line.utf8))
        }
        if out.isEmpty {
            context.console.print(String(decoding: data, as: UTF8.self))
        } else {
            try data.write(to: URL(fileURLWithPath: out))
            let issues = report.problems.count + report.attention.count
            context.console.print("已生成\(unit.name)\(year)年度报告：\(out)（\(report.values.count)项指标\(issues > 0 ? "，\(issues)处需要注意" : "")）")
        }
        for p in report.problems { context.console.print("模板问题：\(p.description)") }
        for a in report.attention { context.console.print("注意：\(a)") }
    }
}

enum ReportFormat: String {
    case json, html, docx
}
