/// Every metric and claim the server knows, looked up by id.
public struct MetricCatalogue: Sendable {
    public let metrics: [MetricDefinition]
    public let byID: [String: MetricDefinition]
    public let claims: [String: ClaimDefinition]
    /// Each dashboard's key figures and breakdown, by board name (`dashboards.yaml`).
    public var dashboards: [String: DashboardDeclaration] = [:]

    public init(_ metrics: [MetricDefinition]) {
        self.metrics = metrics
        self.byID = Dictionary(metrics.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.claims = Dictionary(metrics.flatMap(\.claims).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
    }

    public subscript(id: String) -> MetricDefinition? { byID[id] }

    public func metrics(in system: LedgerSystem) -> [MetricDefinition] { metrics.filter { $0.system == system } }

    /// The ids with everything they are computed from, dependencies first, each once.
    public func closure(of ids: [String]) -> [String] {
        var out: [String] = []
        var seen: Set<String> = []
        func visit(_ id: String) {
            guard !seen.contains(id), let m = byID[id] else { return }
            seen.insert(id)
            for d in m.dependencies { visit(d) }
            out.append(id)
        }
        ids.forEach(visit)
        return out
    }
}
