// Elementwise activations. Gradients follow PyTorch at the kinks: leaky ReLU and ReLU use the
// negative-side slope at exactly 0.
#if canImport(Glibc)
import Glibc
#endif

/// Leaky ReLU, `x > 0 ? x : slope * x` (PyTorch default slope 0.01).
public final class LeakyReLU: Layer {
    public let slope: Float
    private var input: Tensor?
    public init(slope: Float = 0.01) { self.slope = slope }
    public func outputShape(for input: [Int]) throws -> [Int] { input }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        input = x
        var y = x
        let s = slope
        y.data.withUnsafeMutableBufferPointer { p in for i in p.indices where p[i] <= 0 { p[i] *= s } }
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        guard let x = input else { preconditionFailure("LeakyReLU.backward without forward") }
        var dx = dy
        let s = slope
        x.data.withUnsafeBufferPointer { xp in
            dx.data.withUnsafeMutableBufferPointer { p in for i in p.indices where !(xp[i] > 0) { p[i] *= s } }
        }
        return dx
    }

    public func clearCache() { input = nil }
}

/// ReLU, `max(x, 0)`.
public final class ReLU: Layer {
    private var output: Tensor?
    public init() {}
    public func outputShape(for input: [Int]) throws -> [Int] { input }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        var y = x
        y.data.withUnsafeMutableBufferPointer { p in for i in p.indices where !(p[i] > 0) { p[i] = 0 } }
        output = y
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        guard let y = output else { preconditionFailure("ReLU.backward without forward") }
        var dx = dy
        y.data.withUnsafeBufferPointer { yp in
            dx.data.withUnsafeMutableBufferPointer { p in for i in p.indices where !(yp[i] > 0) { p[i] = 0 } }
        }
        return dx
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
