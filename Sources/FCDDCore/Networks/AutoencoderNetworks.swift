// Autoencoder baselines (reference section 2.7): an HSC encoder under "encoder." followed by a decoder
// of nearest 2x upsampling and stride-1 transposed convolutions.

enum AutoencoderNetworks {
    /// AE28 (widths 3->4->8->1, Xavier re-init) and AE28_W (3->64->128->1, default init); sigmoid output.
    static func ae28(_ b: NetworkBuilder, wide: Bool) {
        b.scoped("encoder.") { HSCNetworks.cnn28(b, widths: wide ? [128, 64] : [8, 4]) }
        let w = wide ? [64, 128] : [4, 8]
        b.view([3, 4, 4]); b.leaky(); b.up()
        b.deconv("deconv1", 3, w[0], 5, padding: 2, xavier: !wide)
        b.bn("bn3", w[0]); b.leaky(); b.up()
        b.deconv("deconv2", w[0], w[1], 5, padding: 3, xavier: !wide)
        b.bn("bn4", w[1]); b.leaky(); b.up()
        b.deconv("deconv3", w[1], 1, 5, padding: 2, xavier: !wide)
        b.add(Sigmoid())
    }

    /// AE32 (k5, Xavier re-init) and AE32_LW3K (k3, an extra 256->256 stage, default init); no output
    /// nonlinearity; always 3 output channels.
    static func ae32(_ b: NetworkBuilder, lw3k: Bool) {
        b.scoped("encoder.") { lw3k ? HSCNetworks.cnn32LW3K(b) : HSCNetworks.cnn32(b) }
        b.bn("bn1d", 64)
        b.view([4, 4, 4]); b.leaky()
        let k = lw3k ? 3 : 5, p = lw3k ? 1 : 2, xavier = !lw3k
        b.deconv("deconv1", 4, 128, k, padding: p, xavier: xavier)
        b.bn("bn2d4", 128); b.leaky(); b.up()
        if lw3k {
            b.deconv("deconv2", 128, 256, k, padding: p)
            b.bn("bn2d5", 256); b.leaky()
            b.deconv("deconv25", 256, 256, k, padding: p)
            b.bn("bn2d55", 256); b.leaky(); b.up()
            b.deconv("deconv3", 256, 128, k, padding: p)
            b.bn("bn2d6", 128); b.leaky(); b.up()
            b.deconv("deconv4", 128, 3, k, padding: p)
        } else {
            b.deconv("deconv2", 128, 64, k, padding: p, xavier: xavier)
            b.bn("bn2d5", 64); b.leaky(); b.up()
            b.deconv("deconv3", 64, 32, k, padding: p, xavier: xavier)
            b.bn("bn2d6", 32); b.leaky(); b.up()
            b.deconv("deconv4", 32, 3, k, padding: p, xavier: xavier)
        }
    }

    /// AE224 on the CNN224 encoder (784-d code as 16x7x7); sigmoid output.
    static func ae224(_ b: NetworkBuilder) {
        b.scoped("encoder.") { HSCNetworks.cnn224(b) }
        b.bn("bn1d", 784)
        b.view([16, 7, 7]); b.leaky()
        // (in, out, kernel, upsample afterwards)
        let plan: [(Int, Int, Int, Bool)] = [
            (16, 64, 3, true), (64, 128, 3, true), (128, 128, 3, true), (128, 64, 3, false),
            (64, 32, 3, true), (32, 8, 5, true),
        ]
        for (i, (ci, co, k, upsampled)) in plan.enumerated() {
            b.deconv("deconv\(i + 1)", ci, co, k, padding: k / 2, xavier: true)
            b.bn("bn2dd\(i + 1)", co); b.leaky()
            if upsampled { b.up() }
        }
        b.deconv("deconv7", 8, b.inShape[0], 5, padding: 2, xavier: true)
        b.add(Sigmoid())
    }

    /// AE224_VGG* on a CNN224_VGG* encoder (4096-d code); PyTorch default eps and init, no sigmoid.
    static func ae224VGG(_ b: NetworkBuilder, frozen: Bool) {
        b.scoped("encoder.") { HSCNetworks.vgg(b, frozen: frozen, full: false) }
        b.bn("bn1d", 4096, eps: 1e-5, affine: true); b.relu()
        b.linear("declassifier.0", 4096, 25088, bias: true)
        b.bn("declassifier.1", 25088, eps: 1e-5, affine: true); b.relu()
        b.view([512, 7, 7])
        // defeatures: Upsample marks a 2x upsampling; the numbers are ConvTranspose2d output channels.
        let plan: [Int] = [0, 512, 512, 0, 512, 256, 0, 256, 128, 0, 64, 0]
        var index = 0, channels = 512
        for v in plan {
            if v == 0 { b.up(); index += 1; continue }
            b.deconv("defeatures.\(index)", channels, v, 3, padding: 1, bias: true)
            b.bn("defeatures.\(index + 1)", v, eps: 1e-5, affine: true); b.relu()
            index += 3
            channels = v
        }
        b.deconv("defeatures.\(index)", channels, b.inShape[0], 3, padding: 1, bias: true)
    }
}
