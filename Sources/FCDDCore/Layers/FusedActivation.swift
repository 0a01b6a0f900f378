// BatchNorm followed by ReLU or leaky ReLU, the block of every FCDD network, runs as one layer pass.
// Separately the pair makes four passes over an activation-sized array per step (BN writes, the
// activation reads and writes, backward twice more) and needs an extra activation-sized array in each
// direction; fused, BatchNorm applies the activation while it writes its output and masks the incoming
// gradient while it reads it. On a VGG step that is 200 MB arrays per block that are never written.
//
// The activation layer stays in the network (its place in the chain, profile and PyTorch names are
// unchanged) but passes values through; `Network.planFusion` pairs them up. Results are identical to
// the separate layers: the activation's gradient mask is read from the fused output, and `y > 0`
// holds exactly where the normalised value was > 0 for any slope >= 0 (also for NaN and -0).

/// The activation a BatchNorm applies to its own output.
enum FusedActivation: Equatable {
    case relu
    case leakyReLU(slope: Float)
}

/// An activation layer that can hand its work to the BatchNorm before it.
protocol FusableActivation: AnyObject {
    /// The activation as BatchNorm applies it, or nil when it cannot be fused (a negative slope).
    var fusedForm: FusedActivation? { get }
    /// When true the layer passes values and gradients through unchanged.
    var fusedIntoPrevious: Bool { get set }
}

extension Network {
    /// Fuses every BatchNorm that is directly followed by a fusable activation.
    static func planFusion(_ layers: [Layer]) {
        for i in layers.indices.dropLast() {
            guard let norm = layers[i] as? BatchNorm, let activation = layers[i + 1] as? FusableActivation,
                  let form = activation.fusedForm else { continue }
            norm.fusedActivation = form
            activation.fusedIntoPrevious = true
        }
    }
}

// The activations as specialisable kernels, so that BatchNorm's loops compile once per activation
// without a branch per value.

protocol ActivationKernel {
    /// The activation of a normalised value.
    func apply(_ v: Float) -> Float
    /// The incoming gradient `g` masked by the activation, given its output `y`.
    func gradient(_ g: Float, output y: Float) -> Float
    func gradient(_ g: SIMD8<Float>, output y: SIMD8<Float>) -> SIMD8<Float>
}

struct IdentityKernel: ActivationKernel {
    @inline(__always) func apply(_ v: Float) -> Float { v }
    @inline(__always) func gradient(_ g: Float, output y: Float) -> Float { g }
    @inline(__always) func gradient(_ g: SIMD8<Float>, output y: SIMD8<Float>) -> SIMD8<Float> { g }
}

struct ReLUKernel: ActivationKernel {
    @inline(__always) func apply(_ v: Float) -> Float { v > 0 ? v : 0 }
    @inline(__always) func gradient(_ g: Float, output y: Float) -> Float { y > 0 ? g : 0 }
    @inline(__always) func gradient(_ g: SIMD8<Float>, output y: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8<Float>().replacing(with: g, where: y .> 0)
    }
}

struct LeakyReLUKernel: ActivationKernel {
    let slope: Float
    @inline(__always) func apply(_ v: Float) -> Float { v > 0 ? v : v * slope }
    @inline(__always) func gradient(_ g: Float, output y: Float) -> Float { y > 0 ? g : g * slope }
    @inline(__always) func gradient(_ g: SIMD8<Float>, output y: SIMD8<Float>) -> SIMD8<Float> {
        (g * slope).replacing(with: g, where: y .> 0)
    }
}
