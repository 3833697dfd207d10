import ConsoleKit
import Fluent
import Foundation
import LvzeCore
import Vapor

/// `lvze assessment --year Y [--system party|integrity|ideology|safety] [--assessed town|department] [--unit CODE]
/// --format json|xlsx|docx --out FILE`:
/// every assessed unit with its code, total, 等次 and rank, and each line's score with how it
/// was scored (records, review, bonus, veto) — the kept results once published, live before.
struct AssessmentCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "year", help: "考核年度") var year: Int?
        @Option(name: "system", help: "责任体系：party、integrity、ideology 或 safety（默认该年度全部）") var system: String?
        @Option(name: "assessed", help: "考核对象：town（镇街道）或 department（区直部门）（默认全部）") var assessed: String?
        @Option(name: "unit", help: "组织考核的单位代码（默认全部）") var unit: String?
        @Option(name: "format", help: "json、xlsx 或 docx（默认按 --out 的扩展名）") var format: String?
        @Option(name: "out", help: "输出文件；json 可省略，打印到屏幕") var out: String?
        init() {}
    }

    var help: String { "导出年度考核的得分、等次和排名（JSON、Excel 或 Word）" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let year = signature.year else { throw CLIError("--year：必须指定考核年度") }
        guard (2000...2100).contains(year) else { throw CLIError("--year：「\(year)」不是有效年度") }
        var query = Assessment.query(on: app.db).filter(\.$year == year)
        if let system = signature.system {
            guard let s = LedgerSystem(rawValue: system), s != .common else {
                throw CLIError("--system：「\(system)」不是责任体系，应为 party、integrity、ideology 或 safety")
            }
            query = query.filter(\.$system == s.rawValue)
        }
        if let assessed = signature.assessed {
            guard let a = AssessedUnits(rawValue: assessed) else {
                throw CLIError("--assessed：「\(assessed)」不对，应为 town（镇街道）或 department（区直部门）")
            }
            query = query.filter(\.$assessed == a.rawValue)
        }
        if let code = signature.unit {
            guard let unit = try await OrgUnit.query(on: app.db).filter(\.$code == code).first() else {
                throw CLIError("--unit：单位代码「\(code)」不存在")
            }
            query = query.filter(\.$unit.$id == unit.id!)
        }
        let out = signature.out ?? ""
        let formatText = signature.format ?? (out.isEmpty ? "json" : URL(fileURLWithPath: out).pathExtension.lowercased())
        guard let format = AssessmentExport.Format(rawValue: formatText) else {
            throw CLIError("--format：「\(formatText)」不对，应为 json、xlsx 或 docx")
        }
        if format != .json, out.isEmpty { throw CLIError("--out：\(format.rawValue) 格式须指定输出文件") }
        let found = try await query.sort(\.$system).sort(\.$id).all()
        guard !found.isEmpty else {
            throw CLIError("没有\(year)年度\(signature.system.flatMap { LedgerSystem(rawValue: $0)?.label } ?? "")的考核；请先在「考核」页开展考核")
        }
        if found.count > 1, format != .json {
            throw CLIError("\(year)年度有\(found.count)个考核（\(found.map(\.title).joined(separator: "、"))）；\(format.rawValue) 格式一次导出一个，请用 --system、--assessed 或 --unit 指定")
        }
        let book = AssessmentBook(db: app.db, kinds: app.lvze.catalogue.catalogue, metrics: app.lvze.catalogue.metrics)
        var sources: [AssessmentExport.Source] = []
        for a in found {
            guard let assessing = try await OrgUnit.find(a.$unit.id, on: app.db) else { continue }
            let rules: AssessmentRules
            do {
                rules = try book.rules(a)
            } catch let error as CatalogueError {
                throw CLIError("考核「\(a.title)」的考评细则已不能读取：\(error.description)")
            }
            sources.append(try await AssessmentExport.source(a, assessing: assessing, rules: rules, book: book, at: app.lvze.clock.now()))
        }
        let data: Data
        if format == .json, sources.count > 1 {
            // Several assessments: a JSON array of the same objects.
            let parts = sources.map { String(decoding: AssessmentExport.json($0), as: UTF8.self) }
            data = Data(("[\n" + parts.joined(separator: ",\n") + "\n]").utf8)
        } else {
            data = try AssessmentExport.file(sources[0], format: format)
        }
        if out.isEmpty {
            context.console.print(String(decoding: data, as: UTF8.self))
            return
        }
        do {
            try data.write(to: URL(fileURLWithPath: out), options: .atomic)
        } catch {
            throw CLIError("--out：无法写入「\(out)」：\(error.localizedDescription)")
        }
        for s in sources {
            context.console.print("已导出「\(s.assessment.title)」（\(s.assessment.state)，\(s.results.rows.count)个单位\(s.fixed ? "" : "，结果未公示，为实时计算")）：\(out)")
        }
    }
}
