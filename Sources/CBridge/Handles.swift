// Opaque handles: Swift objects retained for the C side and released by the *_free functions.
import FCDDCore

final class NetworkHandle {
    let net: Network
    init(_ net: Network) { self.net = net }
}

final class OptimizerHandle {
    let optimizer: Optimizer
    let network: NetworkHandle   // kept alive as long as the optimiser
    var scheduler: Scheduler?
    init(_ optimizer: Optimizer, _ network: NetworkHandle) { self.optimizer = optimizer; self.network = network }
}

final class TensorFileHandle {
    var file: SafeTensorsFile
    init(_ file: SafeTensorsFile) { self.file = file }
}

func retain<T: AnyObject>(_ object: T) -> OpaquePointer {
    OpaquePointer(Unmanaged.passRetained(object).toOpaque())
}

/// Stores a retained handle to the object `make` builds in `*out`, after clearing it: when `make` throws,
/// the caller finds NULL there rather than whatever it held.
func deliver<T: AnyObject>(_ out: UnsafeMutablePointer<OpaquePointer?>?, _ make: () throws -> T) throws {
    let out = try required(out, "out")
    out.pointee = nil
    out.pointee = retain(try make())
}

/// The object behind a handle, checked to be of the expected kind: every handle is a Swift object, so its
/// dynamic type tells a network from a file; passing the wrong kind is an argument error, not memory
/// corruption. (A pointer that is no handle at all cannot be recognised; the C side must not pass one.)
func object<T: AnyObject>(_ p: OpaquePointer?, _ type: T.Type, _ what: String) throws -> T {
    let p = try required(p, what)
    let any = Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
    guard let typed = any as? T else {
        throw EngineError.invalidArgument("\(what) is \(kindName(of: Swift.type(of: any))), not \(kindName(of: T.self))")
    }
    return typed
}

/// "a network handle (fcdd_network *)" for the messages.
func kindName(of type: Any.Type) -> String {
    switch type {
    case is NetworkHandle.Type: return "a network handle (fcdd_network *)"
    case is OptimizerHandle.Type: return "an optimizer handle (fcdd_optimizer *)"
    case is TensorFileHandle.Type: return "a tensor-file handle (fcdd_tensor_file *)"
    case is DetectorHandle.Type: return "a detector handle (fcdd_detector *)"
    default: return "a handle of another kind"
    }
}

/// Releases a handle; a handle of another kind is left alone (a free function has no status to report).
func release<T: AnyObject>(_ p: OpaquePointer?, _ type: T.Type) {
    guard let p else { return }
    let unmanaged = Unmanaged<AnyObject>.fromOpaque(UnsafeRawPointer(p))
    guard unmanaged.takeUnretainedValue() is T else { return }
    unmanaged.release()
}
