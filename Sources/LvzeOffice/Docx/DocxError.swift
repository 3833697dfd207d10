import Foundation

/// A failure to produce a `.docx`, with a Chinese message that can be shown as it is, because the
/// person exporting a report must know whether to retry or to call for help.
public struct DocxError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The sentence shown to the user, in Chinese.
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
    public var errorDescription: String? { message }

    static func packaging(_ error: Error) -> DocxError {
        DocxError("生成 Word 文档失败：无法打包文档内容（\(error.localizedDescription)）")
    }

    static func io(_ url: URL, _ error: Error) -> DocxError {
        DocxError("无法保存 Word 文档 \(url.lastPathComponent)：\(error.localizedDescription)")
    }
}
