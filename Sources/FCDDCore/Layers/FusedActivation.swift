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
// The loops and the FusedActivation cases live with the kernels (FCDDKernels/BatchNormKernels.swift).
import FCDDKernels

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
