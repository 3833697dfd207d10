import Crypto
import Foundation
import Vapor
import ZIPFoundation

/// Evidence files on disk under `<data>/attachments/ab/abcdef…` named by SHA-256, so the
/// same file uploaded twice is stored once and a stored file cannot be swapped unnoticed.
struct AttachmentStore: Sendable {
    let directory: URL

    struct Accepted {
        var sha256: String
        var mime: String
        var size: Int
    }

    /// The kinds of file accepted, recognised by their first bytes, not by their names.
    static func sniff(_ data: Data, name: String) -> (mime: String, label: String)? {
        let bytes = [UInt8](data.prefix(8))
        func starts(_ magic: [UInt8]) -> Bool { bytes.count >= magic.count && Array(bytes.prefix(magic.count)) == magic }
        let ext = (name as NSString).pathExtension.lowercased()
        if starts([0x25, 0x50, 0x44, 0x46]) { return ("application/pdf", "PDF") }
        if starts([0x89, 0x50, 0x4E, 0x47]) { return ("image/png", "PNG图片") }
        if starts([0xFF, 0xD8, 0xFF]) { return ("image/jpeg", "JPEG图片") }
        if starts([0x47, 0x49, 0x46, 0x38]) { return ("image/gif", "GIF图片") }
        if starts([0x50, 0x4B, 0x03, 0x04]) {
            switch ext {
            case "docx": return ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word文档")
            case "xlsx": return ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel表格")
            case "pptx": return ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "演示文稿")
            case "ofd": return ("application/ofd", "OFD版式文件")
            default: return ("application/zip", "ZIP压缩包")
            }
        }
        if starts([0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
            switch ext {
            case "xls": return ("application/vnd.ms-excel", "Excel表格")
            case "ppt": return ("application/vnd.ms-powerpoint", "演示文稿")
            default: return ("application/msword", "Word文档")
            }
        }
        return nil
    }

    /// Checks and stores an upload; throws a 4xx with a Chinese message naming the file.
    func store(_ data: Data, name: String, maxBytes: Int) throws -> Accepted {
        guard !data.isEmpty else { throw Abort(.badRequest, reason: "文件「\(name)」是空的") }
        guard data.count <= maxBytes else {
            throw Abort(.payloadTooLarge, reason: "文件「\(name)」有\(data.count / 1_048_576)MB，超过\(maxBytes / 1_048_576)MB的上限")
        }
        guard let (mime, _) = Self.sniff(data, name: name) else {
            throw Abort(.unsupportedMediaType, reason: "文件「\(name)」的类型不允许上传：只接受PDF、图片（PNG、JPEG、GIF）、Office文档和ZIP压缩包")
        }
        if data.starts(with: [0x50, 0x4B, 0x03, 0x04]) { try Self.checkZip(data, name: name, maxBytes: maxBytes) }
        let hash = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        let url = path(for: hash)
        if !FileManager.default.fileExists(atPath: url.path) {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        }
        return Accepted(sha256: hash, mime: mime, size: data.count)
    }

    /// ZIP bombs are refused: the declared uncompressed total and the compression ratio are
    /// bounded, and so is the number of entries.
    static func checkZip(_ data: Data, name: String, maxBytes: Int) throws {
        guard let archive = try? Archive(data: data, accessMode: .read) else {
            throw Abort(.unsupportedMediaType, reason: "文件「\(name)」已损坏，无法作为压缩文件打开")
        }
        var total: UInt64 = 0
        var count = 0
        for entry in archive {
            count += 1
            total += entry.uncompressedSize
            if count > 10_000 { throw Abort(.unsupportedMediaType, reason: "文件「\(name)」包含的文件过多，疑似压缩炸弹，已拒绝") }
        }
        let limit = UInt64(max(maxBytes, 1)) * 20
        if total > limit || (total > 10_000_000 && total / UInt64(max(data.count, 1)) > 100) {
            throw Abort(.unsupportedMediaType, reason: "文件「\(name)」解压后过大，疑似压缩炸弹，已拒绝")
        }
    }

    func path(for sha256: String) -> URL {
        directory.appendingPathComponent(String(sha256.prefix(2)), isDirectory: true).appendingPathComponent(sha256)
    }

    func read(_ sha256: String) throws -> Data {
        try Data(contentsOf: path(for: sha256))
    }
}
