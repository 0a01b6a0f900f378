// Builds networks the way the original defines them: modules are registered under their PyTorch
// names (which fixes the state-dict names and order), appended to the forward chain, and every conv
// or pool created through `conv`/`pool` updates the tracked receptive field (reference section 3.1).

final class NetworkBuilder {
    var rng: RandomSource
    let inShape: [Int]
    let bias: Bool
    /// Prefix for module paths, e.g. "encoder." while an autoencoder builds its encoder.
    var prefix = ""
    private(set) var reception: Reception
    private(set) var layers: [Layer] = []
    private(set) var modules: [(String, Layer)] = []

    init(inShape: [Int], bias: Bool, seed: UInt64) {
        self.inShape = inShape
        self.bias = bias
        self.rng = RandomSource(seed: seed)
        self.reception = Reception(n: inShape[1])
    }

    /// Registers `layer` under `path` (if it has state) and, unless `inForward` is false, appends it to
    /// the forward chain. Unused modules of the original (e.g. `bn2d3` of FCDD_CNN32) are registered
    /// without being applied, so that their names still appear in the state dict.
    @discardableResult
    func add<L: Layer>(_ layer: L, _ path: String? = nil, inForward: Bool = true) -> L {
        if let path { modules.append((prefix + path, layer)) }
        if inForward { layers.append(layer) }
        return layer
    }

    /// A convolution that updates the receptive field. `bias` defaults to the network's bias flag.
    @discardableResult
    func conv(_ path: String, _ c: Int, _ oc: Int, _ k: Int, stride: Int = 1, padding: Int = 0,
              bias: Bool? = nil, tracked: Bool = true) -> Conv2d {
        if tracked { reception = reception.after(kernel: k, stride: stride, padding: padding) }
        return add(Conv2d(c, oc, kernel: k, stride: stride, padding: padding, bias: bias ?? self.bias, rng: &rng), path)
    }

    @discardableResult
    func pool(_ k: Int, stride: Int? = nil, padding: Int = 0, tracked: Bool = true) -> MaxPool2d {
        let s = stride ?? k
        if tracked { reception = reception.after(kernel: k, stride: s, padding: padding) }
        return add(MaxPool2d(kernel: k, stride: s, padding: padding))
    }

    /// BatchNorm with the custom nets' defaults: eps 1e-4 and affine tied to the bias flag.
    @discardableResult
    func bn(_ path: String, _ c: Int, eps: Float = 1e-4, affine: Bool? = nil, inForward: Bool = true) -> BatchNorm {
        add(BatchNorm(c, eps: eps, affine: affine ?? bias), path, inForward: inForward)
    }

    @discardableResult
    func linear(_ path: String, _ i: Int, _ o: Int, bias: Bool? = nil) -> Linear {
        add(Linear(i, o, bias: bias ?? self.bias, rng: &rng), path)
    }

    @discardableResult
    func deconv(_ path: String, _ c: Int, _ oc: Int, _ k: Int, padding: Int, bias: Bool? = nil,
                xavier: Bool = false) -> ConvTranspose2d {
        let layer = ConvTranspose2d(c, oc, kernel: k, padding: padding, bias: bias ?? self.bias, rng: &rng)
        if xavier { layer.xavierUniform(gain: Initializer.leakyReLUGain, rng: &rng) }
        return add(layer, path)
    }

    func leaky() { add(LeakyReLU()) }
    func relu() { add(ReLU()) }
    func up() { add(UpsampleNearest2x()) }
    func flatten(_ features: Int) { add(Reshape([features])) }
    func view(_ shape: [Int]) { add(Reshape(shape)) }

    /// Runs `body` with module paths prefixed by `prefix` (an autoencoder's "encoder.").
    func scoped(_ prefix: String, _ body: () throws -> Void) rethrows {
        let saved = self.prefix
        self.prefix = saved + prefix
        defer { self.prefix = saved }
        try body()
    }

    func build(_ name: String, _ objective: Objective, correspondingFCDD: String? = nil) throws -> Network {
        try Network(name: name, objective: objective, inShape: inShape, bias: bias,
                    reception: objective == .fcdd ? reception : nil, layers: layers, modules: modules,
                    correspondingFCDD: correspondingFCDD)
    }
}
