// Optimisers over a network's trainable parameters with PyTorch's update rules (reference 5.1).
// Weight decay is coupled L2 (added to the gradient), applied to every trainable parameter including
// biases and BatchNorm affine parameters. Frozen parameters are skipped entirely.
#if canImport(Glibc)
import Glibc
#endif

public protocol Optimizer: AnyObject {
    var learningRate: Double { get set }
    /// Applies one update from the parameters' current gradients.
    func step()
    /// Per-parameter state tensors (momentum buffers, Adam moments) under PyTorch-like names, for snapshots.
    var stateTensors: [(name: String, tensor: Tensor)] { get }
    func loadState(_ tensors: [String: Tensor]) throws
}

/// SGD with momentum, optional Nesterov, dampening 0, coupled weight decay (torch.optim.SGD).
public final class SGD: Optimizer {
    public var learningRate: Double
    public let momentum: Double, weightDecay: Double, nesterov: Bool
    private let params: [(name: String, parameter: Parameter)]
    private var buffers: [[Float]?]

    public init(_ net: Network, lr: Double, momentum: Double = 0, nesterov: Bool = false, weightDecay: Double = 0) throws {
        guard lr >= 0, lr.isFinite, momentum >= 0, momentum.isFinite, weightDecay >= 0, weightDecay.isFinite else {
            throw EngineError.invalidArgument("SGD needs lr, momentum and weight_decay >= 0, got lr=\(lr) momentum=\(momentum) weight_decay=\(weightDecay)")
        }
        guard !nesterov || momentum > 0 else { throw EngineError.invalidArgument("Nesterov momentum requires momentum > 0") }
        self.learningRate = lr; self.momentum = momentum; self.nesterov = nesterov; self.weightDecay = weightDecay
        params = net.optimizedParameters
        buffers = [[Float]?](repeating: nil, count: params.count)
    }

    /// Updates in place: the weights, the gradient (read only) and the momentum buffer are touched
    /// through pointers, so a step allocates nothing after the first one created the buffers.
    public func step() {
        let lr = Float(learningRate), mu = Float(momentum), wd = Float(weightDecay), nesterov = self.nesterov
        for (k, (_, p)) in params.enumerated() where p.trainable {
            let count = p.value.count
            let fresh = mu != 0 && buffers[k] == nil
            if fresh { buffers[k] = [Float](repeating: 0, count: count) }
            p.value.data.withUnsafeMutableBufferPointer { w in
                p.grad.data.withUnsafeBufferPointer { g in
                    guard mu != 0 else {
                        for i in 0..<count {
                            var d = g[i]
                            if wd != 0 { d += wd * w[i] }
                            w[i] -= lr * d
                        }
                        return
                    }
                    buffers[k]!.withUnsafeMutableBufferPointer { b in
                        for i in 0..<count {
                            var d = g[i]
                            if wd != 0 { d += wd * w[i] }
                            b[i] = fresh ? d : mu * b[i] + d   // the first step's buffer is the gradient itself
                            if nesterov { d += mu * b[i] } else { d = b[i] }
                            w[i] -= lr * d
                        }
                    }
                }
            }
        }
    }

    public var stateTensors: [(name: String, tensor: Tensor)] {
        params.enumerated().compactMap { k, e in
            buffers[k].map { (e.name + ".momentum_buffer", Tensor(shape: e.parameter.value.shape, data: $0)) }
        }
    }

    public func loadState(_ tensors: [String: Tensor]) throws {
        for (k, e) in params.enumerated() {
            guard let t = tensors[e.name + ".momentum_buffer"] else { buffers[k] = nil; continue }
            guard t.count == e.parameter.value.count else {
                throw EngineError.shapeMismatch("momentum buffer of '\(e.name)' has \(t.count) values, expected \(e.parameter.value.count)")
            }
            buffers[k] = t.data
        }
    }
}

/// Adam with coupled L2 weight decay (torch.optim.Adam, amsgrad off).
public final class Adam: Optimizer {
    public var learningRate: Double
    public let beta1: Double, beta2: Double, eps: Double, weightDecay: Double
    private let params: [(name: String, parameter: Parameter)]
    private var m: [[Float]], v: [[Float]]
    public private(set) var steps = 0

    public init(_ net: Network, lr: Double = 1e-3, beta1: Double = 0.9, beta2: Double = 0.999, eps: Double = 1e-8,
                weightDecay: Double = 0) throws {
        guard lr >= 0, lr.isFinite, (0..<1).contains(beta1), (0..<1).contains(beta2), eps >= 0, weightDecay >= 0,
              weightDecay.isFinite else {
            throw EngineError.invalidArgument("Adam needs lr >= 0, betas in [0, 1), eps >= 0 and weight_decay >= 0")
        }
        self.learningRate = lr; self.beta1 = beta1; self.beta2 = beta2; self.eps = eps; self.weightDecay = weightDecay
        params = net.optimizedParameters
        m = params.map { [Float](repeating: 0, count: $0.parameter.value.count) }
        v = m
    }

    public func step() {
        steps += 1
        let b1 = Float(beta1), b2 = Float(beta2), wd = Float(weightDecay), e = Float(eps)
        let bc1 = 1 - pow(beta1, Double(steps)), bc2Sqrt = (1 - pow(beta2, Double(steps))).squareRoot()
        let stepSize = Float(learningRate / bc1), bc2s = Float(bc2Sqrt)
        for (k, (_, p)) in params.enumerated() where p.trainable {
            let count = p.value.count
            p.value.data.withUnsafeMutableBufferPointer { w in
                p.grad.data.withUnsafeBufferPointer { gp in
                    m[k].withUnsafeMutableBufferPointer { mk in
                        v[k].withUnsafeMutableBufferPointer { vk in
                            for i in 0..<count {
                                var g = gp[i]
                                if wd != 0 { g += wd * w[i] }
                                mk[i] = b1 * mk[i] + (1 - b1) * g
                                vk[i] = b2 * vk[i] + (1 - b2) * g * g
                                let denom = vk[i].squareRoot() / bc2s + e
                                w[i] -= stepSize * mk[i] / denom
                            }
                        }
                    }
                }
            }
        }
    }

    public var stateTensors: [(name: String, tensor: Tensor)] {
        var out = [(name: String, tensor: Tensor)]()
        for (k, e) in params.enumerated() {
            out.append((e.name + ".exp_avg", Tensor(shape: e.parameter.value.shape, data: m[k])))
            out.append((e.name + ".exp_avg_sq", Tensor(shape: e.parameter.value.shape, data: v[k])))
        }
        out.append(("step", Tensor(shape: [1], data: [Float(steps)])))
        return out
    }

    public func loadState(_ tensors: [String: Tensor]) throws {
        for (k, e) in params.enumerated() {
            for (suffix, isFirst) in [(".exp_avg", true), (".exp_avg_sq", false)] {
                guard let t = tensors[e.name + suffix] else { throw EngineError.notFound("optimizer state lacks '\(e.name + suffix)'") }
                guard t.count == e.parameter.value.count else {
                    throw EngineError.shapeMismatch("'\(e.name + suffix)' has \(t.count) values, expected \(e.parameter.value.count)")
                }
                if isFirst { m[k] = t.data } else { v[k] = t.data }
            }
        }
        steps = Int(tensors["step"]?.data.first ?? 0)
    }
}
