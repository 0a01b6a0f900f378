// Bytes across the C ABI: a caller's bytes read as a file would be (a model, a tensor file, an image; with
// the checks and limits of a file on disk), and bytes the engine hands out (a model in memory) with the
// function that frees them.
#if canImport(Glibc)
import Glibc
#endif
import FCDDCore

/// A copy of the caller's `nbytes` bytes at `data`, named `source` in messages, as a file's content.
func callerBytes(_ data: UnsafePointer<UInt8>?, _ nbytes: Int64, _ source: UnsafePointer<CChar>?) throws -> ModelBytes {
    guard nbytes >= 0 else { throw EngineError.invalidArgument("nbytes must be >= 0, got \(nbytes)") }
    let name = try string(source, "source")
    guard nbytes > 0 else { return ModelBytes(bytes: [], name: name) }
    try CheckedAllocation.reserve(bytes: Int(nbytes), what: "a copy of \(nbytes) bytes of \(name)")
    return ModelBytes(bytes: Array(UnsafeBufferPointer(start: try required(data, "data"), count: Int(nbytes))), name: name)
}

/// Hands `bytes` to the caller in memory from malloc, which fcdd_bytes_free releases.
func handOut(_ bytes: [UInt8], _ data: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
             _ nbytes: UnsafeMutablePointer<Int64>?) throws {
    let data = try required(data, "data"), nbytes = try required(nbytes, "nbytes")
    data.pointee = nil
    guard let memory = malloc(max(bytes.count, 1)) else {
        throw EngineError.outOfMemory("cannot allocate \(bytes.count) bytes for the caller")
    }
    let out = memory.assumingMemoryBound(to: UInt8.self)
    bytes.withUnsafeBufferPointer { if let base = $0.baseAddress { out.update(from: base, count: bytes.count) } }
    data.pointee = out
    nbytes.pointee = Int64(bytes.count)
}

@_cdecl("fcdd_bytes_free")
public func fcdd_bytes_free(_ data: UnsafeMutablePointer<UInt8>?) { free(data) }
