import LvzeCore
import XCTest

final class DomainVocabularyTests: XCTestCase {
    func testHazardLevels() {
        XCTAssertEqual(HazardLevel.allCases.map(\.rawValue), ["ordinary", "major"])
        XCTAssertEqual(HazardLevel.allCases.map(\.label), ["一般事故隐患", "重大事故隐患"])
        XCTAssertEqual(HazardLevel.allCases.map(\.shortLabel), ["一般隐患", "重大隐患"])
        XCTAssertLessThan(HazardLevel.ordinary, .major)
        XCTAssertFalse(HazardLevel.major < .ordinary)
        for text in ["重大", "重大隐患", "重大事故隐患", "major"] { XCTAssertEqual(HazardLevel.fromLabel(text), .major, text) }
        for text in ["一般", "一般隐患", " 一般事故隐患 "] { XCTAssertEqual(HazardLevel.fromLabel(text), .ordinary, text) }
        XCTAssertNil(HazardLevel.fromLabel("较大"))
        XCTAssertTrue(HazardLevel.major.definition.contains("停产停业"))
        XCTAssertTrue(HazardLevel.ordinary.definition.contains("立即整改排除"))
    }

    func testFiveInPlaceFieldsAreRequiredOnlyForMajorHazards() {
        XCTAssertEqual(HazardPlanField.allCases.map(\.label), ["措施", "资金", "期限", "责任人", "应急预案"])
        XCTAssertEqual(HazardLevel.major.requiredPlanFields, HazardPlanField.allCases)
        XCTAssertEqual(HazardLevel.ordinary.requiredPlanFields, [])
        XCTAssertEqual(HazardLevel.ordinary.closureBlockers(filledPlanFields: []), [])
        XCTAssertEqual(HazardLevel.major.closureBlockers(filledPlanFields: Set(HazardPlanField.allCases)), [])
        XCTAssertEqual(HazardLevel.major.closureBlockers(filledPlanFields: [.measures, .deadline, .responsiblePerson]),
                       ["重大隐患须填写整改方案五到位（措施、资金、期限、责任人、应急预案）后才能申请销号，尚缺：资金、应急预案"])
    }

    func testRiskColours() {
        XCTAssertEqual(RiskColour.allCases.sorted(by: >).map(\.label), ["红", "橙", "黄", "蓝"])
        XCTAssertEqual(RiskColour.allCases.sorted(by: >).map(\.riskLabel), ["重大风险", "较大风险", "一般风险", "低风险"])
        XCTAssertEqual(RiskColour.allCases.map(\.rawValue), ["blue", "yellow", "orange", "red"])
        XCTAssertEqual(RiskColour.fromLabel("橙色"), .orange)
        XCTAssertEqual(RiskColour.fromLabel("重大风险"), .red)
        XCTAssertEqual(RiskColour.fromLabel("蓝"), .blue)
        XCTAssertNil(RiskColour.fromLabel("绿"))
    }

    func testFourForms() {
        XCTAssertEqual(DisciplineForm.allCases.map(\.label), ["第一种形态", "第二种形态", "第三种形态", "第四种形态"])
        XCTAssertEqual(DisciplineForm.allCases.map(\.rawValue), ["first", "second", "third", "fourth"])
        XCTAssertEqual(DisciplineForm.first.definition, "谈话提醒、批评教育、责令检查、诫勉")
        XCTAssertTrue(DisciplineForm.second.definition.contains("严重警告"))
        XCTAssertTrue(DisciplineForm.third.definition.contains("开除党籍"))
        XCTAssertTrue(DisciplineForm.fourth.definition.contains("刑事责任"))
        XCTAssertLessThan(DisciplineForm.second, .third)
        XCTAssertEqual(DisciplineForm.fromLabel("第三种形态"), .third)
        XCTAssertNil(DisciplineForm.fromLabel("第五种形态"))
    }

    func testProblemLeadDisposals() {
        XCTAssertEqual(ProblemLeadDisposal.allCases.map(\.label), ["谈话函询", "初步核实", "暂存待查", "予以了结"])
        XCTAssertEqual(ProblemLeadDisposal.allCases.map(\.rawValue), ["talk_or_letter", "preliminary_verification", "shelved", "concluded"])
        XCTAssertEqual(ProblemLeadDisposal.fromLabel("暂存待查"), .shelved)
        XCTAssertNil(ProblemLeadDisposal.fromLabel("立案审查"))
    }
}
