import Foundation

/// The type of a ledger field, as the catalogue names it.
public enum FieldType: String, CaseIterable, Sendable, Codable {
    case text
    case longText = "longtext"
    case integer
    case decimal
    case money
    case date
    case enumeration = "enum"
    case unit
    case person
    case boolean
    case attachments
    /// 统一社会信用代码, checked by its GB 32100-2015 check character; stored as text.
    case creditCode = "credit_code"

    public var label: String {
        switch self {
        case .text: return "文本"
        case .longText: return "长文本"
        case .integer: return "整数"
        case .decimal: return "小数"
        case .money: return "金额"
        case .date: return "日期"
        case .enumeration: return "选项"
        case .unit: return "单位"
        case .person: return "人员"
        case .boolean: return "是/否"
        case .attachments: return "附件"
        case .creditCode: return "统一社会信用代码"
        }
    }
}

/// The unit money is kept in: ledgers mix 元 and 万元, so each money field says which.
public enum MoneyScale: String, Sendable, Codable, CaseIterable {
    case yuan = "元"
    case tenThousandYuan = "万元"
}

/// One field of a ledger kind.
public struct FieldSpec: Sendable, Equatable, Codable {
    public var id: String
    public var label: String
    public var type: FieldType
    public var required: Bool
    /// Allowed values of an enum field, in display order.
    public var values: [String]
    /// Unit kinds a unit field accepts; empty means any.
    public var unitKinds: [UnitKind]
    public var moneyScale: MoneyScale
    /// Decimal places kept for decimal and money fields.
    public var decimals: Int
    /// Other header texts that mean this field in users' Excel files.
    public var aliases: [String]
    public var help: String
    public var min: Decimal?
    public var max: Decimal?
    /// The value a record gets when a form or file leaves the field out (e.g. a hazard's
    /// source is 检查发现 unless said otherwise).
    public var defaultValue: String?

    public init(id: String, label: String, type: FieldType, required: Bool = false, values: [String] = [],
                unitKinds: [UnitKind] = [], moneyScale: MoneyScale = .yuan, decimals: Int = 2, aliases: [String] = [],
                help: String = "", min: Decimal? = nil, max: Decimal? = nil, defaultValue: String? = nil) {
        self.id = id
        self.label = label
        self.type = type
        self.required = required
        self.values = values
        self.unitKinds = unitKinds
        self.moneyScale = moneyScale
        self.decimals = decimals
        self.aliases = aliases
        self.help = help
        self.min = min
        self.max = max
        self.defaultValue = defaultValue
    }

    /// The label with its unit, for column headers: 整改资金（万元）.
    public var header: String {
        type == .money ? ChineseText.labelled(label, unit: moneyScale.rawValue) : label
    }

    /// Every header text that maps to this field, normalised for matching.
    public var headerKeys: [String] {
        ([label, header, id] + aliases).map(FieldSpec.normaliseHeader)
    }

    /// Header matching ignores spaces, full/half width, line breaks and a trailing unit in brackets.
    public static func normaliseHeader(_ text: String) -> String {
        var t = text.halfWidth.lowercased()
        t.removeAll { $0.isWhitespace || $0 == "*" || $0 == "＊" }
        return t
    }
}
