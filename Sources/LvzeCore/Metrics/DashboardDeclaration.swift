import Foundation
import Yams

/// What a dashboard shows at its top and in its breakdown chart, declared in
/// `dashboards.yaml` by metric id, so a district changes its key figures without a build.
///
/// ```yaml
/// dashboards:
///   - board: integrity
///     key: [integrity.clues.disposed, integrity.four_forms.total]
///     breakdown:
///       title: 运用“四种形态”（人次）
///       unit: 人次
///       metrics: [integrity.four_forms.form1, integrity.four_forms.form2]
/// ```
public struct DashboardDeclaration: Sendable, Equatable {
    /// A part-of-a-whole chart: one slice per metric, labelled with the metric's label.
    public struct Breakdown: Sendable, Equatable {
        public var title: String
        public var unit: String
        public var metrics: [String]

        public init(title: String, unit: String, metrics: [String]) {
            self.title = title
            self.unit = unit
            self.metrics = metrics
        }
    }

    /// The board's name in its address (party, integrity, ideology, safety, supervision).
    public var board: String
    /// The key figures, each with the year before and the change.
    public var key: [String]
    public var breakdown: Breakdown?

    public init(board: String, key: [String], breakdown: Breakdown?) {
        self.board = board
        self.key = key
        self.breakdown = breakdown
    }
}

public enum DashboardLoader {
    /// Reads the declarations and checks every metric id against `metrics`; a wrong id or key
    /// stops start naming the line, as a bad metric does.
    public static func load(yaml: String, file: String, metrics: MetricCatalogue, boards: Set<String>) throws -> [DashboardDeclaration] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw CatalogueError(file: file, line: CatalogueLoader.yamlLine(error), message: "YAML格式错误：\(CatalogueLoader.yamlProblem(error))")
        }
        guard let root, let mapping = root.mapping, let list = mapping["dashboards"]?.sequence else {
            throw CatalogueError(file: file, line: root?.mark?.line, message: "文件顶层应为包含 dashboards 列表的映射")
        }
        try CatalogueLoader.checkKeys(mapping, allowed: ["dashboards"], file: file, what: "文件顶层")
        var seen: Set<String> = []
        return try list.map { node in
            guard let m = node.mapping else { throw CatalogueError(file: file, line: node.mark?.line, message: "每个看板应为映射") }
            try CatalogueLoader.checkKeys(m, allowed: ["board", "key", "breakdown"], file: file, what: "看板")
            guard let board = m["board"]?.string, boards.contains(board) else {
                throw CatalogueError(file: file, line: node.mark?.line,
                                     message: "看板名称应为 \(boards.sorted().joined(separator: "、")) 之一")
            }
            guard seen.insert(board).inserted else {
                throw CatalogueError(file: file, line: node.mark?.line, message: "看板「\(board)」重复")
            }
            let key = try ids(m["key"], file: file, line: node.mark?.line, what: "key", metrics: metrics)
            var breakdown: DashboardDeclaration.Breakdown?
            if let b = m["breakdown"] {
                guard let bm = b.mapping else { throw CatalogueError(file: file, line: b.mark?.line, message: "breakdown 应为映射") }
                try CatalogueLoader.checkKeys(bm, allowed: ["title", "unit", "metrics"], file: file, what: "breakdown")
                guard let title = bm["title"]?.string, !title.isEmpty else {
                    throw CatalogueError(file: file, line: b.mark?.line, message: "breakdown 缺少 title")
                }
                breakdown = .init(title: title, unit: bm["unit"]?.string ?? "",
                                  metrics: try ids(bm["metrics"], file: file, line: b.mark?.line, what: "breakdown.metrics", metrics: metrics))
            }
            return DashboardDeclaration(board: board, key: key, breakdown: breakdown)
        }
    }

    private static func ids(_ node: Node?, file: String, line: Int?, what: String, metrics: MetricCatalogue) throws -> [String] {
        guard let seq = node?.sequence, !seq.isEmpty else {
            throw CatalogueError(file: file, line: node?.mark?.line ?? line, message: "\(what) 应为非空的指标编号列表")
        }
        return try seq.map { item in
            guard let id = item.string, metrics[id] != nil else {
                throw CatalogueError(file: file, line: item.mark?.line, message: "指标「\(item.string ?? "")」不存在")
            }
            return id
        }
    }
}
