// The safetensors format: an 8-byte little-endian header length N, N bytes of JSON
// {name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}, then the data.
// Every field is validated on read, so a corrupt file is an error that names the file and the problem.

/// Element types of safetensors.
public enum DType: String, CaseIterable {
    case bool = "BOOL", u8 = "U8", i8 = "I8", i16 = "I16", u16 = "U16", f16 = "F16", bf16 = "BF16"
    case i32 = "I32", u32 = "U32", f32 = "F32", f64 = "F64", i64 = "I64", u64 = "U64"

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

    init(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) {
        self.name = name; self.dtype = dtype; self.shape = shape; self.bytes = bytes
    }

    /// An entry whose byte count is checked against dtype and shape.
    public static func make(name: String, dtype: DType, shape: [Int], bytes: [UInt8]) throws -> SafeTensorEntry {
        guard shape.allSatisfy({ $0 >= 0 }) else { throw EngineError.invalidArgument("'\(name)': negative dimension in \(shape)") }
        let count = shape.reduce(1, *)
        guard count * dtype.byteSize == bytes.count else {
            throw EngineError.shapeMismatch("'\(name)': \(dtype.rawValue) \(shape) needs \(count * dtype.byteSize) bytes, got \(bytes.count)")
        }
        return SafeTensorEntry(name: name, dtype: dtype, shape: shape, bytes: bytes)
    }

    /// The values converted to Float.
    public func floats() -> [Float] {
        let n = shape.reduce(1, *)
        return bytes.withUnsafeBytes { raw -> [Float] in
            func load<T>(_: T.Type, _ i: Int) -> T { raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self) }
            switch dtype {
            case .f32: return (0..<n).map { Float(bitPattern: UInt32(littleEndian: load(UInt32.self, $0))) }
            case .f64: return (0..<n).map { Float(Double(bitPattern: UInt64(littleEndian: load(UInt64.self, $0)))) }
            case .f16: return (0..<n).map { Float(Float16(bitPattern: UInt16(littleEndian: load(UInt16.self, $0)))) }
            case .bf16: return (0..<n).map { Float(bitPattern: UInt32(UInt16(littleEndian: load(UInt16.self, $0))) << 16) }
            case .bool, .u8: return (0..<n).map { Float(load(UInt8.self, $0)) }
            case .i8: return (0..<n).map { Float(load(Int8.self, $0)) }
            case .i16: return (0..<n).map { Float(Int16(littleEndian: load(Int16.self, $0))) }
            case .u16: return (0..<n).map { Float(UInt16(littleEndian: load(UInt16.self, $0))) }
            case .i32: return (0..<n).map { Float(Int32(littleEndian: load(Int32.self, $0))) }
            case .u32: return (0..<n).map { Float(UInt32(littleEndian: load(UInt32.self, $0))) }
            case .i64: return (0..<n).map { Float(Int64(littleEndian: load(Int64.self, $0))) }
            case .u64: return (0..<n).map { Float(UInt64(littleEndian: load(UInt64.self, $0))) }
            }
        }
    }
}

public struct SafeTensorsFile {
    public var entries: [SafeTensorEntry] = []
    public var metadata: [(String, String)] = []

    public init() {}

    public subscript(name: String) -> SafeTensorEntry? { entries.first { $0.name == name } }

    /// Entry `name` as a float tensor.
    public func tensor(_ name: String) throws -> Tensor {
        guard let e = self[name] else { throw EngineError.notFound("no tensor named '\(name)'") }
        return Tensor(shape: e.shape, data: e.floats())
    }

    /// Adds or replaces an entry.
    public mutating func add(_ entry: SafeTensorEntry) {
        if let i = entries.firstIndex(where: { $0.name == entry.name }) { entries[i] = entry } else { entries.append(entry) }
    }

    /// Adds or replaces a float32 tensor.
    public mutating func add(_ name: String, _ t: Tensor) {
        var bytes = [UInt8]()
        bytes.reserveCapacity(t.count * 4)
        for v in t.data { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        add(SafeTensorEntry(name: name, dtype: .f32, shape: t.shape, bytes: bytes))
    }

    public static func read(path: String) throws -> SafeTensorsFile {
        try parse(try readWholeFile(path), source: path)
    }

    public static func parse(_ bytes: [UInt8], source: String = "<memory>") throws -> SafeTensorsFile {
        func bad(_ what: String) -> EngineError { .format("\(source): not a valid safetensors file: \(what)") }
        guard bytes.count >= 8 else { throw bad("only \(bytes.count) bytes") }
        var headerLength: UInt64 = 0
        for i in 0..<8 { headerLength |= UInt64(bytes[i]) << (8 * UInt64(i)) }
        guard headerLength <= 100_000_000, headerLength <= UInt64(bytes.count - 8) else {
            throw bad("header length \(headerLength) exceeds the file size \(bytes.count)")
        }
        let dataStart = 8 + Int(headerLength)
        let header: JSONValue
        do { header = try JSONValue.parse(Array(bytes[8..<dataStart])) } catch { throw bad("header is not JSON (\(error))") }
        guard let fields = header.objectValue else { throw bad("header is not a JSON object") }
        let dataSize = bytes.count - dataStart
        var file = SafeTensorsFile()
        var ranges = [(Int, Int, String)]()
        for (name, value) in fields {
            if name == "__metadata__" {
                guard let meta = value.objectValue else { throw bad("__metadata__ is not an object") }
                for (k, v) in meta {
                    guard let s = v.stringValue else { throw bad("metadata value of '\(k)' is not a string") }
                    file.metadata.append((k, s))
                }
                continue
            }
            guard file[name] == nil else { throw bad("duplicate tensor '\(name)'") }
            guard let typeName = value["dtype"]?.stringValue else { throw bad("'\(name)' has no dtype") }
            guard let dtype = DType(rawValue: typeName) else { throw bad("'\(name)' has unknown dtype \(typeName)") }
            guard let dims = value["shape"]?.arrayValue?.map({ $0.intValue }), dims.allSatisfy({ ($0 ?? -1) >= 0 }) else {
                throw bad("'\(name)' has an invalid shape")
            }
            guard let offsets = value["data_offsets"]?.arrayValue?.compactMap({ $0.intValue }), offsets.count == 2 else {
                throw bad("'\(name)' has invalid data_offsets")
            }
            let shape = dims.map { $0! }
            let (begin, end) = (offsets[0], offsets[1])
            guard begin >= 0, end >= begin, end <= dataSize else {
                throw bad("'\(name)' data_offsets [\(begin), \(end)] outside the \(dataSize) data bytes")
            }
            var count = 1
            for d in shape {
                let m = count.multipliedReportingOverflow(by: d)
                guard !m.overflow else { throw bad("'\(name)' shape \(shape) is too large") }
                count = m.partialValue
            }
            guard count.multipliedReportingOverflow(by: dtype.byteSize).partialValue == end - begin else {
                throw bad("'\(name)' is \(dtype.rawValue) \(shape) but has \(end - begin) bytes")
            }
            ranges.append((begin, end, name))
            file.entries.append(SafeTensorEntry(name: name, dtype: dtype, shape: shape,
                                                bytes: Array(bytes[(dataStart + begin)..<(dataStart + end)])))
        }
        ranges.sort { $0.0 < $1.0 }
        for i in 1..<max(ranges.count, 1) where ranges[i].0 < ranges[i - 1].1 {
            throw bad("'\(ranges[i].2)' overlaps '\(ranges[i - 1].2)'")
        }
        let order = Dictionary(uniqueKeysWithValues: ranges.enumerated().map { ($1.2, $0) })
        file.entries.sort { order[$0.name]! < order[$1.name]! }
        return file
    }

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
        while header.count % 8 != 0 { header.append(0x20) }  // pad so the data block is 8-byte aligned
        var out = [UInt8]()
        out.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { out.append(contentsOf: $0) }
        out += header
        for e in entries { out += e.bytes }
        return out
    }

    public func write(path: String) throws { try writeFileAtomically(serialize(), to: path) }
}
