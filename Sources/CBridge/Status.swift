// Status codes and the per-thread last-error message of the C ABI (see include/fcdd.h). Every exported
// function runs its body through `guarded`, which turns thrown errors into a status code and a message,
// so no user input reaches a trap inside the host process.
#if canImport(Glibc)
import Glibc
#endif
import FCDDCore

enum Status {
    static let ok: Int32 = 0
    static let invalidArgument: Int32 = 1
    static let shape: Int32 = 2
    static let notFound: Int32 = 3
    static let io: Int32 = 4
    static let format: Int32 = 5
    static let state: Int32 = 6
    static let null: Int32 = 7
    static let bufferTooSmall: Int32 = 8
    static let outOfMemory: Int32 = 9
    static let exists: Int32 = 10

    static let names = ["FCDD_OK", "FCDD_ERR_INVALID_ARGUMENT", "FCDD_ERR_SHAPE", "FCDD_ERR_NOT_FOUND",
                        "FCDD_ERR_IO", "FCDD_ERR_FORMAT", "FCDD_ERR_STATE", "FCDD_ERR_NULL",
                        "FCDD_ERR_BUFFER_TOO_SMALL", "FCDD_ERR_OUT_OF_MEMORY", "FCDD_ERR_EXISTS"]
}

/// A failure of the bridge itself (NULL pointers, small buffers), beside the engine's errors.
struct BridgeError: Error {
    let status: Int32
    let message: String
}

/// The message of the last failure, one per thread (a pthread key whose destructor frees it).
enum LastError {
    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k) { free($0) }
        return k
    }()

    static func set(_ message: String) {
        if let old = pthread_getspecific(key) { free(old) }
        pthread_setspecific(key, strdup(message))
    }

    static var pointer: UnsafePointer<CChar> {
        if let p = pthread_getspecific(key) { return UnsafePointer(p.assumingMemoryBound(to: CChar.self)) }
        set("")
        return UnsafePointer(pthread_getspecific(key)!.assumingMemoryBound(to: CChar.self))
    }
}

/// Runs `body`, mapping errors to status codes and recording their message for this thread.
func guarded(_ body: () throws -> Void) -> Int32 {
    do {
        try body()
        return Status.ok
    } catch let e as EngineError {
        LastError.set(e.description)
        switch e {
        case .invalidArgument: return Status.invalidArgument
        case .shapeMismatch: return Status.shape
        case .notFound: return Status.notFound
        case .io: return Status.io
        case .format: return Status.format
        case .state: return Status.state
        case .outOfMemory: return Status.outOfMemory
        case .exists: return Status.exists
        }
    } catch let e as BridgeError {
        LastError.set(e.message)
        return e.status
    } catch {
        LastError.set("\(error)")
        return Status.invalidArgument
    }
}

/// Unwraps a required pointer argument.
func required<T>(_ p: T?, _ what: String) throws -> T {
    guard let p else { throw BridgeError(status: Status.null, message: "\(what) must not be NULL") }
    return p
}

/// Reads a required C string argument.
func string(_ p: UnsafePointer<CChar>?, _ what: String) throws -> String {
    String(cString: try required(p, what))
}

/// Writes `text` into (buf, cap) with its NUL; reports the needed size; fails if it does not fit.
func writeText(_ text: String, _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64,
               _ needed: UnsafeMutablePointer<Int64>?) throws {
    let bytes = Array(text.utf8)
    needed?.pointee = Int64(bytes.count + 1)
    guard let buf, cap >= Int64(bytes.count + 1) else {
        throw BridgeError(status: Status.bufferTooSmall, message: "text buffer too small: \(bytes.count + 1) bytes needed")
    }
    for (i, b) in bytes.enumerated() { buf[i] = CChar(bitPattern: b) }
    buf[bytes.count] = 0
}

/// Checks a caller-provided count against the expected number of values.
func checkCount(_ given: Int64, _ expected: Int, _ what: String) throws {
    guard given == Int64(expected) else {
        throw EngineError.shapeMismatch("\(what) holds \(given) values, \(expected) needed")
    }
}

/// Copies `count` floats from a caller's pointer.
func floats(_ p: UnsafePointer<Float>?, _ count: Int, _ what: String) throws -> [Float] {
    let p = try required(p, what)
    return Array(UnsafeBufferPointer(start: p, count: count))
}

/// A batch (n, item shape) from a caller's pointer, with the sizes checked and the memory of the copy and
/// of `outputFloatsPerItem` per item reserved before any memory is read.
func batch(_ x: UnsafePointer<Float>?, _ n: Int64, itemShape: [Int], outputFloatsPerItem: Int = 0) throws -> Tensor {
    guard n >= 1, n <= 1 << 24 else { throw EngineError.shapeMismatch("batch size must be in 1...\(1 << 24), got \(n)") }
    let shape = [Int(n)] + itemShape
    let perItem = try CheckedAllocation.bytes(itemShape, elementSize: 1, what: "input") + outputFloatsPerItem
    try CheckedAllocation.reserve([Int(n), perItem], elementSize: MemoryLayout<Float>.size, what: "a batch of \(shape)")
    return Tensor(shape: shape, data: try floats(x, shape.reduce(1, *), "input"))
}

/// A batch (n, C, H, W) for `net` from a caller's pointer, with the sizes checked, and the memory of a
/// pass over it reserved, before any memory is read.
func batch(_ x: UnsafePointer<Float>?, _ n: Int64, for net: Network) throws -> Tensor {
    guard n >= 1, n <= 1 << 24 else { throw EngineError.shapeMismatch("batch size must be in 1...\(1 << 24), got \(n)") }
    try net.reserveWorkingMemory(batch: Int(n), training: net.training)
    let shape = [Int(n)] + net.inShape
    return Tensor(shape: shape, data: try floats(x, shape.reduce(1, *), "input"))
}
