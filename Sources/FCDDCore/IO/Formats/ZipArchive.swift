// The part of ZIP (PKWARE's APPNOTE.TXT 6.3) that PyTorch checkpoints use: STORED (uncompressed)
// entries found through the central directory, with the ZIP64 records that archives and entries over
// 4 GiB need (PyTorch writes with miniz, caffe2/serialize/inline_container.cc). An entry's data starts
// after its local header, whose extra field may differ from the central directory's (PyTorch pads it to
// align tensor data to 64 bytes). Every offset, size and count comes from the file, so each is checked
// against the file's size, with overflow-checked arithmetic, before it is used.
import CZlib

/// One file of an archive.
struct ZipEntry {
    let name: String
    /// The entry's bytes within the archive.
    let range: Range<Int>
    /// Where its local header starts: the entry occupies `local..<range.upperBound`.
    let local: Int
    /// The CRC-32 the archive stores; 0 may mean "not computed" (`torch.serialization.set_crc32_options`).
    let crc32: UInt32
}

/// The entries of a ZIP archive held in memory.
struct ZipArchive {
    let bytes: [UInt8]
    let source: String
    private(set) var entries: [ZipEntry] = []
    private var positions: [String: Int] = [:]

    /// More entries than any checkpoint has (one per tensor storage); bounds the work a corrupt count causes.
    static let maxEntries = 1 << 20

    /// Whether `bytes` start like a ZIP archive (a local file header).
    static func isZip(_ bytes: [UInt8]) -> Bool { bytes.starts(with: [0x50, 0x4B, 0x03, 0x04]) }

    subscript(name: String) -> ZipEntry? { positions[name].map { entries[$0] } }

    /// Reads the directory of an archive; `source` names it in error messages.
    init(_ bytes: [UInt8], source: String) throws {
        self.bytes = bytes
        self.source = source
        let reader = LittleEndianReader(bytes: bytes, source: source)
        let (count, directory) = try ZipArchive.centralDirectory(reader)
        var at = directory.lowerBound
        for _ in 0..<count {
            let entry = try ZipArchive.entry(reader, at: &at, directoryEnd: directory.upperBound)
            guard positions[entry.name] == nil else { throw reader.bad("entry '\(entry.name)' appears twice") }
            positions[entry.name] = entries.count
            entries.append(entry)
        }
        // Entries must not share bytes: a directory whose entries all point at one large entry would
        // make every read of them (and its CRC check) cover the same bytes again, work without a bound
        // from a small file. Apart, the entries together are at most the file.
        let byStart = entries.sorted { $0.local < $1.local }
        for (a, b) in zip(byStart, byStart.dropFirst()) where b.local < a.range.upperBound {
            throw reader.bad("entries '\(a.name)' and '\(b.name)' overlap (bytes \(b.local)..<\(a.range.upperBound)); a ZIP archive's entries are apart")
        }
    }

    /// The number of entries and the byte range of the central directory, from the end records.
    private static func centralDirectory(_ r: LittleEndianReader) throws -> (Int, Range<Int>) {
        // The end-of-central-directory record (22 bytes) is followed only by a comment of at most 65,535 bytes.
        let size = r.bytes.count
        guard size >= 22 else { throw r.bad("\(size) bytes are too few for a ZIP archive (truncated file?)") }
        var end: Int?
        for at in stride(from: size - 22, through: max(0, size - 22 - 65_535), by: -1) {
            if try r.u32(at) == 0x0605_4B50, at + 22 + Int(try r.u16(at + 20)) <= size {
                end = at
                break
            }
        }
        guard let end else { throw r.bad("no ZIP end-of-central-directory record (truncated file?)") }
        var disk = UInt64(try r.u16(end + 4)), directoryDisk = UInt64(try r.u16(end + 6))
        var count = UInt64(try r.u16(end + 10)), length = UInt64(try r.u32(end + 12)), offset = UInt64(try r.u32(end + 16))
        var recordStart = end
        // A ZIP64 locator (20 bytes) right before the end record points to the ZIP64 end record (56+ bytes).
        if end >= 20, try r.u32(end - 20) == 0x0706_4B50 {
            guard try r.u32(end - 16) == 0, try r.u32(end - 4) <= 1 else { throw r.bad("multi-volume ZIP archives are not supported") }
            let record = try r.offset(try r.u64(end - 12), length: 56, limit: end - 20, what: "ZIP64 end record")
            guard try r.u32(record) == 0x0606_4B50 else { throw r.bad("the ZIP64 end record is missing at byte \(record)") }
            disk = UInt64(try r.u32(record + 16)); directoryDisk = UInt64(try r.u32(record + 20))
            count = try r.u64(record + 32); length = try r.u64(record + 40); offset = try r.u64(record + 48)
            recordStart = record
        }
        guard disk == 0, directoryDisk == 0 else { throw r.bad("multi-volume ZIP archives are not supported") }
        let start = try r.offset(offset, length: length, limit: recordStart, what: "central directory")
        // Each central directory header has at least 46 bytes.
        guard count <= UInt64(maxEntries), count <= length / 46 else {
            throw r.bad("the central directory claims \(count) entries in \(length) bytes (at most \(maxEntries) are read)")
        }
        return (Int(count), start..<(start + Int(length)))
    }

    /// The central directory header at `at`, which moves past it, checked against its local header.
    private static func entry(_ r: LittleEndianReader, at: inout Int, directoryEnd: Int) throws -> ZipEntry {
        let header = at
        guard directoryEnd - header >= 46, try r.u32(header) == 0x0201_4B50 else {
            throw r.bad("central directory header at byte \(header) is damaged (truncated file?)")
        }
        let flags = try r.u16(header + 8), method = try r.u16(header + 10), crc = try r.u32(header + 16)
        var compressed = UInt64(try r.u32(header + 20)), size = UInt64(try r.u32(header + 24))
        let nameLength = Int(try r.u16(header + 28)), extraLength = Int(try r.u16(header + 30))
        let commentLength = Int(try r.u16(header + 32))
        var local = UInt64(try r.u32(header + 42))
        let next = header + 46 + nameLength + extraLength + commentLength
        guard next <= directoryEnd else { throw r.bad("central directory header at byte \(header) overruns the directory") }
        let name = String(decoding: r.bytes[(header + 46)..<(header + 46 + nameLength)], as: UTF8.self)
        // ZIP64 extended information (header id 1) holds, in this order, those of the sizes and the local
        // header offset that are 0xFFFFFFFF above.
        var extra = header + 46 + nameLength
        let extraEnd = extra + extraLength
        while extraEnd - extra >= 4 {
            let id = try r.u16(extra), length = Int(try r.u16(extra + 2))
            guard length <= extraEnd - extra - 4 else { throw r.bad("'\(name)': extra field overruns its header") }
            if id == 1 {
                var field = extra + 4
                func widen(_ value: inout UInt64) throws {
                    guard value == 0xFFFF_FFFF else { return }
                    guard field + 8 <= extra + 4 + length else { throw r.bad("'\(name)': ZIP64 extra field is too short") }
                    value = try r.u64(field)
                    field += 8
                }
                try widen(&size)
                try widen(&compressed)
                try widen(&local)
            }
            extra += 4 + length
        }
        guard flags & 0x41 == 0 else { throw r.bad("'\(name)' is encrypted") }
        guard method == 0 else {
            throw r.bad("'\(name)' is compressed (ZIP method \(method)); PyTorch stores checkpoint entries uncompressed: was the file re-zipped?")
        }
        guard compressed == size else { throw r.bad("'\(name)': stored size \(compressed) differs from its size \(size)") }
        // The local header (30 bytes + name + extra) comes before the data; its extra field is its own.
        let localStart = try r.offset(local, length: 30, limit: r.bytes.count, what: "local header of '\(name)'")
        guard try r.u32(localStart) == 0x0403_4B50 else { throw r.bad("'\(name)': no local header at byte \(localStart)") }
        let dataStart = UInt64(localStart) + 30 + UInt64(try r.u16(localStart + 26)) + UInt64(try r.u16(localStart + 28))
        let data = try r.offset(dataStart, length: size, limit: r.bytes.count, what: "data of '\(name)'")
        at = next
        return ZipEntry(name: name, range: data..<(data + Int(size)), local: localStart, crc32: crc)
    }

    /// The bytes of `entry`, checked against its CRC-32 when the archive stores one.
    func data(_ entry: ZipEntry) throws -> ArraySlice<UInt8> {
        let slice = bytes[entry.range]
        guard entry.crc32 != 0 else { return slice }
        // zlib's crc32 takes 32-bit lengths: feed it at most 1 GiB at a time.
        var crc = crc32(0, nil, 0)
        slice.withUnsafeBufferPointer { buffer in
            var at = 0
            while at < buffer.count {
                let n = min(buffer.count - at, 1 << 30)
                crc = crc32(crc, buffer.baseAddress! + at, uInt(n))
                at += n
            }
        }
        guard UInt32(truncatingIfNeeded: crc) == entry.crc32 else {
            throw EngineError.format("\(source): '\(entry.name)' fails its CRC-32 check (the file is damaged)")
        }
        return slice
    }
}
