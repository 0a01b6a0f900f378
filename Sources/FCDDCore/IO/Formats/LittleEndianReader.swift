// Bounds-checked little-endian fields of a byte array held in memory, for the binary formats whose
// offsets and sizes come from the file (ZIP directories, PyTorch's legacy layout, safetensors headers).

/// Little-endian fields of a byte array, every read bounds-checked.
struct LittleEndianReader {
    let bytes: [UInt8]
    let source: String

    func bad(_ message: String) -> EngineError { .format("\(source): \(message)") }

    func u16(_ at: Int) throws -> UInt16 { UInt16(try unsigned(at, 2)) }
    func u32(_ at: Int) throws -> UInt32 { UInt32(try unsigned(at, 4)) }
    func u64(_ at: Int) throws -> UInt64 { try unsigned(at, 8) }

    private func unsigned(_ at: Int, _ count: Int) throws -> UInt64 {
        guard at >= 0, count <= bytes.count - at else { throw bad("truncated: \(count) bytes needed at offset \(at)") }
        return bytes[at..<(at + count)].reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// `offset` as an index when `length` bytes from there end at or before `limit`.
    func offset(_ offset: UInt64, length: UInt64, limit: Int, what: String) throws -> Int {
        guard case let (end, false) = offset.addingReportingOverflow(length), end <= UInt64(limit) else {
            throw bad("\(what) (\(length) bytes at offset \(offset)) lies beyond the \(limit) bytes where it must end (truncated file?)")
        }
        return Int(offset)
    }
}
