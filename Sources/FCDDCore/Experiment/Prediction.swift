// `fcdd-swift predict`: scores image files with a snapshot, preprocessing them exactly like the test
// split of the run that wrote it (the pipeline spec stored in the snapshot), and writes scores.csv and a
// heatmap overlay per image. Images of any size are first brought to the dataset's raw size the way the
// dataset's reader would (MVTec: PyTorch nearest to 240x240; fixed-size datasets: bilinear).

public struct PredictionRequest {
    public var snapshot: String
    public var inputs: [String]
    public var outputDirectory: String
    public var gaussStd: Double?

    public init(json: JSONValue) throws {
        guard let s = json["snapshot"]?.stringValue else { throw EngineError.invalidArgument("prediction: 'snapshot' (a path) is required") }
        guard let list = json["inputs"]?.arrayValue, !list.isEmpty else {
            throw EngineError.invalidArgument("prediction: 'inputs' must be a non-empty list of image paths")
        }
        let paths = list.compactMap { $0.stringValue }
        guard paths.count == list.count else { throw EngineError.invalidArgument("prediction: 'inputs' must hold strings") }
        guard let out = json["output_dir"]?.stringValue, !out.isEmpty else {
            throw EngineError.invalidArgument("prediction: 'output_dir' is required")
        }
        snapshot = s; inputs = paths; outputDirectory = out
        if let g = json["gauss_std"], g != .null {
            guard let v = g.doubleValue, v > 0, v.isFinite else { throw EngineError.invalidArgument("prediction: gauss_std must be > 0") }
            gaussStd = v
        }
    }
}

public enum Prediction {
    /// Images per network call.
    static let chunk = 16

    public static func run(_ request: PredictionRequest, report: (JSONValue) -> Bool) throws -> JSONValue {
        let (info, network) = try Snapshot.loadNetwork(path: request.snapshot)
        guard info.preprocessing != .null else {
            throw EngineError.format("\(request.snapshot) stores no preprocessing; it was not written by `fcdd-swift train`")
        }
        let spec = try PipelineSpec(json: info.preprocessing)
        let pipeline = try ItemPipeline(spec: spec, training: false)
        let gaussStd = request.gaussStd ?? info.gaussStd ?? 10
        try createDirectories(request.outputDirectory)
        let names = overlayNames(request.inputs)
        var csv = "path,score\n"
        var results = [JSONValue]()
        var start = 0
        while start < request.inputs.count {
            let end = min(request.inputs.count, start + chunk)
            let first = start
            let loaded = try Parallel.map(end - start) { k -> (raw: RawImage, input: [Float]) in
                let raw = try readImageFile(path: request.inputs[first + k])
                let prepared = try toRawShape(raw, spec: spec)
                var rng = RandomSource(seed: 0)
                return (prepared, try pipeline(prepared, groundTruth: nil, &rng).image.data)
            }
            let x = Tensor(shape: [loaded.count] + spec.shape, data: loaded.flatMap { $0.input })
            let result = try network.inspect(x, heatmaps: true, gaussStd: gaussStd)
            for k in 0..<loaded.count {
                let i = first + k
                let score = Double(result.scores[k])
                csv += "\(csvField(request.inputs[i])),\(score)\n"
                let overlayPath = request.outputDirectory + "/" + names[i]
                // Local normalisation with quantile 0.97, as the original's prediction script draws them.
                let hw = spec.shape[1] * spec.shape[2]
                try HeatmapOverlay.render(image: Tensor(shape: spec.shape, data: loaded[k].input),
                                          heatmap: Tensor(shape: [1, spec.shape[1], spec.shape[2]],
                                                          data: Array(result.heatmaps!.data[(k * hw)..<((k + 1) * hw)])),
                                          quantile: 0.97).write(path: overlayPath)
                results.append(.object([("path", .string(request.inputs[i])), ("score", .number(score)),
                                        ("heatmap", .string(overlayPath))]))
                if !report(.object([("event", .string("image")), ("index", .number(Double(i))),
                                    ("count", .number(Double(request.inputs.count))), ("path", .string(request.inputs[i]))])) {
                    try writeFileAtomically(Array(csv.utf8), to: request.outputDirectory + "/scores.csv")
                    return .object([("results", .array(results)), ("network", .string(info.network))])
                }
            }
            start = end
        }
        try writeFileAtomically(Array(csv.utf8), to: request.outputDirectory + "/scores.csv")
        return .object([("results", .array(results)), ("network", .string(info.network)),
                        ("gauss_std", .number(gaussStd)), ("csv", .string(request.outputDirectory + "/scores.csv"))])
    }

    /// The image as the dataset's reader would deliver it: the pipeline's channel count and, for datasets
    /// whose pipelines expect a fixed raw size, that size.
    static func toRawShape(_ image: RawImage, spec: PipelineSpec) throws -> RawImage {
        var out = image.channels == spec.channels ? image : image.converted(toChannels: spec.channels)
        let (h, w) = (spec.rawShape[1], spec.rawShape[2])
        guard h > 0, w > 0, out.height != h || out.width != w else { return out }
        switch spec.dataset {
        case .mvtec: out = out.resizedNearestTorch(height: h, width: w)
        case .imagenet, .pascalvoc, .custom, .customGT: break   // their test transforms resize any size
        default: out = try out.resized(to: .exact(height: h, width: w))
        }
        return out
    }

    /// `<stem>_heatmap.png` per input, made unique when two inputs share a file name.
    static func overlayNames(_ paths: [String]) -> [String] {
        var seen = [String: Int]()
        return paths.map { path in
            let file = path.split(separator: "/").last.map(String.init) ?? path
            let stem = file.contains(".") ? String(file[..<file.lastIndex(of: ".")!]) : file
            let n = seen[stem, default: 0]
            seen[stem] = n + 1
            return n == 0 ? "\(stem)_heatmap.png" : "\(stem)_\(n)_heatmap.png"
        }
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(",") || s.contains("\"") || s.contains("\n") else { return s }
        return "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
