// safetensors files through the C ABI: open and read entries, or build a file and write it atomically.
// PyTorch checkpoints open into the same handle, so their tensors are read the same way.
import FCDDCore

private func handle(_ p: OpaquePointer?) throws -> TensorFileHandle { try object(p, TensorFileHandle.self, "file") }

@_cdecl("fcdd_tensor_file_open")
public func fcdd_tensor_file_open(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded { try deliver(out) { TensorFileHandle(try SafeTensorsFile.read(path: try string(path, "path"))) } }
}

@_cdecl("fcdd_tensor_file_open_bytes")
public func fcdd_tensor_file_open_bytes(_ data: UnsafePointer<UInt8>?, _ nbytes: Int64, _ source: UnsafePointer<CChar>?,
                                        _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded {
        let model = try callerBytes(data, nbytes, source)
        try deliver(out) { TensorFileHandle(try SafeTensorsFile.parse(model.bytes, source: model.name)) }
    }
}

@_cdecl("fcdd_torch_checkpoint_read")
public func fcdd_torch_checkpoint_read(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded { try deliver(out) { TensorFileHandle(try TorchCheckpoint.read(path: try string(path, "path"))) } }
}

@_cdecl("fcdd_tensor_file_create")
public func fcdd_tensor_file_create(_ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded { try deliver(out) { TensorFileHandle(SafeTensorsFile()) } }
}

@_cdecl("fcdd_tensor_file_free")
public func fcdd_tensor_file_free(_ file: OpaquePointer?) { release(file, TensorFileHandle.self) }

@_cdecl("fcdd_tensor_file_describe")
public func fcdd_tensor_file_describe(_ p: OpaquePointer?, _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64,
                                      _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let file = try handle(p).file
        let tensors: [JSONValue] = file.entries.map { e in
            .object([("name", .string(e.name)), ("dtype", .string(e.dtype.rawValue)),
                     ("shape", .array(e.shape.map { .number(Double($0)) })),
                     ("nbytes", .number(Double(e.bytes.count)))])
        }
        let json: JSONValue = .object([
            ("metadata", .object(file.metadata.map { ($0.0, .string($0.1)) })),
            ("tensors", .array(tensors)),
        ])
        try writeText(json.serialized(), buf, cap, needed)
    }
}

@_cdecl("fcdd_tensor_file_read")
public func fcdd_tensor_file_read(_ p: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ out: UnsafeMutableRawPointer?,
                                  _ nbytes: Int64) -> Int32 {
    guarded {
        let file = try handle(p).file
        let key = try string(name, "name")
        guard let e = file[key] else { throw EngineError.notFound("no tensor named '\(key)' in the file") }
        guard nbytes == Int64(e.bytes.count) else {
            throw EngineError.shapeMismatch("'\(key)' has \(e.bytes.count) bytes, buffer has \(nbytes)")
        }
        let out = try required(out, "out")
        e.bytes.withUnsafeBytes { out.copyMemory(from: $0.baseAddress!, byteCount: e.bytes.count) }
    }
}

@_cdecl("fcdd_tensor_file_add")
public func fcdd_tensor_file_add(_ p: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ dtype: UnsafePointer<CChar>?,
                                 _ shape: UnsafePointer<Int64>?, _ rank: Int32, _ data: UnsafeRawPointer?,
                                 _ nbytes: Int64) -> Int32 {
    guarded {
        let h = try handle(p)
        let key = try string(name, "name")
        let typeName = try string(dtype, "dtype")
        guard let type = DType(rawValue: typeName) else { throw EngineError.invalidArgument("unknown dtype '\(typeName)'") }
        guard rank >= 0, rank <= 32 else { throw EngineError.invalidArgument("invalid rank \(rank)") }
        let dims = rank == 0 ? [] : Array(UnsafeBufferPointer(start: try required(shape, "shape"), count: Int(rank))).map(Int.init)
        guard dims.allSatisfy({ $0 >= 0 }) else { throw EngineError.invalidArgument("negative dimension in \(dims)") }
        let (count, overflow) = dims.reduce((1, false)) { acc, d in
            let m = acc.0.multipliedReportingOverflow(by: d)
            return (m.partialValue, acc.1 || m.overflow)
        }
        guard !overflow, case let (needed, false) = count.multipliedReportingOverflow(by: type.byteSize) else {
            throw EngineError.invalidArgument("'\(key)': shape \(dims) of \(typeName) is too large to address")
        }
        guard Int64(needed) == nbytes else {
            throw EngineError.shapeMismatch("'\(key)': shape \(dims) of \(typeName) needs \(needed) bytes, got \(nbytes)")
        }
        try CheckedAllocation.reserve(bytes: needed, what: "tensor '\(key)'")
        let bytes = nbytes == 0 ? [] : Array(UnsafeRawBufferPointer(start: try required(data, "data"), count: Int(nbytes)))
        h.file.add(try SafeTensorEntry.make(name: key, dtype: type, shape: dims, bytes: bytes))
    }
}

@_cdecl("fcdd_tensor_file_set_metadata")
public func fcdd_tensor_file_set_metadata(_ p: OpaquePointer?, _ key: UnsafePointer<CChar>?, _ value: UnsafePointer<CChar>?) -> Int32 {
    guarded {
        let h = try handle(p)
        let k = try string(key, "key"), v = try string(value, "value")
        h.file.metadata.removeAll { $0.0 == k }
        h.file.metadata.append((k, v))
    }
}

@_cdecl("fcdd_tensor_file_write")
public func fcdd_tensor_file_write(_ p: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    guarded { try handle(p).file.write(path: try string(path, "path")) }
}
