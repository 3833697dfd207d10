import Foundation
import LvzeCore
import ZIPFoundation

/// Writes a `ReportDocument` as a `.docx` laid out by GB/T 9704-2012 (党政机关公文格式): A4 with
/// the standard margins, a 22 × 28 grid, 3号 仿宋 body, 2号 小标宋 title, and 「— 1 —」 page
/// numbers outside on odd and even pages.
///
/// The look lives in named styles (公文标题, 公文正文, 公文一级标题 …) so the person who signs can
/// still adjust the document in Word; runs carry only bold and the attention mark. The same
/// document always gives the same bytes (fixed ZIP dates, no timestamps in the properties), so an
/// export can be cached, hashed or compared.
public enum DocxWriter {
    /// Writes the document to `url`, replacing any file there; the file appears whole or not at all.
    public static func write(_ doc: ReportDocument, to url: URL) throws {
        let bytes = try data(doc)
        do {
            try bytes.write(to: url, options: .atomic)
        } catch {
            throw DocxError.io(url, error)
        }
    }

    /// The `.docx` file as bytes, for an HTTP response or a test.
    public static func data(_ doc: ReportDocument) throws -> Data {
        let parts = DocxPackage.parts(of: doc)
        do {
            let archive = try Archive(accessMode: .create)
            for part in parts {
                let bytes = part.bytes
                try archive.addEntry(with: part.path, type: .file, uncompressedSize: Int64(bytes.count),
                                     modificationDate: fixedDate, compressionMethod: .deflate,
                                     bufferSize: 64 << 10) { position, size in
                    let start = Int(position)
                    return Data(bytes[start..<(start + size)])
                }
            }
            guard let data = archive.data else {
                throw DocxError("生成 Word 文档失败：打包结果为空")
            }
            return data
        } catch let error as DocxError {
            throw error
        } catch {
            throw DocxError.packaging(error)
        }
    }

    /// 1980-01-01 00:00 UTC, the first date a ZIP entry can hold: a fixed date keeps the output
    /// byte-for-byte reproducible.
    static let fixedDate = Date(timeIntervalSince1970: 315_532_800)
}
