import Foundation
import FuzzSupport
import LvzeOffice

/// Reads one file the way the ledger importer does (a 20-row preview, then every row of the first
/// sheet, every cell's text, date, number and boolean), with the server's default limits, and
/// prints rows, time and peak memory. For timing a reproducer outside the sanitizers:
///
///   swift build -c release --product ReadProbe --package-path Fuzz --scratch-path .build-fuzz-release
///   .build-fuzz-release/release/ReadProbe Fuzz/out/<file> [xlsx|csv]
///
/// LVZE_PROBE_ROWS_ONLY=1 counts rows without reading their cells, to time the reader alone.
@main
struct ReadProbe {
    static func main() {
        let args = CommandLine.arguments
        guard args.count >= 2 else {
            FileHandle.standardError.write(Data("usage: ReadProbe FILE [xlsx|csv]\n".utf8))
            exit(2)
        }
        let url = URL(fileURLWithPath: args[1])
        let kind = args.count >= 3 ? args[2] : (url.pathExtension.lowercased() == "csv" ? "csv" : "xlsx")
        let start = Date()
        var rows = 0
        var h = 0
        let rowsOnly = ProcessInfo.processInfo.environment["LVZE_PROBE_ROWS_ONLY"] == "1"
        let read: (SpreadsheetRow) -> Void = { row in
            rows += 1
            h &+= rowsOnly ? row.cells.count : exercise(row)
        }
        do {
            switch kind {
            case "csv":
                let reader = try CSVReader(url: url)
                h &+= try reader.firstRows(20).count
                try reader.forEachRow(read)
            default:
                let reader = try XLSXReader(url: url)
                h &+= try reader.firstRows(20).count
                try reader.forEachRow(sheet: 0, read)
            }
            print("ok: \(rows) rows")
        } catch {
            print("error after \(rows) rows: \(error)")
        }
        blackHole(h)
        let seconds = Date().timeIntervalSince(start)
        print(String(format: "time %.2f s, peak RSS %@ MB", seconds, peakRSS()))
    }

    static func peakRSS() -> String {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { return "?" }
        return String(kb / 1024)
    }
}
