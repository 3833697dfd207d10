@testable import LvzeCore
import XCTest

/// The record document: written by `encode`, read back by the byte scanner, which must agree
/// with Foundation's parser on everything a record can hold.
final class FieldJSONTests: XCTestCase {
    let kind = LedgerKind(id: "k", name: "测试", system: .common, fields: [
        FieldSpec(id: "text", label: "文本", type: .text),
        FieldSpec(id: "long", label: "长文本", type: .longText),
        FieldSpec(id: "n", label: "整数", type: .integer),
        FieldSpec(id: "money", label: "金额", type: .money),
        FieldSpec(id: "day", label: "日期", type: .date),
        FieldSpec(id: "level", label: "等级", type: .enumeration, values: ["一般", "重大"]),
        FieldSpec(id: "flag", label: "是否", type: .boolean),
        FieldSpec(id: "unit", label: "单位", type: .unit),
        FieldSpec(id: "files", label: "附件", type: .attachments),
    ], listColumns: ["text"], titleField: "text")

    func testEveryValueRoundTrips() {
        // setup
        let values: [String: FieldValue] = [
            "text": .text("引号\"、反斜杠\\、制表\t与换行\n"), "long": .text("第一段\r\n第二段 é 😀"),
            "n": .integer(-42), "money": .decimal(Decimal(string: "1234.56")!), "day": .date(LocalDate(year: 2025, month: 3, day: 5)!),
            "level": .text("重大"), "flag": .boolean(true), "unit": .reference(17), "files": .attachments([3, 4]),
        ]
        // act
        let text = FieldJSON.encode(values)
        // check
        XCTAssertEqual(FieldJSON.decode(text, kind: kind), values)
        XCTAssertEqual(FieldJSON.decodeWithFoundation(text, fields: kind.fields), values)
        XCTAssertEqual(FieldJSON.encode(values, sortedKeys: kind.fields.map(\.id).sorted()), text)
        XCTAssertEqual(FieldJSON.encode(values, sortedKeys: ["text"]), text, "an unlisted key falls back to sorting them all")
    }

    func testScannerAgreesWithFoundationOnOtherWriters() {
        // Documents as other JSON writers (earlier versions, other tools) spell them.
        let documents = [
            #"{"text":"a\/b \u00e9\u4e2d \ud83d\ude00","n":3.0,"money":12,"flag":1,"files":[],"unit":5}"#,
            #" { "text" : "x" , "level":"一般", "flag" : false , "day":"2025-02-28", "n":null } "#,
            #"{"day":"2025-02-30","n":"7","money":"0.10"}"#,
            #"{}"#,
        ]
        for document in documents {
            XCTAssertEqual(FieldJSON.decode(document, kind: kind), FieldJSON.decodeWithFoundation(document, fields: kind.fields), document)
        }
    }

    func testShapesTheScannerDoesNotReadGoToFoundation() {
        XCTAssertNil(Array(#"{"a":{"b":1}}"#.utf8).withUnsafeBufferPointer { FlatObject.parse($0) })
        XCTAssertEqual(FieldJSON.decode(#"{"text":"x","nested":{"b":[1,{"c":2}]}}"#, kind: kind), ["text": .text("x")])
        XCTAssertEqual(FieldJSON.decode("not json", kind: kind), [:])
        XCTAssertEqual(FieldJSON.decode(#"{"text":"unterminated}"#, kind: kind), [:])
    }

    func testOnlyTheAskedFieldsAreRead() {
        let text = FieldJSON.encode(["text": .text("标题"), "n": .integer(1), "level": .text("一般")])
        XCTAssertEqual(FieldJSON.decode(text, fields: [kind.field("level")!]), ["level": .text("一般")])
    }
}
