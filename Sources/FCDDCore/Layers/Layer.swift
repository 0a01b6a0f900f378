// Layers are forward/backward pairs over NCHW float32 tensors. A layer caches exactly what its
// backward pass needs during `forward`; `backward` consumes that cache, accumulates (+=) gradients
// into its parameters and returns the gradient with respect to its input.

/// A learnable tensor with its gradient. `trainable == false` freezes it (no gradient, no update).
public final class Parameter {
    /// Local name inside the owning layer, e.g. "weight" (PyTorch naming).
    public let name: String
    public var value: Tensor { didSet { version &+= 1 } }
    /// Counts the changes of `value` (optimiser steps, loaded weights, in place or replaced), so that a
    /// layer keeps what it derives from the value (Conv2d's transformed weights) until the value changes.
    public private(set) var version = 0
    public var grad: Tensor
    public var trainable: Bool

    public init(_ name: String, _ value: Tensor, trainable: Bool = true) {
        self.name = name
        self.value = value
        self.grad = Tensor(zeros: value.shape)
        self.trainable = trainable
    }

    public func zeroGrad() { grad.fill(0) }
}

/// A non-learnable tensor that is part of the state (BatchNorm running statistics).
public final class Buffer {
    public let name: String
    public var value: Tensor
    /// PyTorch stores some buffers as integers (`num_batches_tracked` is int64).
    public let isInteger: Bool

    public init(_ name: String, _ value: Tensor, isInteger: Bool = false) {
        self.name = name
        self.value = value
        self.isInteger = isInteger
    }
}

public protocol Layer: AnyObject {
    /// Output shape for an input shape (including the batch dimension), or an error for shapes the
    /// layer cannot take.
    func outputShape(for input: [Int]) throws -> [Int]
    /// Computes the output; in training mode caches what `backward` needs and updates statistics.
    func forward(_ x: Tensor, training: Bool) -> Tensor
    /// Gradient w.r.t. the input of the last `forward` (computed only when `needInputGrad`; the first layer's
    /// is not needed), and accumulates (+=) the gradients of every trainable parameter.
    func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor
    var parameters: [Parameter] { get }
    var buffers: [Buffer] { get }
    /// Drops cached activations (saves memory after inference).
    func clearCache()
}

/// A layer whose large output can be kept from one call to the next (ReusableStorage.swift).
/// Keeping it is free when the output stays alive until the end of the step anyway (the next layer caches
/// it as its input, or the layer caches it itself); otherwise it would add an activation-sized array to
/// the peak, so the network decides per layer (`Network.planOutputReuse`).
protocol KeepsOutput: AnyObject {
    var keepsLargeOutput: Bool { get set }
}

/// A layer that caches its input for backward (so its producer's output lives until the end of the step).
protocol CachesInput {}

/// A layer that can write its input gradient over the incoming gradient's storage when nobody else
/// holds it (elementwise layers), instead of taking a fresh activation-sized array.
protocol BackwardInPlace: AnyObject {
    func backward(inPlace dy: inout Tensor, needInputGrad: Bool)
}

/// A layer that may cache its own output for backward (then keeping that output's array costs nothing).
protocol CachesOutput {
    var cachesOutput: Bool { get }
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var buffers: [Buffer] { [] }
    public func clearCache() {}
}

/// Weight initialisers with PyTorch semantics (torch.nn.init), driven by the engine's seeded RNG.
public enum Initializer {
    /// U(-bound, bound).
    public static func uniform(_ shape: [Int], bound: Double, rng: inout RandomSource) -> Tensor {
        var t = Tensor(zeros: shape)
        for i in 0..<t.count { t.data[i] = Float(rng.uniform(-bound, bound)) }
        return t
    }

    /// N(0, std^2).
    public static func normal(_ shape: [Int], std: Double, rng: inout RandomSource) -> Tensor {
        var t = Tensor(zeros: shape)
        for i in 0..<t.count { t.data[i] = Float(std * rng.normal()) }
        return t
    }

    /// torch.nn.init.calculate_gain("leaky_relu") with the default slope 0.01.
    public static let leakyReLUGain = (2.0 / (1.0 + 0.01 * 0.01)).squareRoot()
}
