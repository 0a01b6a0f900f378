// torchvision's VGG11-BN feature stack (configuration "A" with BatchNorm): the module indices of
// `features` are the state-dict names ("features.0.weight", "features.1.running_var", ...).

enum VGG {
    /// Channel plan of VGG11; 0 marks a 2x2 max-pool.
    static let configA = [64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512, 0]

    /// Appends the first `moduleCount` modules of `features` (29 for the full stack; the FCDD nets keep
    /// 21, cutting before the 4th pool). Convs/pools update the receptive field when `tracked`.
    /// `torchvisionInit` applies torchvision's VGG initialisation (Kaiming-normal, fan-out, ReLU gain,
    /// zero bias) instead of PyTorch's layer defaults. `frozenModules` freezes modules 0..<n.
    static func features(_ b: NetworkBuilder, path: String, moduleCount: Int, tracked: Bool,
                         torchvisionInit: Bool, frozenModules: Int = 0) {
        var index = 0, channels = 3
        func name() -> String { "\(path).\(index)" }
        for v in configA where index < moduleCount {
            if v == 0 {
                b.pool(2, stride: 2, tracked: tracked)
                index += 1
                continue
            }
            let conv = b.conv(name(), channels, v, 3, stride: 1, padding: 1, bias: true, tracked: tracked)
            if torchvisionInit {
                conv.weight.value = Initializer.normal(conv.weight.value.shape,
                                                       std: (2.0 / Double(v * 9)).squareRoot(), rng: &b.rng)
                conv.bias?.value.fill(0)
            }
            if index < frozenModules { conv.parameters.forEach { $0.trainable = false } }
            index += 1
            let bn = b.bn(name(), v, eps: 1e-5, affine: true)
            if index < frozenModules { bn.parameters.forEach { $0.trainable = false } }
            index += 1
            b.relu()
            index += 1
            channels = v
        }
    }
}
