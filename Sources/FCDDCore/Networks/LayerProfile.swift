// Where a training step's time goes: every layer's forward and backward timed on its own, with the
// floating-point work of the convolutions, so that their GFLOP/s can be compared with what a plain sgemm
// reaches on the same machine and thread count (the benchmark's per-layer report).
#if canImport(Glibc)
import Glibc
#endif
import FCDDKernels

/// One layer's share of a training step.
public struct LayerTiming {
    public var index: Int
    public var kind: String
    public var inputShape: [Int]
    public var outputShape: [Int]
    public var forwardSeconds: Double
    public var backwardSeconds: Double
    /// Multiply-adds x 2 of forward and backward (convolutions only; 0 for other layers).
    public var forwardFlops: Double
    public var backwardFlops: Double

    public var json: JSONValue {
        func ints(_ v: [Int]) -> JSONValue { .array(v.map { .number(Double($0)) }) }
        return .object([
            ("index", .number(Double(index))), ("kind", .string(kind)), ("input_shape", ints(inputShape)),
            ("output_shape", ints(outputShape)), ("forward_seconds", .number(forwardSeconds)),
            ("backward_seconds", .number(backwardSeconds)), ("forward_flops", .number(forwardFlops)),
            ("backward_flops", .number(backwardFlops)),
        ])
    }
}

public enum LayerProfile {
    /// Times `repetitions` training-mode forward and backward passes of `x` layer by layer (after one
    /// untimed warm-up pass); returns the mean per layer. Gradients are zeroed afterwards.
    public static func run(_ network: Network, _ x: Tensor, repetitions: Int) throws -> [LayerTiming] {
        guard repetitions >= 1 else { throw EngineError.invalidArgument("repetitions must be >= 1") }
        _ = try network.forward(x)   // validates the batch (incl. BatchNorm's two values per channel)
        network.train()
        defer { network.zeroGrad(); network.clearCaches() }
        let layers = network.layers
        var shapes = [x.shape]
        for layer in layers { shapes.append(try layer.outputShape(for: shapes.last!)) }
        var forward = [Double](repeating: 0, count: layers.count), backward = forward
        for rep in 0...repetitions {
            var h = x
            for (i, layer) in layers.enumerated() {
                let start = now()
                h = layer.forward(h, training: true)
                if rep > 0 { forward[i] += now() - start }
            }
            var g = Tensor(shape: h.shape, data: [Float](repeating: 1 / Float(h.count), count: h.count))
            for (i, layer) in layers.enumerated().reversed() {
                let start = now()
                Network.backwardStep(layer, &g, needInputGrad: i > 0, pool: network.gradientPool)
                if rep > 0 { backward[i] += now() - start }
            }
            network.clearCaches()   // as a training step does, so that the layers reuse their arrays
        }
        return layers.indices.map { i in
            let (f, b) = flops(layers[i], input: shapes[i], output: shapes[i + 1], needInputGrad: i > 0)
            return LayerTiming(index: i, kind: String(describing: type(of: layers[i])), inputShape: shapes[i],
                               outputShape: shapes[i + 1], forwardSeconds: forward[i] / Double(repetitions),
                               backwardSeconds: backward[i] / Double(repetitions), forwardFlops: f, backwardFlops: b)
        }
    }

    /// 2 x multiply-adds of a convolution's forward (one product) and backward (weight gradient, plus the
    /// input gradient when it is needed).
    static func flops(_ layer: Layer, input: [Int], output: [Int], needInputGrad: Bool) -> (Double, Double) {
        guard let conv = layer as? Conv2d else { return (0, 0) }
        let n = Double(input[0]), outPlane = Double(output[2] * output[3])
        let product = 2 * n * Double(conv.outChannels) * outPlane * Double(conv.inChannels * conv.kernel * conv.kernel)
        return (product, needInputGrad ? 2 * product : product)
    }

    /// GFLOP/s of `threads` single-threaded m x k by k x n sgemms running side by side (the way the engine
    /// uses OpenBLAS: one thread each, work split over its own workers), over at least `seconds`.
    public static func sgemmGFLOPS(m: Int, n: Int, k: Int, threads: Int, seconds: Double) throws -> Double {
        guard m >= 1, n >= 1, k >= 1, m <= 1 << 14, n <= 1 << 14, k <= 1 << 14 else {
            throw EngineError.invalidArgument("sgemm sizes must be in 1...16384, got \(m) x \(n) x \(k)")
        }
        guard threads >= 1, threads <= 1024 else { throw EngineError.invalidArgument("threads must be >= 1") }
        let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
        var calls = 0
        let start = now()
        while calls == 0 || now() - start < seconds {
            a.withUnsafeBufferPointer { ap in
            b.withUnsafeBufferPointer { bp in
                let ab = ap.baseAddress!, bb = bp.baseAddress!
                Parallel.forEachChunk(threads, maxWorkers: threads, scratchCount: m * n) { _, range, c in
                    for _ in range {
                        sgemm(transA: false, transB: false, m: m, n: n, k: k, a: ab, lda: k, b: bb, ldb: n,
                              beta: 0, c: c, ldc: n)
                    }
                }
            }}
            calls += 1
        }
        return 2 * Double(m) * Double(n) * Double(k) * Double(threads * calls) / (now() - start) / 1e9
    }
}
