// Hypersphere-classifier baselines (reference section 2.6): conv stacks with dense heads.

enum HSCNetworks {
    static func cnn28(_ b: NetworkBuilder, widths w: [Int]) {
        let c = b.inShape[0]
        b.conv("conv1", c, w[0], 5, padding: 2); b.bn("bn1", w[0]); b.leaky(); b.pool(2)
        b.conv("conv2", w[0], w[1], 5, padding: 2); b.bn("bn2", w[1]); b.leaky(); b.pool(2)
        b.flatten(w[1] * 7 * 7)
        b.linear("fc_final", w[1] * 7 * 7, 48)
    }

    static func cnn32(_ b: NetworkBuilder) {
        let c = b.inShape[0]
        b.conv("conv1", c, 32, 5, padding: 2); b.bn("bn2d1", 32); b.leaky(); b.pool(2)
        b.conv("conv2", 32, 64, 5, padding: 2); b.bn("bn2d2", 64); b.leaky(); b.pool(2)
        b.conv("conv3", 64, 128, 5, padding: 2); b.bn("bn2d3", 128); b.leaky(); b.pool(2)
        denseHead(b, 128 * 4 * 4, hidden: 512, out: 64)
    }

    static func cnn32LW3K(_ b: NetworkBuilder) {
        let c = b.inShape[0]
        b.conv("conv1", c, 128, 3, padding: 1); b.bn("bn2d1", 128); b.leaky(); b.pool(2)
        b.conv("conv2", 128, 256, 3, padding: 1); b.bn("bn2d2", 256); b.leaky()
        b.conv("conv25", 256, 256, 3, padding: 1); b.bn("bn2d25", 256); b.leaky(); b.pool(2)
        b.conv("conv3", 256, 128, 3, padding: 1); b.bn("bn2d3", 128); b.leaky(); b.pool(2)
        denseHead(b, 128 * 4 * 4, hidden: 512, out: 64)
    }

    static func cnn224(_ b: NetworkBuilder) {
        let c = b.inShape[0]
        let plan: [(Int, Int, Int, Bool)] = [  // (in, out, kernel, pool afterwards)
            (c, 8, 5, true), (8, 32, 5, true), (32, 64, 3, false), (64, 128, 3, true),
            (128, 128, 3, true), (128, 64, 3, true),
        ]
        for (i, (ci, co, k, pooled)) in plan.enumerated() {
            b.conv("conv\(i + 1)", ci, co, k, padding: k / 2); b.bn("bn2d\(i + 1)", co); b.leaky()
            if pooled { b.pool(3, stride: 2, padding: 1) }
        }
        denseHead(b, 64 * 7 * 7, hidden: 1536, out: 784)
    }

    /// flatten -> fc1 -> BatchNorm1d -> leaky ReLU -> fc_final
    private static func denseHead(_ b: NetworkBuilder, _ features: Int, hidden: Int, out: Int) {
        b.flatten(features)
        b.linear("fc1", features, hidden)
        b.bn("bn1d1", hidden)
        b.leaky()
        b.linear("fc_final", hidden, out)
    }

    /// torchvision's vgg11_bn with its classifier cut to Linear-ReLU-Dropout-Linear (4096-d output),
    /// or complete (`full`, 1000-d). Initialised as torchvision does (Linear ~ N(0, 0.01), bias 0).
    static func vgg(_ b: NetworkBuilder, frozen: Bool, full: Bool) {
        VGG.features(b, path: "vgg.features", moduleCount: 29, tracked: false, torchvisionInit: true,
                     frozenModules: frozen ? 15 : 0)
        b.add(AdaptiveAvgPool2d(7, 7))
        b.flatten(512 * 7 * 7)
        let dims = full ? [25088, 4096, 4096, 1000] : [25088, 4096, 4096]
        for i in 0..<(dims.count - 1) {
            if i > 0 { b.relu(); b.add(Dropout(p: 0.5, rng: &b.rng)) }
            let fc = b.linear("vgg.classifier.\(3 * i)", dims[i], dims[i + 1], bias: true)
            fc.weight.value = Initializer.normal(fc.weight.value.shape, std: 0.01, rng: &b.rng)
            fc.bias?.value.fill(0)
        }
    }
}
