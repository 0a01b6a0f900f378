// Measurements for the benchmark: per-layer timings of a network and the sgemm throughput the engine's
// threading reaches, so convolutions can be reported as a share of the machine's matrix-multiply limit.
import FCDDCore

@_cdecl("fcdd_network_profile")
public func fcdd_network_profile(_ net: OpaquePointer?, _ x: UnsafePointer<Float>?, _ n: Int64, _ repetitions: Int32,
                                 _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64,
                                 _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let handle = try object(net, NetworkHandle.self, "net")
        let input = try batch(x, n, for: handle.net)
        let timings = try LayerProfile.run(handle.net, input, repetitions: Int(repetitions))
        try writeText(JSONValue.array(timings.map(\.json)).serialized(), buf, cap, needed)
    }
}

@_cdecl("fcdd_sgemm_gflops")
public func fcdd_sgemm_gflops(_ m: Int32, _ n: Int32, _ k: Int32, _ threads: Int32, _ seconds: Double,
                              _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        guard seconds.isFinite, seconds >= 0, seconds <= 600 else {
            throw EngineError.invalidArgument("seconds must be in [0, 600], got \(seconds)")
        }
        out.pointee = try LayerProfile.sgemmGFLOPS(m: Int(m), n: Int(n), k: Int(k), threads: Int(threads), seconds: seconds)
    }
}
