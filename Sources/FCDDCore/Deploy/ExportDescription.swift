// What a deployment graph needs from a model file, described by the engine: the test-time preprocessing
// after the images are at the network's input size, every layer in forward order with its attributes and
// the names of its weights in the file, and the head that turns the network's output into scores and
// anomaly maps (FCDD: pseudo-Huber, mean, receptive-field Gaussian upsampling). Exporters (ONNX in
// python/fcdd_swift/deploy) build their graph from this, so there is one definition of each step: the
// engine's.

public enum ExportDescription {
    /// The description of the model file at `path` (a detector model or a training snapshot).
    public static func describe(path: String) throws -> JSONValue {
        try describe(try ModelBytes.file(path))
    }

    /// The description of a model file's bytes.
    public static func describe(_ model: ModelBytes) throws -> JSONValue {
        let (info, network) = try Snapshot.loadNetwork(model)
        let path = model.name
        guard info.preprocessing != .null else {
            throw EngineError.format("\(path): the model file holds no preprocessing (written by an older version?); it cannot be exported")
        }
        let spec: PipelineSpec
        do { spec = try PipelineSpec(json: info.preprocessing) } catch let e as EngineError {
            throw EngineError.format("\(path): invalid preprocessing (\(e))")
        }
        guard spec.shape == network.inShape else {
            throw EngineError.format("\(path): the preprocessing's input shape \(spec.shape) is not the network's \(network.inShape)")
        }
        // Files from before the thresholds were the engine's kept the image threshold in fs.FCDD's fields.
        let threshold = info.thresholds.image?.value ?? info.extra["user"]?["threshold"]?.doubleValue
        let tiles = try TileScoring.stored(in: info)
        return .object([
            ("format", .string("fcdd-swift-export")), ("version", .number(1)),
            ("engine_version", .string(FCDDVersion.string)),
            ("network", .string(network.name)), ("objective", .string(network.objective.rawValue)),
            ("in_shape", .array(network.inShape.map { .number(Double($0)) })),
            ("threshold", threshold.map { .number($0) } ?? .null),
            ("pixel_threshold", info.thresholds.pixel.map { .number($0.value) } ?? .null),
            ("thresholds", info.thresholds.json),
            ("outside", .string(tiles.map { tiledSteps($0, spec) } ?? outsideSteps(spec))),
            ("tiles", tiles.map { t in .object([("size", .number(Double(t.layout.size))), ("stride", .number(Double(t.layout.stride))),
                                                ("score", .string(t.score.rawValue)), ("top_k", .number(Double(t.topK)))]) } ?? .null),
            ("preprocessing", .array(try preprocessing(spec))),
            ("layers", .array(try layers(network))),
            ("head", try head(network, gaussStd: info.gaussStd)),
        ])
    }

    /// The steps around the graph of a model fitted on tiles (fcdd_swift.deploy.tiles does them).
    static func tiledSteps(_ tiles: TileScoring, _ spec: PipelineSpec) -> String {
        let s = tiles.layout.size
        let combine = tiles.score == .max ? "the highest tile score" : "the mean of the \(tiles.topK) highest tile scores"
        return "images of any size are cut into \(s)x\(s) tiles every \(tiles.layout.stride) pixels (the last tile of a row or column flush with the edge; images smaller than a tile have their edge pixels repeated), each tile as \(spec.channels)-channel values in [0, 1] (uint8 / 255), N x \(spec.channels) x \(s) x \(s); the tiles' anomaly maps are averaged where they overlap and the image's score is \(combine) (fcdd_swift.deploy.tiles.score_tiled)"
    }

    /// What happens to an image before the graph's input (resizing, cropping), in words for the docs and
    /// the model's metadata.
    static func outsideSteps(_ spec: PipelineSpec) -> String {
        let (h, w) = (spec.shape[1], spec.shape[2])
        let values = "\(spec.channels)-channel values in [0, 1] (uint8 / 255), N x \(spec.channels) x \(h) x \(w)"
        switch spec.transform {
        case .resizedToInput:
            return "images of another size are resized to \(h)x\(w) (PIL-style bilinear with antialiasing, as the engine's decision_function does); then \(values)"
        case .asStored:
            return "images at \(h)x\(w) as stored; \(values)"
        case .cropOrResizeWithMaps:
            return "MVTec-AD images resized to \(spec.rawShape[1])x\(spec.rawShape[2]) and then to \(h)x\(w), both with nearest neighbours (PIL NEAREST); \(values)"
        case .shorterSideThenCrop:
            return "images resized to a shorter side of \(spec.rawShape[1]) (PIL bilinear), then a centred \(h)x\(w) crop; \(values)"
        case .squareResizeThenCrop:
            return "images resized to \(spec.rawShape[1])x\(spec.rawShape[2]) (PIL bilinear), then a centred \(h)x\(w) crop; \(values)"
        case .squareResize:
            return "images resized to \(h)x\(w) (PIL bilinear); \(values)"
        case .jointResizeWithMaps:
            return "images resized to \(h)x\(w) with nearest neighbours (PIL NEAREST); \(values)"
        }
    }

    /// The test-time normalisation, in order (ItemPipeline.normalise).
    static func preprocessing(_ spec: PipelineSpec) throws -> [JSONValue] {
        func doubles(_ a: [Double]) -> JSONValue { .array(a.map { .number($0) }) }
        switch spec.preprocessing {
        case .lcn, .lcnaug1:
            guard let lo = spec.constants.lcnMin, let hi = spec.constants.lcnMax else {
                throw EngineError.format("LCN preprocessing without its minima and maxima")
            }
            // Min-max as Normalize(min, max - min), the range computed in double like the engine.
            return [.object([("op", .string("lcn")), ("scale", .string("l1"))]),
                    .object([("op", .string("normalize")), ("mean", doubles(lo)), ("std", doubles(zip(hi, lo).map { $0 - $1 }))])]
        default:
            return [.object([("op", .string("normalize")), ("mean", doubles(spec.constants.mean)), ("std", doubles(spec.constants.std))])]
        }
    }

    /// Every layer in forward order with the input shape it receives (N = 1).
    static func layers(_ network: Network) throws -> [JSONValue] {
        var paths = [ObjectIdentifier: String]()
        for (path, layer) in network.modules { paths[ObjectIdentifier(layer)] = path }
        func name(_ layer: Layer, _ entry: String?) -> JSONValue {
            guard let entry else { return .null }
            let path = paths[ObjectIdentifier(layer)] ?? ""
            return .string(path.isEmpty ? entry : path + "." + entry)
        }
        func int(_ v: Int) -> JSONValue { .number(Double(v)) }
        var shape = [1] + network.inShape
        var out = [JSONValue]()
        for layer in network.layers {
            var fields: [(String, JSONValue)]
            switch layer {
            case let l as Conv2d:
                fields = [("op", .string("conv")), ("weight", name(l, l.weight.name)), ("bias", name(l, l.bias?.name)),
                          ("kernel", int(l.kernel)), ("stride", int(l.stride)), ("padding", int(l.padding))]
            case let l as ConvTranspose2d:
                fields = [("op", .string("conv_transpose")), ("weight", name(l, l.weight.name)), ("bias", name(l, l.bias?.name)),
                          ("kernel", int(l.kernel)), ("stride", int(l.stride)), ("padding", int(l.padding)),
                          ("output_padding", int(l.outputPadding))]
            case let l as BatchNorm:
                fields = [("op", .string("batch_norm")), ("weight", name(l, l.weight?.name)), ("bias", name(l, l.bias?.name)),
                          ("running_mean", name(l, l.runningMean.name)), ("running_var", name(l, l.runningVar.name)),
                          ("eps", .number(Double(l.eps))), ("channels", int(l.channels))]
            case let l as MaxPool2d:
                fields = [("op", .string("max_pool")), ("kernel", int(l.kernel)), ("stride", int(l.stride)), ("padding", int(l.padding))]
            case let l as LeakyReLU:
                fields = [("op", .string("leaky_relu")), ("slope", .number(Double(l.slope)))]
            case is ReLU: fields = [("op", .string("relu"))]
            case is Sigmoid: fields = [("op", .string("sigmoid"))]
            case is Dropout: fields = [("op", .string("identity"))]
            case let l as Linear:
                fields = [("op", .string("linear")), ("weight", name(l, l.weight.name)), ("bias", name(l, l.bias?.name))]
            case is UpsampleNearest2x: fields = [("op", .string("upsample_nearest")), ("scale", int(2))]
            case let l as Reshape: fields = [("op", .string("reshape")), ("item_shape", .array(l.itemShape.map(int)))]
            case let l as AdaptiveAvgPool2d:
                fields = [("op", .string("adaptive_avg_pool")), ("output", .array([int(l.outH), int(l.outW)]))]
            default:
                throw EngineError.invalidArgument("\(network.name): the layer \(type(of: layer)) has no export description")
            }
            fields.append(("in_shape", .array(shape.map(int))))
            shape = try layer.outputShape(for: shape)
            fields.append(("out_shape", .array(shape.map(int))))
            out.append(.object(fields))
        }
        return out
    }

    /// Scores and maps from the network's output (Network.inspect).
    static func head(_ network: Network, gaussStd: Double?) throws -> JSONValue {
        switch network.objective {
        case .fcdd:
            guard let rec = network.reception else { throw EngineError.state("\(network.name) has no receptive field") }
            let std = gaussStd ?? ReceptiveUpsampling.defaultStd(kernelSize: rec.r)
            // The transposed convolution of the original: kernel g g^T every j pixels, then the crop that
            // starts at pad - int(s) (ReceptiveUpsampling.samplingMatrix): output pixel y = position y + start.
            return .object([
                ("kind", .string("fcdd")),
                ("kernel_1d", .array(ReceptiveUpsampling.kernel1D(rec.r, std: std).map { .number($0) })),
                ("stride", .number(Double(rec.j))), ("start", .number(Double((rec.r - 1) / 2 - Int(rec.s)))),
                ("map_side", .number(Double(network.outItemShape.last ?? rec.n))), ("side", .number(Double(network.inShape[2]))), ("gauss_std", .number(std)),
            ])
        case .hsc: return .object([("kind", .string("hsc"))])
        case .ae: return .object([("kind", .string("ae"))])
        }
    }
}
