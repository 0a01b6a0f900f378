// A network is a chain of layers applied in order, plus named modules whose parameters and buffers
// form the PyTorch-compatible state dict ("conv1.weight", "features.1.running_var", ...).

/// Receptive field of the network's output (reference section 3.1): feature length `n`, jump `j`,
/// extent `r` and centre of the first feature `s`, in input pixels.
public struct Reception: Equatable {
    public var n: Int, j: Int, r: Int
    public var s: Double

    public init(n: Int, j: Int = 1, r: Int = 1, s: Double = 0) { self.n = n; self.j = j; self.r = r; self.s = s }

    /// The receptive field after a conv or pooling window (dilation 1); r and s use the old jump.
    public func after(kernel k: Int, stride st: Int, padding p: Int) -> Reception {
        Reception(n: (n + 2 * p - k) / st + 1, j: j * st, r: r + (k - 1) * j,
                  s: s + (Double(k - 1) / 2 - Double(p)) * Double(j))
    }
}

/// A named entry of the state dict.
public enum StateEntry {
    case parameter(Parameter)
    case buffer(Buffer)

    public var tensor: Tensor {
        switch self { case .parameter(let p): return p.value; case .buffer(let b): return b.value }
    }
}

public final class Network {
    public let name: String
    /// The objective this network family is built for (the original asserts the pairing): FCDD nets
    /// output a one-channel map, HSC nets a feature vector, autoencoders an image of the input's size.
    public let objective: Objective
    /// Input shape (C, H, W) the network was built for.
    public let inShape: [Int]
    public let bias: Bool
    /// Receptive field of the output map (FCDD networks only).
    public let reception: Reception?
    /// Layers in forward order.
    public let layers: [Layer]
    /// Module path for each layer that owns state, in PyTorch registration order.
    public let modules: [(path: String, layer: Layer)]
    /// Output shape of one item.
    public let outItemShape: [Int]
    public private(set) var training = true
    /// Whether parameter gradients from a backward pass exist (an optimiser step needs them).
    public internal(set) var hasGradients = false
    /// The FCDD network whose receptive field sizes the blur of this baseline's heatmaps (section 2.6).
    public let correspondingFCDD: String?
    /// Spare arrays for the layers' large input gradients (GradientPool.swift).
    let gradientPool = GradientPool()
    /// Floats per item of all layer outputs together and of the largest one (for `reserveWorkingMemory`).
    let outputFloatsPerItem: Int, widestOutputFloatsPerItem: Int

    init(name: String, objective: Objective, inShape: [Int], bias: Bool, reception: Reception?,
         layers: [Layer], modules: [(String, Layer)], correspondingFCDD: String?) throws {
        self.name = name; self.objective = objective; self.inShape = inShape; self.bias = bias
        self.reception = reception; self.layers = layers
        self.modules = modules.map { (path: $0.0, layer: $0.1) }
        self.correspondingFCDD = correspondingFCDD
        var shape = [1] + inShape
        var total = 0, widest = 0
        for layer in layers {
            shape = try layer.outputShape(for: shape)
            guard let floats = checkedProduct(shape), case let (sum, false) = total.addingReportingOverflow(floats) else {
                throw EngineError.invalidArgument("\(name): in_shape \(inShape) makes layer outputs too large to address")
            }
            total = sum; widest = max(widest, floats)
        }
        outputFloatsPerItem = total; widestOutputFloatsPerItem = widest
        outItemShape = Array(shape.dropFirst())
        Network.planFusion(layers)
        Network.planOutputReuse(layers)
        for case let layer as PooledInputGradient in layers { layer.gradientStorage.pool = gradientPool }
    }

    /// Lets a layer keep its large training output between steps where that costs no peak memory: when
    /// the layer caches it itself or the next layer caches it as its input anyway.
    static func planOutputReuse(_ layers: [Layer]) {
        for (i, layer) in layers.enumerated() {
            guard let keeper = layer as? KeepsOutput else { continue }
            let cachedHere = (layer as? CachesOutput)?.cachesOutput ?? false
            keeper.keepsLargeOutput = cachedHere || (i + 1 < layers.count && layers[i + 1] is CachesInput)
        }
    }

    public func train() { training = true }
    public func eval() { training = false }
    public func setTraining(_ on: Bool) { training = on }

    /// The state dict in PyTorch order: every parameter and buffer under its full name.
    public var stateEntries: [(name: String, entry: StateEntry)] {
        var out = [(name: String, entry: StateEntry)]()
        for (path, layer) in modules {
            let prefix = path.isEmpty ? "" : path + "."
            for p in layer.parameters { out.append((prefix + p.name, .parameter(p))) }
            for b in layer.buffers { out.append((prefix + b.name, .buffer(b))) }
        }
        return out
    }

    /// Every parameter with its full name.
    public var namedParameters: [(name: String, parameter: Parameter)] {
        stateEntries.compactMap { e in
            if case .parameter(let p) = e.entry { return (e.name, p) }
            return nil
        }
    }

    public var parameterCount: Int { namedParameters.reduce(0) { $0 + $1.parameter.value.count } }

    /// The trainable parameters that take part in the forward pass. Some original networks construct a
    /// module they never call (FCDD_CNN32's and FCDD_CNN32_LW3K's `bn2d3`): its parameters are in the state
    /// dict but never get a gradient, and PyTorch's optimisers skip them, weight decay included.
    public var optimizedParameters: [(name: String, parameter: Parameter)] {
        let used = Set(layers.map { ObjectIdentifier($0) })
        var out = [(name: String, parameter: Parameter)]()
        for (path, layer) in modules where used.contains(ObjectIdentifier(layer)) {
            let prefix = path.isEmpty ? "" : path + "."
            for p in layer.parameters where p.trainable { out.append((prefix + p.name, p)) }
        }
        return out
    }

    /// Checks an input batch (N, C, H, W) against the network's input shape.
    public func validateInput(_ shape: [Int]) throws {
        guard shape.count == 4, Array(shape.dropFirst()) == inShape else {
            throw EngineError.shapeMismatch("\(name) expects input (N, \(inShape.map(String.init).joined(separator: ", "))), got \(shape)")
        }
        guard shape[0] >= 1 else { throw EngineError.shapeMismatch("empty batch") }
    }

    /// Throws `.outOfMemory` when a pass over `batch` items cannot have its memory on this machine: in
    /// training every layer output is kept for the backward pass and gets a gradient of its size; in eval
    /// mode a layer's input and output exist at once. Called before batches are built from outside sizes.
    public func reserveWorkingMemory(batch: Int, training: Bool) throws {
        let inputFloats = inShape.reduce(1, *)
        let perItem = inputFloats + 2 * (training ? outputFloatsPerItem : widestOutputFloatsPerItem)
        try CheckedAllocation.reserve([batch, perItem], elementSize: MemoryLayout<Float>.size,
                                      what: "\(name) on \(batch) x \(inShape.map(String.init).joined(separator: " x ")) \(training ? "(training)" : "(inference)")")
    }

    /// Forward pass in the current mode. Training mode updates BatchNorm running statistics.
    public func forward(_ x: Tensor) throws -> Tensor {
        try validateInput(x.shape)
        try reserveWorkingMemory(batch: x.shape[0], training: training)
        if training {
            // PyTorch refuses to normalise a single value per channel; so do we, before any state changes.
            var shape = x.shape
            for layer in layers {
                if layer is BatchNorm, BatchNorm.valuesPerChannel(shape) < 2 {
                    throw EngineError.invalidArgument("BatchNorm in training mode needs more than one value per channel; use a batch of at least 2 images for \(name)")
                }
                shape = try layer.outputShape(for: shape)
            }
        }
        var h = x
        for layer in layers { h = layer.forward(h, training: training) }
        return h
    }

    /// Backpropagates `dOut` through the last forward pass; parameter gradients are accumulated.
    /// Returns the gradient w.r.t. the input when `needInputGrad`.
    @discardableResult
    public func backward(_ dOut: Tensor, needInputGrad: Bool = false) -> Tensor {
        var g = dOut
        for (i, layer) in layers.enumerated().reversed() {
            Network.backwardStep(layer, &g, needInputGrad: needInputGrad || i > 0, pool: gradientPool)
        }
        return g
    }

    /// One layer's backward step: in place where the layer supports it; otherwise the consumed gradient
    /// goes back to `pool` for the next layer to write into.
    @inline(__always)
    static func backwardStep(_ layer: Layer, _ g: inout Tensor, needInputGrad: Bool, pool: GradientPool? = nil) {
        if let inPlace = layer as? BackwardInPlace {
            inPlace.backward(inPlace: &g, needInputGrad: needInputGrad)
        } else {
            var consumed = Tensor(shape: [0], data: [])
            swap(&consumed, &g)
            g = layer.backward(consumed, needInputGrad: needInputGrad)
            pool?.recycle(&consumed)
        }
    }

    public func zeroGrad() { for (_, p) in namedParameters { p.zeroGrad() } }

    public func clearCaches() { for layer in layers { layer.clearCache() } }

    /// Sets a state entry from a tensor of the same number of values.
    /// What any value of a state entry must be, whoever sets it (a file, PyTorch weights, the C ABI):
    /// finite, and for BatchNorm's running variance and batch count not below 0. A negative variance is
    /// finite but makes every score NaN, so it is refused here rather than discovered in the scores.
    static func checkStateValues(_ name: String, _ values: [Float], source: String?) throws {
        let prefix = source.map { "\($0): " } ?? ""
        for v in values where !v.isFinite {
            throw EngineError.invalidArgument("\(prefix)'\(name)' contains NaN or infinity")
        }
        if name.hasSuffix("running_var"), let v = values.first(where: { $0 < 0 }) {
            throw EngineError.invalidArgument("\(prefix)'\(name)' holds the variance \(v); a variance is never below 0")
        }
        if name.hasSuffix("num_batches_tracked"), let v = values.first(where: { $0 < 0 }) {
            throw EngineError.invalidArgument("\(prefix)'\(name)' counts \(v) batches; a count is never below 0")
        }
    }

    public func setState(_ name: String, _ values: [Float]) throws {
        guard let e = stateEntries.first(where: { $0.name == name }) else {
            throw EngineError.notFound("\(self.name) has no parameter or buffer named '\(name)'")
        }
        let expected = e.entry.tensor.count
        guard values.count == expected else {
            throw EngineError.shapeMismatch("'\(name)' needs \(expected) values \(e.entry.tensor.shape), got \(values.count)")
        }
        try Network.checkStateValues(name, values, source: nil)
        switch e.entry {
        case .parameter(let p): p.value = Tensor(shape: p.value.shape, data: values)
        case .buffer(let b): b.value = Tensor(shape: b.value.shape, data: values)
        }
    }
}
