import Fluent
import Foundation
import LvzeCore
@testable import LvzeServer
import XCTest
import XCTVapor

/// A ZIP archive written by hand: one entry per name, each declaring `declaredSize` bytes
/// uncompressed while holding only an empty deflate block — what a ZIP bomb's directory says.
func handMadeZip(_ entries: [(name: String, declaredSize: UInt32)]) -> Data {
    func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xFF), UInt8(v >> 8)] }
    func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xFF) } }
    let body: [UInt8] = [0x03, 0x00]  // an empty final deflate block
    var out: [UInt8] = [], central: [UInt8] = []
    for e in entries {
        let name = Array(e.name.utf8)
        let offset = UInt32(out.count)
        out += le32(0x0403_4B50) + le16(20) + le16(0) + le16(8) + le16(0) + le16(0x21) + le32(0)
            + le32(UInt32(body.count)) + le32(e.declaredSize) + le16(UInt16(name.count)) + le16(0) + name + body
        central += le32(0x0201_4B50) + le16(20) + le16(20) + le16(0) + le16(8) + le16(0) + le16(0x21) + le32(0)
            + le32(UInt32(body.count)) + le32(e.declaredSize) + le16(UInt16(name.count)) + le16(0) + le16(0) + le16(0) + le16(0)
            + le32(0) + le32(offset) + name
    }
    let centralOffset = UInt32(out.count)
    out += central
    out += le32(0x0605_4B50) + le16(0) + le16(0) + le16(UInt16(entries.count)) + le16(UInt16(entries.count))
        + le32(UInt32(central.count)) + le32(centralOffset) + le16(0)
    return Data(out)
}

/// Evidence files: recognised by their bytes, refused with a message naming the file, stored once.
final class AttachmentStoreTests: XCTestCase {
    var directory: URL!

    override func setUp() {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("attachments-\(UUID().uuidString)")
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: directory)
    }

    func testFilesAreRecognisedByTheirFirstBytesNotTheirNames() {
        let pk: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0]
        let ole: [UInt8] = [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]
        let cases: [(name: String, bytes: [UInt8], file: String, mime: String?)] = [
            ("PDF", Array("%PDF-1.7".utf8), "报告.pdf", "application/pdf"),
            ("PDF named as a picture", Array("%PDF-1.4".utf8), "照片.jpg", "application/pdf"),
            ("PNG", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "a.png", "image/png"),
            ("JPEG", [0xFF, 0xD8, 0xFF, 0xE1], "a.jpeg", "image/jpeg"),
            ("GIF", Array("GIF89a".utf8), "a.gif", "image/gif"),
            ("Word 2007", pk, "a.DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
            ("Excel 2007", pk, "a.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
            ("PowerPoint 2007", pk, "a.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
            ("OFD", pk, "公文.ofd", "application/ofd"),
            ("ZIP by any other name", pk, "a.bin", "application/zip"),
            ("old Excel", ole, "a.xls", "application/vnd.ms-excel"),
            ("old PowerPoint", ole, "a.ppt", "application/vnd.ms-powerpoint"),
            ("old Word", ole, "a.doc", "application/msword"),
            ("old Office without a known name", ole, "a", "application/msword"),
            ("Windows program named as PDF", [0x4D, 0x5A, 0x90, 0x00], "报告.pdf", nil),
            ("plain text", Array("整改报告".utf8), "a.txt", nil),
            ("HTML", Array("<html>".utf8), "a.pdf", nil),
            ("three bytes of a PNG", [0x89, 0x50, 0x4E], "a.png", nil),
        ]
        for c in cases {
            XCTAssertEqual(AttachmentStore.sniff(Data(c.bytes), name: c.file)?.mime, c.mime, c.name)
        }
    }

    func testEachRefusalNamesTheFileAndItsStatus() throws {
        let store = AttachmentStore(directory: directory)
        let cases: [(name: String, data: Data, file: String, status: HTTPStatus, reason: String)] = [
            ("empty", Data(), "空.pdf", .badRequest, "文件「空.pdf」是空的"),
            ("over the limit", Data("%PDF".utf8) + Data(count: 3 * 1_048_576), "大.pdf", .payloadTooLarge,
             "文件「大.pdf」有3MB，超过2MB的上限"),
            ("a program", Data([0x4D, 0x5A, 0x90, 0x00, 0x03]), "报告.pdf", .unsupportedMediaType,
             "文件「报告.pdf」的类型不允许上传：只接受PDF、图片（PNG、JPEG、GIF）、Office文档和ZIP压缩包"),
            ("a broken ZIP", Data("PK\u{3}\u{4}garbage".utf8), "坏.zip", .unsupportedMediaType, "文件「坏.zip」已损坏，无法作为压缩文件打开"),
            ("a ZIP bomb by its size", handMadeZip([("a.txt", 50 * 1_048_576)]), "炸弹.zip", .unsupportedMediaType,
             "文件「炸弹.zip」解压后过大，疑似压缩炸弹，已拒绝"),
            ("a Word file hiding a bomb", handMadeZip([("word/document.xml", 30 * 1_048_576), ("x", 15 * 1_048_576)]), "通知.docx",
             .unsupportedMediaType, "文件「通知.docx」解压后过大，疑似压缩炸弹，已拒绝"),
        ]
        for c in cases {
            do {
                _ = try store.store(c.data, name: c.file, maxBytes: 2 * 1_048_576)
                XCTFail("\(c.name) was stored")
            } catch let abort as Abort {
                XCTAssertEqual(abort.status, c.status, c.name)
                XCTAssertEqual(abort.reason, c.reason, c.name)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory.path), "nothing refused is on disk")
    }

    func testAnHonestArchiveIsStoredAndTheSameFileOnce() throws {
        let store = AttachmentStore(directory: directory)
        let zip = handMadeZip([("说明.txt", 1_000), ("图.png", 20_000)])
        let accepted = try store.store(zip, name: "材料.zip", maxBytes: 2 * 1_048_576)
        XCTAssertEqual(accepted.mime, "application/zip")
        XCTAssertEqual(accepted.size, zip.count)
        XCTAssertEqual(accepted.sha256.count, 64)
        let path = store.path(for: accepted.sha256)
        XCTAssertEqual(path.deletingLastPathComponent().lastPathComponent, String(accepted.sha256.prefix(2)))
        XCTAssertEqual(try store.read(accepted.sha256), zip)

        let again = try store.store(zip, name: "另一个名字.zip", maxBytes: 2 * 1_048_576)
        XCTAssertEqual(again.sha256, accepted.sha256)
        let files = try FileManager.default.subpathsOfDirectory(atPath: directory.path).filter { $0.contains("/") }
        XCTAssertEqual(files, ["\(accepted.sha256.prefix(2))/\(accepted.sha256)"], "stored once")

        let photo = samplePhoto(size: 4_096)
        let stored = try store.store(photo, name: "现场.jpg", maxBytes: 4_096)
        XCTAssertEqual(stored.mime, "image/jpeg", "exactly the limit is allowed")
        XCTAssertThrowsError(try store.store(photo, name: "现场.jpg", maxBytes: 4_095))
    }

    func testARefusedUploadLeavesTheRecordAsItWasAndADownloadIsAudited() async throws {
        try await withRunningFixture { app, f, port, _ in
            let clerkUser = try await user(app, "clerk")
            let service = app.records(as: RecordActor(Principal(user: clerkUser, unit: f.dist, session: nil, roles: clerkUser.roles), address: "test"))
            let kind = try XCTUnwrap(app.lvze.catalogue["rectification"])
            let (record, _) = try await service.create(kind, unitRef: "TA-V1", raw: [
                "found_on": "2025-03-05", "source": "巡察", "description": "村务公开不及时", "deadline": "2099-06-30",
                "measures": String(repeating: "建立台账，逐条整改，按月通报。", count: 70), "progress": "0"])
            let clerk = SocketBrowser(port: port)
            try await clerk.login("clerk")
            let path = "/ledgers/rectification/\(record.id!)"
            let refusals: [(name: String, field: String, file: String, data: Data, status: Int, message: String)] = [
                ("a program", "evidence", "整改报告.pdf", Data([0x4D, 0x5A, 0x90, 0x00, 0x03]), 415,
                 "文件「整改报告.pdf」的类型不允许上传：只接受PDF、图片（PNG、JPEG、GIF）、Office文档和ZIP压缩包"),
                ("no category", "", "整改报告.pdf", Data("%PDF-1.4\n".utf8), 422, "请选择附件类别"),
                ("a field that is not for files", "description", "整改报告.pdf", Data("%PDF-1.4\n".utf8), 422, "请选择附件类别"),
            ]
            for r in refusals {
                try await clerk.get(path)
                let res = try await clerk.postMultipart(path + "/attachments", [("field", r.field)],
                                                        files: [("files[]", r.file, "application/pdf", r.data)])
                XCTAssertEqual(res.status, r.status, r.name)
                XCTAssertEqual(formErrors(in: res.text), [r.message], r.name)
            }
            let none = try await Attachment.query(on: app.db).count()
            XCTAssertEqual(none, 0)

            try await clerk.get(path)
            let pdf = Data("%PDF-1.4\n整改报告\n%%EOF\n".utf8)
            let ok = try await clerk.postMultipart(path + "/attachments", [("field", "evidence")],
                                                   files: [("files[]", "整改报告.pdf", "application/pdf", pdf)])
            XCTAssertEqual(ok.status, 303)
            let firstFile = try await Attachment.query(on: app.db).first()
            let file = try XCTUnwrap(firstFile)
            XCTAssertEqual(file.name, "整改报告.pdf")
            let download = try await clerk.get("/attachments/\(file.id!)")
            XCTAssertEqual(download.status, 200)
            XCTAssertEqual(download.body, pdf)
            XCTAssertTrue(download.header("Content-Disposition")?.hasPrefix("attachment") == true, download.header("Content-Disposition") ?? "")
            XCTAssertEqual(download.header("Content-Security-Policy"), "default-src 'none'; sandbox")
            let entry = try await AuditEntry.query(on: app.db).filter(\.$objectType == "attachment").first()
            XCTAssertEqual(entry?.summary, "下载「\(kind.name)」记录「村务公开不及时」的附件「整改报告.pdf」")
            // The other town's clerk cannot fetch it.
            let other = SocketBrowser(port: port)
            try await other.login("clerkB")
            let refused = try await other.get("/attachments/\(file.id!)")
            XCTAssertEqual(refused.status, 404)
        }
    }
}
