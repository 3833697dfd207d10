import Fluent
import Foundation
import LvzeCore
import NIOConcurrencyHelpers

/// The catalogue the server runs with: the YAML files shipped in the bundle, checked at
/// start (a bad file stops start naming file and line), plus custom ledgers from the
/// database, which administrators add and extend without a restart.
final class CatalogueStore: Sendable {
    private let current = NIOLockedValueBox(Catalogue([]))

    var catalogue: Catalogue { current.withLockedValue { $0 } }
    subscript(id: String) -> LedgerKind? { catalogue[id] }

    /// The built-in files, in a fixed order: common first, then the four systems.
    static let files = ["common.yaml", "party.yaml", "integrity.yaml", "ideology.yaml", "safety.yaml"]

    static func loadBuiltIn(from directory: URL) throws -> [LedgerKind] {
        var kinds: [LedgerKind] = []
        for file in files {
            let url = directory.appendingPathComponent(file)
            guard let text = try? String(contentsOf: url, encoding: .utf8) else {
                throw StartupError("台账目录文件缺失或无法读取：\(url.path)")
            }
            do {
                for kind in try CatalogueLoader.load(yaml: text, file: file) {
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

    func load(builtIn: [LedgerKind], on db: any Database) async throws {
        var catalogue = Catalogue(builtIn)
        for row in try await CustomKind.query(on: db).all() {
            if let kind = try? JSONDecoder().decode(LedgerKind.self, from: Data(row.definition.utf8)) {
                catalogue.upsert(kind)
            }
        }
        current.withLockedValue { $0 = catalogue }
    }

    func upsert(_ kind: LedgerKind) {
        current.withLockedValue { $0.upsert(kind) }
    }
}
