/// Where a ledger belongs in the navigation: one of the four responsibility systems, or
/// common to all (rectification items, meetings, circulars).
public enum LedgerSystem: String, CaseIterable, Sendable, Codable {
    case party, integrity, ideology, safety, common

    public var label: String {
        switch self {
        case .party: return "基层党建"
        case .integrity: return "党风廉政建设"
        case .ideology: return "意识形态"
        case .safety: return "安全生产"
        case .common: return "综合"
        }
    }
}

/// A ledger kind (台账): its fields, how it lists, which Excel headers it accepts, whether
/// it follows the rectification workflow, and who may read and write it.
public struct LedgerKind: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    public var system: LedgerSystem
    public var fields: [FieldSpec]
    /// Field ids shown as list columns, in order.
    public var listColumns: [String]
    /// The field whose text names a record in lists, links and audit entries.
    public var titleField: String
    /// The date field that places a record in a year ("in Y"); nil means the day it was entered.
    public var dateField: String?
    /// The money or number field summed into the record's indexed amount column.
    public var amountField: String?
    public var workflow: Bool
    public var readers: Set<Role>
    public var writers: Set<Role>
    /// Sensitive ledgers (discipline): every read of a record is audited.
    public var sensitive: Bool
    /// False for a ledger an administrator added from a page.
    public var builtIn: Bool
    public var description: String
    /// Values computed from the record's fields (the accident grade), never typed.
    public var computed: [ComputedField]
    /// Rules beyond field types: dates in order, filing ahead, a plan before close-out.
    public var rules: [KindRule]
    /// For a ledger shared by the four systems: the enum field naming the system a record
    /// belongs to (values 基层党建, 党风廉政建设, 意识形态, 安全生产).
    public var systemField: String?
    /// What identifies one record of this kind in a sheet sent again (`natural_key`): field ids
    /// and `unit` (the responsible unit). Empty: the unit, the kind's date and its title.
    public var declaredKey: [String]

    public init(id: String, name: String, system: LedgerSystem, fields: [FieldSpec], listColumns: [String],
                titleField: String, dateField: String? = nil, amountField: String? = nil, workflow: Bool = false,
                readers: Set<Role> = LedgerKind.defaultReaders, writers: Set<Role> = [.clerk], sensitive: Bool = false,
                builtIn: Bool = true, description: String = "", computed: [ComputedField] = [], rules: [KindRule] = [], systemField: String? = nil,
                naturalKey: [String] = []) {
        self.declaredKey = naturalKey
        self.id = id
        self.name = name
        self.system = system
        self.fields = fields
        self.listColumns = listColumns
        self.titleField = titleField
        self.dateField = dateField
        self.amountField = amountField
        self.workflow = workflow
        self.readers = readers
        self.writers = writers
        self.sensitive = sensitive
        self.builtIn = builtIn
        self.description = description
        self.computed = computed
        self.rules = rules
        self.systemField = systemField
    }

    /// The responsibility system a record of this kind belongs to: the kind's own, or for a
    /// shared kind the value of its `systemField`; nil when the record does not say.
    public func responsibilitySystem(_ values: [String: FieldValue]) -> LedgerSystem? {
        guard system == .common else { return system }
        guard let f = systemField, let label = values[f]?.display else { return nil }
        return LedgerSystem.allCases.first { $0.label == label }
    }

    private enum CodingKeys: String, CodingKey {
        case id, name, system, fields, listColumns, titleField, dateField, amountField, workflow, readers, writers, sensitive
        case builtIn, description, computed, rules, systemField
        case declaredKey = "naturalKey"
    }

    /// Custom ledgers stored before computed fields and rules existed decode with none.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(id: try c.decode(String.self, forKey: .id), name: try c.decode(String.self, forKey: .name),
                  system: try c.decode(LedgerSystem.self, forKey: .system), fields: try c.decode([FieldSpec].self, forKey: .fields),
                  listColumns: try c.decode([String].self, forKey: .listColumns), titleField: try c.decode(String.self, forKey: .titleField),
                  dateField: try c.decodeIfPresent(String.self, forKey: .dateField),
                  amountField: try c.decodeIfPresent(String.self, forKey: .amountField),
                  workflow: try c.decode(Bool.self, forKey: .workflow), readers: try c.decode(Set<Role>.self, forKey: .readers),
                  writers: try c.decode(Set<Role>.self, forKey: .writers), sensitive: try c.decode(Bool.self, forKey: .sensitive),
                  builtIn: try c.decode(Bool.self, forKey: .builtIn), description: try c.decode(String.self, forKey: .description),
                  computed: try c.decodeIfPresent([ComputedField].self, forKey: .computed) ?? [],
                  rules: try c.decodeIfPresent([KindRule].self, forKey: .rules) ?? [],
                  systemField: try c.decodeIfPresent(String.self, forKey: .systemField),
                  naturalKey: try c.decodeIfPresent([String].self, forKey: .declaredKey) ?? [])
    }

    /// The pseudo-field of a natural key naming the record's responsible unit.
    public static let unitKey = "unit"

    /// The natural key in use: the declared one, or the unit, the date and the title.
    public var naturalKey: [String] {
        if !declaredKey.isEmpty { return declaredKey }
        var key = [Self.unitKey]
        for f in [dateField, titleField].compactMap({ $0 }) where !key.contains(f) { key.append(f) }
        return key
    }

    /// A record's natural key as one text: equal texts, the same record of a sheet sent again.
    /// A ledger's 序号 is never part of it (rows are renumbered); spaces at either end do not count.
    public func naturalKeyText(unitID: Int, values: [String: FieldValue]) -> String {
        var out = ""
        for f in naturalKey {
            if !out.isEmpty { out += "\u{1F}" }
            if f == Self.unitKey { out += String(unitID) } else { out += values[f]?.display ?? "" }
        }
        return out
    }

    public static let defaultReaders: Set<Role> = [.leader, .clerk, .reviewer, .discipline]

    public func field(_ id: String) -> FieldSpec? { fields.first { $0.id == id } }

    /// The fields every workflow ledger has (问题来源, 整改措施, 责任人, 整改时限, 整改进展,
    /// 佐证材料); a catalogue may declare them itself to change labels or aliases.
    public static let workflowFields: [FieldSpec] = [
        FieldSpec(id: "source", label: "问题来源", type: .enumeration, required: true,
                  values: ["巡视", "巡察", "督察", "督导", "上级点评", "自我查摆", "检查发现", "群众反映", "其他"],
                  aliases: ["来源"]),
        FieldSpec(id: "measures", label: "整改措施", type: .longText, aliases: ["整改要求", "治理措施"]),
        FieldSpec(id: "responsible_person", label: "责任人", type: .text,
                  aliases: ["整改责任人", "整改第一责任人", "第一责任人"]),
        FieldSpec(id: "deadline", label: "整改时限", type: .date, required: true,
                  aliases: ["完成时限", "整改期限", "整改时间"]),
        FieldSpec(id: "progress", label: "整改进展（%）", type: .integer, aliases: ["整改进展", "进度", "完成进度"],
                  min: 0, max: 100),
        FieldSpec(id: "evidence", label: "佐证材料", type: .attachments, aliases: ["附件"]),
    ]
}

/// All ledger kinds known to the server: the built-in catalogue plus custom ledgers.
public struct Catalogue: Sendable {
    public private(set) var kinds: [LedgerKind]
    private var index: [String: Int]

    public init(_ kinds: [LedgerKind]) {
        self.kinds = kinds
        self.index = Dictionary(kinds.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public subscript(id: String) -> LedgerKind? { index[id].map { kinds[$0] } }

    public func kinds(in system: LedgerSystem) -> [LedgerKind] { kinds.filter { $0.system == system } }

    /// Adds or replaces a kind (custom ledgers change at run time).
    public mutating func upsert(_ kind: LedgerKind) {
        if let i = index[kind.id] { kinds[i] = kind } else {
            index[kind.id] = kinds.count
            kinds.append(kind)
        }
    }
}

extension LedgerKind {
    /// How many of a kind's enum and yes/no fields have their values copied into indexed
    /// record columns (`f1`…`f3`).
    public static let filterSlotCount = 3

    /// The kind's first enum and yes/no fields in declaration order, one per indexed record
    /// column: filtering by them reads an index; other enum fields are read from the JSON.
    public var filterSlots: [String] {
        Array(fields.lazy.filter { $0.type == .enumeration || $0.type == .boolean }.prefix(Self.filterSlotCount).map(\.id))
    }

    /// The text a filter column holds for a value: the option itself, or `true`/`false`.
    public static func slotText(_ value: FieldValue?) -> String? {
        switch value {
        case .text(let s)?: return s
        case .boolean(let b)?: return b ? "true" : "false"
        default: return nil
        }
    }
}
