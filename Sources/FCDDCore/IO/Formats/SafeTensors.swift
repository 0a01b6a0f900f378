// The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, then the data
// block (offsets are relative to its start). Files come from PyTorch and from users, so every field is
// validated on read: a corrupt file is an error naming the file and the problem, never a trap.

/// Element types of safetensors.
public enum DType: String, CaseIterable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32", f64 = "F64", i64 = "I64", u64 = "U64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8: return 1
        case .i16, .u16, .f16, .bf16: return 2
        case .i32, .u32, .f32: return 4
        case .f64, .i64, .u64: return 8
        }
    }
}

/// One named tensor: raw little-endian bytes with dtype and shape.
public struct SafeTensorEntry {
    public let name: String
    public let dtype: DType
    public let shape: [Int]
    public let bytes: [UInt8]

    /// Unchecked, for engine code that builds the bytes itself; `tensor(_:)` still re-checks the sizes.
    init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.name = name; self.dtype = dtype; self.shape = shape; self.bytes = bytes
    }

    /// An entry whose byte count is checked against dtype and shape.
    public static func make(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) throws -> SafeTensorEntry {
        guard name != "__metadata__" else { throw EngineError.invalidArgument("'__metadata__' is reserved for metadata") }
        guard let count = checkedProduct(shape) else {
            throw EngineError.invalidArgument("'\(name)': invalid shape \(shape)")
        }
        guard shape.allSatisfy({ $0 <= EngineLimits.maxDimension }) else {
            throw EngineError.invalidArgument("'\(name)': shape \(shape) has a dimension above \(EngineLimits.maxDimension), the largest a size may have")
        }
        guard count.multipliedReportingOverflow(by: dtype.byteSize) == (bytes.count, false) else {
            throw EngineError.shapeMismatch("'\(name)': \(dtype.rawValue) \(shape) needs \(count * dtype.byteSize) bytes, got \(bytes.count)")
        }
        return SafeTensorEntry(name: name, dtype: dtype, shape: shape, bytes: bytes)
    }

    /// The values converted to Float (F64 and 64-bit integers round to nearest; BOOL gives 0 or 1).
    public func floats() -> [Float] {
        let n = bytes.count / dtype.byteSize
        return bytes.withUnsafeBytes { raw -> [Float] in
            func load<T: FixedWidthInteger>(_: T.Type, _ i: Int) -> T {
                T(littleEndian: raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self))
            }
            switch dtype {
            case .f32: return (0..<n).map { Float(bitPattern: load(UInt32.self, $0)) }
            case .f64: return (0..<n).map { Float(Double(bitPattern: load(UInt64.self, $0))) }
            case .f16: return (0..<n).map { halfToFloat(load(UInt16.self, $0)) }
            case .bf16: return (0..<n).map { bfloat16ToFloat(load(UInt16.self, $0)) }
            case .bool: return (0..<n).map { load(UInt8.self, $0) != 0 ? 1 : 0 }
            case .u8: return (0..<n).map { Float(load(UInt8.self, $0)) }
            case .i8: return (0..<n).map { Float(load(Int8.self, $0)) }
            case .i16: return (0..<n).map { Float(load(Int16.self, $0)) }
            case .u16: return (0..<n).map { Float(load(UInt16.self, $0)) }
            case .i32: return (0..<n).map { Float(load(Int32.self, $0)) }
            case .u32: return (0..<n).map { Float(load(UInt32.self, $0)) }
            case .i64: return (0..<n).map { Float(load(Int64.self, $0)) }
            case .u64: return (0..<n).map { Float(load(UInt64.self, $0)) }
            }
        }
    }
}

/// IEEE half to float. Every half is exactly representable as a float, so this is exact; subnormals
/// become normal floats, infinities stay infinite and NaN payloads are kept.
func halfToFloat(_ h: UInt16) -> Float {
    let sign = UInt32(h & 0x8000) << 16
    let exponent = UInt32(h >> 10) & 0x1F
    let mantissa = UInt32(h & 0x3FF)
    if exponent == 0x1F { return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13) }
    if exponent != 0 { return Float(bitPattern: sign | (exponent + 112) << 23 | mantissa << 13) }
    let magnitude = Float(mantissa) * 0x1p-24  // zero or subnormal: mantissa * 2^-24, exact in float
    return sign != 0 ? -magnitude : magnitude
}

/// bfloat16 is the upper half of a float32.
func bfloat16ToFloat(_ b: UInt16) -> Float { Float(bitPattern: UInt32(b) << 16) }

/// A safetensors file in memory: entries in file (data) order plus string metadata. Entries are found by
/// name through an index, so reading or building a file of n tensors takes time linear in n.
public struct SafeTensorsFile {
    public private(set) var entries: [SafeTensorEntry] = []
    public var metadata: [(String, String)] = []
    /// Position of each entry in `entries`, by name.
    private var positions = [String: Int]()

    /// The largest header accepted; real headers are kilobytes, and this bounds the JSON parse.
    static let maxHeaderLength: UInt64 = 100_000_000

    public init() {}

    /// The entry named `name`, if any.
    public subscript(name: String) -> SafeTensorEntry? { positions[name].map { entries[$0] } }

    /// Entry `name` converted to a float tensor (every dtype is accepted).
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = self[name] else { throw EngineError.notFound("no tensor named '\(name)'") }
        guard let count = checkedProduct(e.shape), count.multipliedReportingOverflow(by: e.dtype.byteSize) == (e.bytes.count, false) else {
            throw EngineError.format("'\(name)': \(e.bytes.count) bytes do not hold \(e.dtype.rawValue) \(e.shape)")
        }
        return Tensor(shape: e.shape, data: e.floats())
    }

    /// Adds or replaces (same name, same position) an entry.
    public mutating func add(_ entry: SafeTensorEntry) {
        if let i = positions[entry.name] {
            entries[i] = entry
        } else {
            positions[entry.name] = entries.count
            entries.append(entry)
        }
    }

    /// Adds or replaces a tensor stored as F32. The name `__metadata__` is reserved by the format.
    public mutating func add(_ name: String, _ tensor: Tensor) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(tensor.count * 4)
        for v in tensor.data { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        add(SafeTensorEntry(name: name, dtype: .f32, shape: tensor.shape, bytes: bytes))
    }

    /// Reads and validates a file. Errors: `.io` when it cannot be read, `.format` when it is malformed.
    public static func read(path: String) throws -> SafeTensorsFile {
        try parse(try readWholeFile(path), source: path)
    }

    /// Parses and validates the bytes of a file; `source` names it in error messages.
    public static func parse(_ bytes: [UInt8], source: String = "<memory>") throws -> SafeTensorsFile {
        func bad(_ what: String) -> EngineError { .format("\(source): \(what)") }
        guard bytes.count >= 8 else {
            throw bad("only \(bytes.count) bytes, too short for the 8-byte header length of a safetensors file")
        }
        let headerLength = try LittleEndianReader(bytes: bytes, source: source).u64(0)
        guard headerLength <= maxHeaderLength else {
            throw bad("header length \(headerLength) exceeds the limit of \(maxHeaderLength) bytes")
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw bad("header length \(headerLength) exceeds the \(bytes.count - 8) bytes after the length field (truncated file?)")
        }
        let dataStart = 8 + Int(headerLength)
        let dataSize = bytes.count - dataStart
        let header: JSONValue
        do { header = try JSONValue.parse(Array(bytes[8..<dataStart])) } catch { throw bad("header is not valid JSON (\(error))") }
        guard let fields = header.objectValue else { throw bad("header is not a JSON object") }

        var file = SafeTensorsFile()
        var seen = Set<String>()
        var ranges = [(begin: Int, end: Int)]()
        var sawMetadata = false
        for (name, value) in fields {
            if name == "__metadata__" {
                guard !sawMetadata else { throw bad("duplicate __metadata__") }
                sawMetadata = true
                guard let meta = value.objectValue else { throw bad("__metadata__ is not an object") }
                var keys = Set<String>()
                for (k, v) in meta {
                    guard let s = v.stringValue else { throw bad("metadata value of '\(k)' is not a string: \(v.serialized())") }
                    guard keys.insert(k).inserted else { throw bad("duplicate metadata key '\(k)'") }
                    file.metadata.append((k, s))
                }
                continue
            }
            guard seen.insert(name).inserted else { throw bad("duplicate tensor name '\(name)'") }
            guard value.objectValue != nil else { throw bad("'\(name)': entry is not an object") }
            guard let dtypeValue = value["dtype"] else { throw bad("'\(name)': missing dtype") }
            guard let dtypeName = dtypeValue.stringValue, let dtype = DType(rawValue: dtypeName) else {
                throw bad("'\(name)': unknown dtype \(dtypeValue.serialized())")
            }
            guard let shapeValue = value["shape"] else { throw bad("'\(name)': missing shape") }
            guard let dims = shapeValue.arrayValue, dims.allSatisfy({ ($0.intValue ?? -1) >= 0 }) else {
                throw bad("'\(name)': shape \(shapeValue.serialized()) is not a list of non-negative integers")
            }
            let shape = dims.compactMap { $0.intValue }
            guard shape.allSatisfy({ $0 <= EngineLimits.maxDimension }) else {
                throw bad("'\(name)': shape \(shape) has a dimension above \(EngineLimits.maxDimension), the largest a size may have")
            }
            guard let offsetsValue = value["data_offsets"] else { throw bad("'\(name)': missing data_offsets") }
            guard let offsets = offsetsValue.arrayValue?.compactMap({ $0.intValue }), offsets.count == 2,
                  offsetsValue.arrayValue?.count == 2 else {
                throw bad("'\(name)': data_offsets \(offsetsValue.serialized()) is not a pair of integers")
            }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin else { throw bad("'\(name)': data_offsets [\(begin), \(end)] are not a valid range") }
            guard end <= dataSize else {
                throw bad("'\(name)': data_offsets [\(begin), \(end)] exceed the \(dataSize)-byte data block (truncated file?)")
            }
            guard let count = checkedProduct(shape), case let (needed, false) = count.multipliedReportingOverflow(by: dtype.byteSize) else {
                throw bad("'\(name)': shape \(shape) is too large")
            }
            guard needed == end - begin else {
                throw bad("'\(name)': \(dtype.rawValue) \(shape) needs \(needed) bytes but data_offsets [\(begin), \(end)] hold \(end - begin)")
            }
            ranges.append((begin, end))
            file.entries.append(SafeTensorEntry(name: name, dtype: dtype, shape: shape,
                                                bytes: Array(bytes[(dataStart + begin)..<(dataStart + end)])))
        }
        // Data order, ties (empty tensors) in header order; a byte may belong to one tensor only.
        let order = ranges.indices.sorted { (ranges[$0].begin, $0) < (ranges[$1].begin, $1) }
        var covered = 0, coveringName = ""
        for i in order where ranges[i].end > ranges[i].begin {
            guard ranges[i].begin >= covered else {
                throw bad("'\(file.entries[i].name)' data_offsets [\(ranges[i].begin), \(ranges[i].end)] overlap '\(coveringName)'")
            }
            covered = ranges[i].end
            coveringName = file.entries[i].name
        }
        file.entries = order.map { file.entries[$0] }
        for (i, e) in file.entries.enumerated() { file.positions[e.name] = i }
        return file
    }

    /// The file's bytes: entries laid out in the order of `entries`, the header padded with spaces to a
    /// multiple of 8 so that the data block stays 8-byte aligned (what the reference writer does).
    public func serialize() -> [UInt8] {
        var fields = [(String, JSONValue)]()
        if !metadata.isEmpty { fields.append(("__metadata__", .object(metadata.map { ($0.0, .string($0.1)) }))) }
        var offset = 0
        for e in entries {
            fields.append((e.name, .object([
                ("dtype", .string(e.dtype.rawValue)),
                ("shape", .array(e.shape.map { .number(Double($0)) })),
                ("data_offsets", .array([.number(Double(offset)), .number(Double(offset + e.bytes.count))])),
            ])))
            offset += e.bytes.count
        }
        var header = Array(JSONValue.object(fields).serialized().utf8)
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)
        var out = [UInt8]()
        out.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out += header
        for e in entries { out += e.bytes }
        return out
    }

    /// Writes the file atomically (temporary file, fsync, rename); errors are `.io`.
    public func write(path: String) throws { try writeFileAtomically(serialize(), to: path) }
}
