// The fully convolutional FCDD networks of the original (reference sections 2.2-2.4). Custom nets use
// BatchNorm eps 1e-4 with affine = bias and leaky ReLU; VGG-based nets use eps 1e-5, ReLU, and always
// have biases.

enum FCDDNetworks {
    static func cnn28(_ b: NetworkBuilder, width: Int) {
        let c = b.inShape[0]
        b.conv("conv1", c, width, 5, padding: 2)
        b.bn("bn2d1", width)
        b.leaky()
        b.pool(2)
        b.conv("conv2", width, width == 8 ? 16 : width, 5, padding: 2)
        b.pool(2)  // no BatchNorm or activation before this pool in the original
        b.conv("conv_final", width == 8 ? 16 : width, 1, 1)
    }

    static func cnn32(_ b: NetworkBuilder) {
        let c = b.inShape[0]
        b.conv("conv1", c, 32, 5, padding: 2)
        b.bn("bn2d1", 32); b.leaky(); b.pool(2)
        b.conv("conv2", 32, 64, 5, padding: 2)
        b.bn("bn2d2", 64); b.leaky(); b.pool(2)
        b.conv("conv3", 64, 128, 5, padding: 2)
        b.bn("bn2d3", 128, inForward: false)  // defined but never applied by the original
        b.conv("conv_final", 128, 1, 1)
    }

    static func cnn32LW3K(_ b: NetworkBuilder) {
        let c = b.inShape[0]
        b.conv("conv1", c, 128, 3, padding: 1)
        b.bn("bn2d1", 128); b.leaky(); b.pool(2)
        b.conv("conv2", 128, 256, 3, padding: 1)
        b.bn("bn2d2", 256); b.leaky()
        b.conv("conv25", 256, 256, 3, padding: 1)
        b.bn("bn2d25", 256); b.leaky(); b.pool(2)
        b.conv("conv3", 256, 128, 3, padding: 1)
        b.bn("bn2d3", 128, inForward: false)  // defined but never applied by the original
        b.conv("conv_final", 128, 1, 1)
    }

    static func cnn32S(_ b: NetworkBuilder) {
        let c = b.inShape[0]
        b.conv("conv1", c, 32, 3, padding: 1)
        b.bn("bn2d1", 32); b.leaky(); b.pool(2)
        b.conv("conv2", 32, 64, 3, padding: 1)
        b.bn("bn2d2", 64); b.leaky(); b.pool(2)
        b.conv("conv3", 64, 128, 3, padding: 1)
        b.conv("conv_final", 128, 1, 1)
    }

    /// FCDD_CNN224 (widths 8, 32, 64, 128, 128) and FCDD_CNN224_W (32, 128, 256, 256, 128); here the
    /// pools (k3 s2 p1) come after BatchNorm and activation.
    static func cnn224(_ b: NetworkBuilder, widths w: [Int]) {
        let c = b.inShape[0]
        b.conv("conv1", c, w[0], 5, padding: 2); b.bn("bn2d1", w[0]); b.leaky(); b.pool(3, stride: 2, padding: 1)
        b.conv("conv2", w[0], w[1], 5, padding: 2); b.bn("bn2d2", w[1]); b.leaky(); b.pool(3, stride: 2, padding: 1)
        b.conv("conv3", w[1], w[2], 3, padding: 1); b.bn("bn2d3", w[2]); b.leaky()
        b.conv("conv4", w[2], w[3], 3, padding: 1); b.bn("bn2d4", w[3]); b.leaky(); b.pool(3, stride: 2, padding: 1)
        b.conv("conv5", w[3], w[4], 3, padding: 1)
        b.conv("conv_final", w[4], 1, 1)
    }

    /// The first 21 modules of VGG11-BN's features and a 1x1 conv_final with bias. `_F` freezes
    /// modules 0..14 (parameters only: their BatchNorm running statistics keep updating).
    static func vgg(_ b: NetworkBuilder, frozen: Bool) {
        VGG.features(b, path: "features", moduleCount: 21, tracked: true, torchvisionInit: false,
                     frozenModules: frozen ? 15 : 0)
        b.conv("conv_final", 512, 1, 1, bias: true)
    }
}
