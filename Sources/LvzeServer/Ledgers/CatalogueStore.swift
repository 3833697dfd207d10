import Fluent
import Foundation
import LvzeCore
import NIOConcurrencyHelpers

/// The catalogue the server runs with: the YAML files shipped in the bundle, checked at
/// start (a bad file stops start naming file and line), plus custom ledgers from the
/// database, which administrators add and extend without a restart.
package final class CatalogueStore: Sendable {
    private let current = NIOLockedValueBox(Catalogue([]))
    private let currentMetrics = NIOLockedValueBox(MetricCatalogue([]))

    /// The report metrics (built in; custom ledgers add none yet).
    package var metrics: MetricCatalogue {
        get { currentMetrics.withLockedValue { $0 } }
    }

    package func setMetrics(_ m: MetricCatalogue) { currentMetrics.withLockedValue { $0 = m } }

    package var catalogue: Catalogue { current.withLockedValue { $0 } }
    package subscript(id: String) -> LedgerKind? { catalogue[id] }

    /// The built-in files, in a fixed order: common first, then the four systems.
    package static let files = ["common.yaml", "party.yaml", "integrity.yaml", "ideology.yaml", "safety.yaml"]

    package static func loadBuiltIn(from directory: URL) throws -> [LedgerKind] {
        var kinds: [LedgerKind] = []
        for file in files {
            let url = directory.appendingPathComponent(file)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw StartupError("台账目录文件缺失或无法读取：\(url.path)")
            }
            do {
                for kind in try parsedKinds(text, file: file) {
                    if kinds.contains(where: { $0.id == kind.id }) {
                        throw StartupError("台账目录「\(file)」：台账编号「\(kind.id)」与其他文件重复")
                    }
                    kinds.append(kind)
                }
            } catch let error as CatalogueError {
                throw StartupError("台账目录有误，系统未启动。\(error.description)")
            }
        }
        return kinds
    }

    /// Each file's kinds as parsed before, by file and text: the files are fixed for a process,
    /// and parsing them again was a tenth of every test application's start.
    private static let parsed = NIOLockedValueBox<[String: [LedgerKind]]>([:])

    private static func parsedKinds(_ text: String, file: String) throws -> [LedgerKind] {
        let key = file + "\u{0}" + text
        if let kinds = parsed.withLockedValue({ $0[key] }) { return kinds }
        let kinds = try CatalogueLoader.load(yaml: text, file: file)
        parsed.withLockedValue { $0[key] = kinds }
        return kinds
    }

    /// The metric files, one per system, checked against the built-in kinds.
    package static let metricFiles = ["metrics-party.yaml", "metrics-integrity.yaml", "metrics-ideology.yaml", "metrics-safety.yaml"]

    /// Each dashboard's key figures, by metric id.
    package static let dashboardFile = "dashboards.yaml"

    package static func loadMetrics(from directory: URL, kinds: [LedgerKind]) throws -> MetricCatalogue {
        let catalogue = Catalogue(kinds)
        var metrics: [MetricDefinition] = []
        do {
            for file in metricFiles {
                let url = directory.appendingPathComponent(file)
                guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                    throw StartupError("指标目录文件缺失或无法读取：\(url.path)")
                }
                metrics += try MetricCatalogueLoader.load(yaml: text, file: file, catalogue: catalogue)
            }
            try MetricCatalogueLoader.checkReferences(metrics, file: metricFiles.joined(separator: "、"))
        } catch let error as CatalogueError {
            throw StartupError("指标目录有误，系统未启动。\(error.description)")
        }
        var catalogueOfMetrics = MetricCatalogue(metrics)
        let url = directory.appendingPathComponent(dashboardFile)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            throw StartupError("看板目录文件缺失或无法读取：\(url.path)")
        }
        do {
            let boards = Set(DashboardController.Board.allCases.map(\.rawValue))
            for d in try DashboardLoader.load(yaml: text, file: dashboardFile, metrics: catalogueOfMetrics, boards: boards) {
                catalogueOfMetrics.dashboards[d.board] = d
            }
        } catch let error as CatalogueError {
            throw StartupError("看板目录有误，系统未启动。\(error.description)")
        }
        return catalogueOfMetrics
    }

    package func load(builtIn: [LedgerKind], on db: any Database) async throws {
        var catalogue = Catalogue(builtIn)
        for row in try await CustomKind.query(on: db).all() {
            if let kind = try? JSONDecoder().decode(LedgerKind.self, from: Data(row.definition.utf8)) {
                catalogue.upsert(kind)
            }
        }
        current.withLockedValue { $0 = catalogue }
    }

    package func upsert(_ kind: LedgerKind) {
        current.withLockedValue { $0.upsert(kind) }
    }
}
