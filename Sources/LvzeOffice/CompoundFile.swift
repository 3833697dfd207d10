import Foundation

/// An OLE2 compound file ([MS-CFB]), the container of Excel 97–2003 workbooks: a small FAT file
/// system of 512- or 4096-byte sectors inside one file, with a directory of named streams.
///
/// Every sector number comes from the file itself, so each chain walk checks that its sectors exist
/// and are not visited twice: a broken or hostile file fails with a `SpreadsheetError` instead of
/// crashing or looping.
struct CompoundFile {
    struct Entry {
        let name: String
        /// 1 storage, 2 stream, 5 root.
        let type: UInt8
        let left: UInt32
        let right: UInt32
        let child: UInt32
        let start: UInt32
        let size: UInt64
    }

    private static let endOfChain: UInt32 = 0xFFFF_FFFE
    private static let freeSector: UInt32 = 0xFFFF_FFFF
    private static let noStream: UInt32 = 0xFFFF_FFFF

    private let data: Data
    private let sectorSize: Int
    /// Sectors in the file after the header, counting a last partial one.
    private let sectorCount: Int
    private let miniCutoff: UInt64
    private let isVersion3: Bool
    private let fat: [UInt32]
    private let miniFAT: [UInt32]
    let entries: [Entry]

    init(data: Data) throws {
        let data = data.startIndex == 0 ? data : Data(data)
        guard data.count >= 512, FileSignature.isCompoundFile([UInt8](data.prefix(8))) else {
            throw SpreadsheetError(.notXLSX, "文件不是 Excel 97–2003（.xls）工作簿")
        }
        self.data = data
        func u16(_ o: Int) -> Int { Int(data[o]) | Int(data[o + 1]) << 8 }
        func u32(_ o: Int) -> UInt32 {
            UInt32(data[o]) | UInt32(data[o + 1]) << 8 | UInt32(data[o + 2]) << 16 | UInt32(data[o + 3]) << 24
        }

        let shift = u16(30)
        guard shift == 9 || shift == 12, u16(32) == 6 else {
            throw SpreadsheetError.corrupt("复合文件头中的扇区大小无效")
        }
        let sectorSize = 1 << shift
        guard data.count > sectorSize else { throw SpreadsheetError.corrupt("文件被截断") }
        self.sectorSize = sectorSize
        self.isVersion3 = shift == 9
        let sectorCount = (data.count - sectorSize + sectorSize - 1) / sectorSize
        self.sectorCount = sectorCount
        self.miniCutoff = UInt64(u32(56))

        // DIFAT: the first 109 FAT sector numbers are in the header, the rest in a chain of DIFAT sectors.
        let fatSectorCount = Int(u32(44))
        guard fatSectorCount <= sectorCount else { throw SpreadsheetError.corrupt("FAT 扇区数超出文件大小") }
        var fatSectors: [Int] = []
        fatSectors.reserveCapacity(fatSectorCount)
        for i in 0..<109 where fatSectors.count < fatSectorCount {
            let s = u32(76 + 4 * i)
            guard s != Self.freeSector else { break }
            fatSectors.append(Int(s))
        }
        var difat = u32(68)
        var visitedDIFAT = Set<UInt32>()
        let perSector = sectorSize / 4 - 1
        while fatSectors.count < fatSectorCount, difat != Self.endOfChain, difat != Self.freeSector {
            guard Int(difat) < sectorCount else { throw SpreadsheetError.corrupt("DIFAT 扇区编号越界") }
            guard visitedDIFAT.insert(difat).inserted else { throw SpreadsheetError.corrupt("DIFAT 扇区链循环") }
            let base = (Int(difat) + 1) * sectorSize
            guard base + sectorSize <= data.count else { throw SpreadsheetError.corrupt("文件被截断（DIFAT）") }
            for i in 0..<perSector where fatSectors.count < fatSectorCount {
                let s = u32(base + 4 * i)
                if s != Self.freeSector { fatSectors.append(Int(s)) }
            }
            difat = u32(base + 4 * perSector)
        }
        guard fatSectors.count == fatSectorCount, fatSectorCount > 0 else {
            throw SpreadsheetError.corrupt("FAT 表不完整")
        }

        var fat: [UInt32] = []
        fat.reserveCapacity(fatSectorCount * sectorSize / 4)
        for s in fatSectors {
            guard s < sectorCount else { throw SpreadsheetError.corrupt("FAT 扇区编号越界") }
            let base = (s + 1) * sectorSize
            guard base + sectorSize <= data.count else { throw SpreadsheetError.corrupt("文件被截断（FAT）") }
            data.withUnsafeBytes { raw in
                for o in stride(from: base, to: base + sectorSize, by: 4) {
                    fat.append(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
                }
            }
        }
        self.fat = fat

        let directory = try Self.chain(from: u32(48), byteCount: nil, data: data, fat: fat,
                                       sectorSize: sectorSize, sectorCount: sectorCount, what: "目录")
        var entries: [Entry] = []
        entries.reserveCapacity(directory.count / 128)
        for o in stride(from: 0, to: directory.count - 127, by: 128) {
            entries.append(Self.entry(directory, at: o, version3: shift == 9))
        }
        guard let root = entries.first, root.type == 5 else { throw SpreadsheetError.corrupt("复合文件缺少根目录") }
        self.entries = entries

        let miniFATBytes = try Self.chain(from: u32(60), byteCount: nil, data: data, fat: fat,
                                          sectorSize: sectorSize, sectorCount: sectorCount, what: "MiniFAT")
        self.miniFAT = miniFATBytes.withUnsafeBytes { raw in
            stride(from: 0, to: raw.count - 3, by: 4).map {
                UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0, as: UInt32.self))
            }
        }
    }

    /// The streams and storages directly under the root, by walking the root's sibling tree.
    func rootChildren() throws -> [Entry] {
        guard let root = entries.first else { return [] }
        var out: [Entry] = []
        var stack: [UInt32] = [root.child]
        var visited = Set<UInt32>()
        while let id = stack.popLast() {
            guard id != Self.noStream else { continue }
            guard Int(id) < entries.count else { throw SpreadsheetError.corrupt("目录项编号越界") }
            guard visited.insert(id).inserted else { throw SpreadsheetError.corrupt("目录树循环") }
            let e = entries[Int(id)]
            out.append(e)
            stack.append(e.left)
            stack.append(e.right)
        }
        return out
    }

    /// The bytes of the stream under the root with this name (compared case-insensitively, as CFB
    /// does), or nil when there is none.
    func stream(named name: String) throws -> Data? {
        let wanted = name.uppercased()
        guard let entry = try rootChildren().first(where: { $0.type == 2 && $0.name.uppercased() == wanted }) else {
            return nil
        }
        return try read(entry)
    }

    /// True when the root holds a stream with this name.
    func hasStream(named name: String) throws -> Bool {
        let wanted = name.uppercased()
        return try rootChildren().contains { $0.type == 2 && $0.name.uppercased() == wanted }
    }

    private func read(_ entry: Entry) throws -> Data {
        // A stream cannot be longer than the file holding it.
        guard entry.size <= UInt64(sectorCount * sectorSize) else {
            throw SpreadsheetError.corrupt("数据流“\(entry.name)”的长度超出文件大小")
        }
        let size = Int(entry.size)
        guard size > 0 else { return Data() }
        if entry.size >= miniCutoff {
            return try Self.chain(from: entry.start, byteCount: size, data: data, fat: fat, sectorSize: sectorSize,
                                  sectorCount: sectorCount, what: entry.name)
        }
        guard let root = entries.first, root.size <= UInt64(sectorCount * sectorSize) else {
            throw SpreadsheetError.corrupt("迷你流的长度超出文件大小")
        }
        let ministream = try Self.chain(from: root.start, byteCount: Int(root.size), data: data, fat: fat,
                                        sectorSize: sectorSize, sectorCount: sectorCount, what: "迷你流")
        return try Self.chain(from: entry.start, byteCount: size, data: ministream, fat: miniFAT, sectorSize: 64,
                              sectorCount: ministream.count / 64, what: entry.name, headerSectors: 0)
    }

    /// Follows a sector chain and concatenates its sectors: `byteCount` bytes, or up to the end of
    /// the chain when nil. Sector n starts at `(n + headerSectors) * sectorSize` in `data`.
    private static func chain(from start: UInt32, byteCount: Int?, data: Data, fat: [UInt32], sectorSize: Int,
                              sectorCount: Int, what: String, headerSectors: Int = 1) throws -> Data {
        var out = Data()
        if let byteCount { out.reserveCapacity(byteCount) }
        var visited = [Bool](repeating: false, count: min(sectorCount, fat.count))
        var sector = start
        while byteCount.map({ out.count < $0 }) ?? true {
            // Some writers mark an empty chain (such as a missing MiniFAT) with FREESECT instead.
            if byteCount == nil, sector == endOfChain || (sector == freeSector && out.isEmpty) { break }
            guard Int(sector) < visited.count else {
                if sector == endOfChain || sector == freeSector {
                    throw SpreadsheetError.corrupt("“\(what)”的扇区链提前结束")
                }
                throw SpreadsheetError.corrupt("“\(what)”的扇区编号越界")
            }
            let n = Int(sector)
            guard !visited[n] else { throw SpreadsheetError.corrupt("“\(what)”的扇区链循环") }
            visited[n] = true
            let base = data.startIndex + (n + headerSectors) * sectorSize
            let take = min(sectorSize, (byteCount ?? Int.max) - out.count)
            guard base + take <= data.endIndex else { throw SpreadsheetError.corrupt("文件被截断（\(what)）") }
            out.append(data[base..<(base + take)])
            sector = fat[n]
        }
        return out
    }

    private static func entry(_ d: Data, at o: Int, version3: Bool) -> Entry {
        func u32(_ p: Int) -> UInt32 {
            UInt32(d[o + p]) | UInt32(d[o + p + 1]) << 8 | UInt32(d[o + p + 2]) << 16 | UInt32(d[o + p + 3]) << 24
        }
        let nameBytes = Int(d[o + 64]) | Int(d[o + 65]) << 8
        let units = max(0, min(nameBytes, 64) / 2 - 1)
        var name: [UInt16] = []
        for i in 0..<units {
            let u = UInt16(d[o + 2 * i]) | UInt16(d[o + 2 * i + 1]) << 8
            if u == 0 { break }
            name.append(u)
        }
        // Version 3 files may leave garbage in the high half of the size.
        let size = version3 ? UInt64(u32(120)) : UInt64(u32(120)) | UInt64(u32(124)) << 32
        return Entry(name: String(decoding: name, as: UTF16.self), type: d[o + 66], left: u32(68), right: u32(72),
                     child: u32(76), start: u32(116), size: size)
    }
}
