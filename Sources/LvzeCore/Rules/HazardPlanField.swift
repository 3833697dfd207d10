/// The "five-in-place" (五到位) parts a major hazard's remediation plan must have, per
/// 原国家安监总局令第16号 第十五条 as summarised locally: 措施、资金、期限、责任人、应急预案.
public enum HazardPlanField: String, CaseIterable, Codable, Sendable {
    case measures
    case funds
    case deadline
    case responsiblePerson = "responsible_person"
    case emergencyPlan = "emergency_plan"

    public var label: String {
        switch self {
        case .measures: return "措施"
        case .funds: return "资金"
        case .deadline: return "期限"
        case .responsiblePerson: return "责任人"
        case .emergencyPlan: return "应急预案"
        }
    }
}
