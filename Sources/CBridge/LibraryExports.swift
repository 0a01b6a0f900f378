// Library-wide functions of the C ABI: version, errors, runtime information, thread count.
import FCDDCore

private let versionCString: UnsafePointer<CChar> = {
    UnsafePointer(strdupString(FCDDVersion.string))
}()
private let statusCStrings: [UnsafePointer<CChar>] = Status.names.map { UnsafePointer(strdupString($0)) }
private let unknownStatus: UnsafePointer<CChar> = UnsafePointer(strdupString("FCDD_ERR_UNKNOWN"))

/// A C string that lives for the rest of the process (for static strings of the ABI).
private func strdupString(_ s: String) -> UnsafeMutablePointer<CChar> {
    let bytes = Array(s.utf8CString)
    let p = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count)
    p.initialize(from: bytes, count: bytes.count)
    return p
}

@_cdecl("fcdd_version")
public func fcdd_version() -> UnsafePointer<CChar> { versionCString }

@_cdecl("fcdd_last_error")
public func fcdd_last_error() -> UnsafePointer<CChar> { LastError.pointer }

@_cdecl("fcdd_status_string")
public func fcdd_status_string(_ status: Int32) -> UnsafePointer<CChar> {
    status >= 0 && Int(status) < statusCStrings.count ? statusCStrings[Int(status)] : unknownStatus
}

@_cdecl("fcdd_info")
public func fcdd_info(_ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64, _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let info: JSONValue = .object([
            ("version", .string(FCDDVersion.string)),
            ("blas_core", .string(BLASInfo.coreName)),
            ("blas_config", .string(BLASInfo.config)),
            ("blas_threads", .number(Double(BLASInfo.threads))),
            ("threads", .number(Double(EngineRuntime.threads))),
            ("vector_code", .string(BuildTarget.vectorCode)),
        ])
        try writeText(info.serialized(), buf, cap, needed)
    }
}

@_cdecl("fcdd_set_num_threads")
public func fcdd_set_num_threads(_ threads: Int32) -> Int32 {
    guarded {
        try EngineRuntime.setDefaultThreads(Int(threads))
    }
}

@_cdecl("fcdd_set_limit")
public func fcdd_set_limit(_ name: UnsafePointer<CChar>?, _ value: Int64) -> Int32 {
    guarded { try EngineLimits.set(try string(name, "name"), Int(value)) }
}

@_cdecl("fcdd_get_limit")
public func fcdd_get_limit(_ name: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded { try required(out, "out").pointee = Int64(try EngineLimits.value(try string(name, "name"))) }
}

@_cdecl("fcdd_network_names")
public func fcdd_network_names(_ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64, _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        try writeText(JSONValue.array(NetworkRegistry.names.map { .string($0) }).serialized(), buf, cap, needed)
    }
}

@_cdecl("fcdd_receptive_upsample")
public func fcdd_receptive_upsample(_ maps: UnsafePointer<Float>?, _ n: Int64, _ side: Int32, _ j: Int32, _ r: Int32,
                                    _ s: Double, _ outSide: Int32, _ std: Double, _ out: UnsafeMutablePointer<Float>?) -> Int32 {
    guarded {
        guard side >= 1, side <= 1 << 14, outSide >= 1, outSide <= 1 << 14, j >= 1, r >= 1, r <= 1 << 14,
              s >= 0, s.isFinite else {
            throw EngineError.invalidArgument("invalid upsampling geometry side=\(side) out_side=\(outSide) j=\(j) r=\(r) s=\(s)")
        }
        let x = try batch(maps, n, itemShape: [1, Int(side), Int(side)], outputFloatsPerItem: Int(outSide) * Int(outSide))
        let rec = Reception(n: Int(side), j: Int(j), r: Int(r), s: s)
        let y = try ReceptiveUpsampling.upsample(x, reception: rec, outSide: Int(outSide), std: std > 0 ? std : nil)
        let out = try required(out, "out")
        y.data.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: y.count) }
    }
}
