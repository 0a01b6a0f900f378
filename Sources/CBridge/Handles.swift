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

func object<T: AnyObject>(_ p: OpaquePointer?, _ type: T.Type, _ what: String) throws -> T {
    let p = try required(p, what)
    return Unmanaged<T>.fromOpaque(UnsafeRawPointer(p)).takeUnretainedValue()
}

func release<T: AnyObject>(_ p: OpaquePointer?, _ type: T.Type) {
    guard let p else { return }
    Unmanaged<T>.fromOpaque(UnsafeRawPointer(p)).release()
}
