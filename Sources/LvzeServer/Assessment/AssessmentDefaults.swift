import Foundation
import LvzeCore

/// The 考评细则 shipped with Lvze: a year's rules per system and assessed units, the start of
/// each district's own (the administrator of the year's assessment edits a copy).
package enum AssessmentDefaults {
    package static let files = ["2025-party-town.yaml", "2025-integrity-town.yaml", "2025-ideology-town.yaml", "2025-safety-town.yaml",
                                         "2025-integrity-department.yaml"]

    package static var directory: URL {
        Bundle.module.bundleURL.appendingPathComponent("Resources").appendingPathComponent("Assessment")
    }

    /// Every shipped file, checked against the metric catalogue; a mistake names file and line.
    package static func load(metrics: MetricCatalogue, from directory: URL = directory) throws -> [AssessmentRules] {
        try files.map { file in
            let url = directory.appendingPathComponent(file)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw StartupError("考评细则文件缺失或无法读取：\(url.path)")
            }
            do {
                return try AssessmentRulesLoader.load(yaml: text, file: file, metrics: metrics)
            } catch let error as CatalogueError {
                throw StartupError("考评细则有误。\(error.description)")
            }
        }
    }

    /// The administrator's copy of a shipped file for `year`: the year in its `year:` key, its
    /// title and its comments rewritten (the files are written for 2025), checked again.
    package static func copy(_ index: Int, year: Int, metrics: MetricCatalogue,
                             from directory: URL = directory) throws -> (AssessmentRules, String) {
        let file = files[index]
        let url = directory.appendingPathComponent(file)
        guard var text = try? String(contentsOf: url, encoding: .utf8) else {
            throw StartupError("考评细则文件缺失或无法读取：\(url.path)")
        }
        let shipped = try AssessmentRulesLoader.load(yaml: text, file: file, metrics: metrics)
        if shipped.year != year {
            text = text.replacingOccurrences(of: "year: \(shipped.year)", with: "year: \(year)")
                .replacingOccurrences(of: "\(shipped.year)年度", with: "\(year)年度")
        }
        return (try AssessmentRulesLoader.load(yaml: text, file: file, metrics: metrics), text)
    }

    /// The assessment a 细则 is for: 「2025年度…考核细则」 scores 「2025年度…考核」.
    package static func name(_ rulesTitle: String) -> String {
        rulesTitle.hasSuffix("细则") && rulesTitle.count > 2 ? String(rulesTitle.dropLast(2)) : rulesTitle
    }
}
