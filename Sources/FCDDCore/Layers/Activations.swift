// Elementwise activations. Gradients follow PyTorch at the kinks: leaky ReLU and ReLU use the
// negative-side slope at exactly 0.
#if canImport(Glibc)
import Glibc
#endif
import FCDDKernels

/// The backward pass ReLU and leaky ReLU share: elementwise, written over the incoming gradient when
/// nobody else holds it, a pass-through when BatchNorm applies the activation (FusedActivation.swift).
protocol ElementwiseBackward: BackwardInPlace, PooledInputGradient {
    var fusedIntoPrevious: Bool { get }
    /// Writes the input gradient for `db` to `gb` (which may be `db`).
    func gradient(_ db: UnsafePointer<Float>, into gb: UnsafeMutablePointer<Float>, _ count: Int)
}

extension ElementwiseBackward {
    func elementwiseBackward(_ dy: Tensor) -> Tensor {
        if fusedIntoPrevious { return dy }
        return dy.data.withUnsafeBufferPointer { dp in
            gradientStorage.tensor(dy.shape) { gb, count in gradient(dp.baseAddress!, into: gb, count) }
        }
    }

    func backward(inPlace dy: inout Tensor, needInputGrad: Bool) {
        if fusedIntoPrevious { return }
        guard isUniquelyReferenced(&dy.data) else { dy = elementwiseBackward(dy); return }
        let count = dy.count
        dy.data.withUnsafeMutableBufferPointer { p in gradient(p.baseAddress!, into: p.baseAddress!, count) }
    }
}

/// Leaky ReLU, `x > 0 ? x : slope * x` (PyTorch default slope 0.01).
public final class LeakyReLU: Layer, KeepsOutput, CachesInput, FusableActivation, ElementwiseBackward {
    var keepsLargeOutput = false
    var fusedIntoPrevious = false
    var fusedForm: FusedActivation? { slope >= 0 ? .leakyReLU(slope: slope) : nil }
    public let slope: Float
    private var input: Tensor?
    private var outputStorage = ReusableArray<Float>()   // reused across calls
    var gradientStorage = GradientStorage()
    public init(slope: Float = 0.01) { self.slope = slope }
    public func outputShape(for input: [Int]) throws -> [Int] { input }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        if fusedIntoPrevious { return x }
        input = x
        let s = slope
        return x.data.withUnsafeBufferPointer { xp in
            let xb = xp.baseAddress!
            return outputStorage.tensor(x.shape, keepLarge: keepsLargeOutput) { yb, count in
                forEachElementChunk(count) { range in
                    // Branch-free select, so that the loop vectorises.
                    for i in range { let v = xb[i]; yb[i] = v > 0 ? v : v * s }
                }
            }
        }
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor { elementwiseBackward(dy) }

    func gradient(_ db: UnsafePointer<Float>, into gb: UnsafeMutablePointer<Float>, _ count: Int) {
        guard let x = input else { preconditionFailure("LeakyReLU.backward without forward") }
        let s = slope
        x.data.withUnsafeBufferPointer { xp in
            let xb = xp.baseAddress!
            forEachElementChunk(count) { range in
                for i in range { let g = db[i]; gb[i] = xb[i] > 0 ? g : g * s }
            }
        }
    }

    public func clearCache() { input = nil }
}

/// ReLU, `max(x, 0)`.
public final class ReLU: Layer, KeepsOutput, CachesOutput, FusableActivation, ElementwiseBackward {
    var keepsLargeOutput = true
    var fusedIntoPrevious = false
    var fusedForm: FusedActivation? { .relu }
    var cachesOutput: Bool { !fusedIntoPrevious }
    private var output: Tensor?
    private var outputStorage = ReusableArray<Float>()   // reused across calls
    var gradientStorage = GradientStorage()
    public init() {}
    public func outputShape(for input: [Int]) throws -> [Int] { input }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        if fusedIntoPrevious { return x }
        output = nil   // hand the previous output back to its storage
        let y = x.data.withUnsafeBufferPointer { xp in
            let xb = xp.baseAddress!
            return outputStorage.tensor(x.shape, keepLarge: keepsLargeOutput) { yb, count in
                forEachElementChunk(count) { range in
                    for i in range { let v = xb[i]; yb[i] = v > 0 ? v : 0 }
                }
            }
        }
        output = y
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor { elementwiseBackward(dy) }

    func gradient(_ db: UnsafePointer<Float>, into gb: UnsafeMutablePointer<Float>, _ count: Int) {
        guard let y = output else { preconditionFailure("ReLU.backward without forward") }
        y.data.withUnsafeBufferPointer { yp in
            let yb = yp.baseAddress!
            forEachElementChunk(count) { range in
                for i in range { gb[i] = yb[i] > 0 ? db[i] : 0 }
            }
        }
    }

    public func clearCache() { output = nil }
}

/// Logistic sigmoid, `1 / (1 + exp(-x))`.
public final class Sigmoid: Layer {
    private var output: Tensor?
    public init() {}
    public func outputShape(for input: [Int]) throws -> [Int] { input }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        var y = x
        y.data.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] = 1 / (1 + expf(-p[i])) } }
        output = y
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        guard let y = output else { preconditionFailure("Sigmoid.backward without forward") }
        var dx = dy
        y.data.withUnsafeBufferPointer { yp in
            dx.data.withUnsafeMutableBufferPointer { p in for i in p.indices { p[i] *= yp[i] * (1 - yp[i]) } }
        }
        return dx
    }

    public func clearCache() { output = nil }
}

/// Inverted dropout (PyTorch nn.Dropout): in training mode zeroes each value with probability `p` and
/// scales the rest by 1/(1-p); identity in eval mode. Its mask comes from the network's seeded RNG.
public final class Dropout: Layer {
    public let p: Double
    private var rng: RandomSource
    private var mask: [Float] = []
    private var wasTraining = false

    public init(p: Double = 0.5, rng: inout RandomSource) {
        self.p = p
        self.rng = rng.fork()
    }

    public func outputShape(for input: [Int]) throws -> [Int] { input }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        wasTraining = training
        guard training, p > 0 else { return x }
        let keep = Float(1 / (1 - p))
        mask = (0..<x.count).map { _ in rng.nextDouble() < p ? 0 : keep }
        var y = x
        for i in 0..<y.count { y.data[i] *= mask[i] }
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        guard wasTraining, p > 0 else { return dy }
        var dx = dy
        for i in 0..<dx.count { dx.data[i] *= mask[i] }
        return dx
    }

    public func clearCache() { mask = [] }
}
