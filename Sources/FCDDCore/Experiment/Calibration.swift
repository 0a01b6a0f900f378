// `fcdd-swift calibrate`: sets a model's image and pixel thresholds from folders of images, nominal ones
// and (optionally) anomalous ones with ground-truth masks, and writes the model with them to a new file.
// The model is scored as `predict` scores (ModelFileScorer), the thresholds are chosen by
// ThresholdCalibration, and the written file is the input's tensors with the new thresholds in its
// metadata, so a training snapshot stays resumable and an fs.FCDD model loadable.

public struct CalibrationRequest {
    public var model: String
    public var normal: [String]
    public var anomalous: [String]
    /// The ground-truth mask per anomalous image (nil: none; such images count for the image threshold only).
    public var masks: [String?]
    public var imageMethod: ThresholdMethod?
    public var pixelMethod: ThresholdMethod?
    public var output: String
    /// Replace an existing output file (never the default).
    public var overwrite = false

    public init(json: JSONValue) throws {
        func bad(_ why: String) -> EngineError { .invalidArgument("calibration: \(why)") }
        func paths(_ key: String) throws -> [String] {
            guard let v = json[key], v != .null else { return [] }
            guard let list = v.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else { throw bad("'\(key)' must be a list of paths") }
            return list.map { $0.stringValue! }
        }
        guard let m = json["model"]?.stringValue else { throw bad("'model' (a path) is required") }
        guard let out = json["output"]?.stringValue, !out.isEmpty else { throw bad("'output' (a path) is required") }
        model = m; output = out
        normal = try paths("normal"); anomalous = try paths("anomalous")
        guard !normal.isEmpty else { throw bad("'normal' needs at least one image of a nominal (good) part") }
        if let v = json["masks"], v != .null {
            guard let list = v.arrayValue, list.count == anomalous.count,
                  list.allSatisfy({ $0 == .null || $0.stringValue != nil }) else {
                throw bad("'masks' must hold a path or null per anomalous image")
            }
            masks = list.map { $0.stringValue }
        } else {
            masks = [String?](repeating: nil, count: anomalous.count)
        }
        imageMethod = try json["image"].flatMap { $0 == .null ? nil : try ThresholdMethod(json: $0) }
        pixelMethod = try json["pixel"].flatMap { $0 == .null ? nil : try ThresholdMethod(json: $0) }
        if let o = json["overwrite"], o != .null {
            guard let v = o.boolValue else { throw bad("'overwrite' must be true or false") }
            overwrite = v
        }
    }
}

public enum Calibration {
    public static func run(_ request: CalibrationRequest, report: (JSONValue) -> Bool) throws -> JSONValue {
        if !request.overwrite && DirectoryListing.kind(of: request.output) != .missing {
            throw EngineError.exists("\(request.output) exists; choose another output (-o) or replace it with --overwrite")
        }
        let scorer = try ModelFileScorer(path: request.model)
        let all = request.normal + request.anomalous
        var scores = [Float](), pixelScores = [Float](), pixelLabels = [UInt8]()
        var stopped = false
        try scorer.score(all, maps: true) { i, result in
            let scored: ModelFileScorer.Scored
            switch result {
            case .failure(let e): throw EngineError.io("calibration needs every image it is given: \(e)")
            case .success(let s): scored = s
            }
            scores.append(scored.score)
            let map = scored.map!
            // Every pixel of every image is pooled (the pixel threshold ranks them all): a set too large for
            // this machine is an error here, not a failed allocation later (x2: an array grows by doubling).
            try CheckedAllocation.reserve([pixelScores.count + map.count, 2 * (MemoryLayout<Float>.size + 1)],
                                          elementSize: 1, what: "the pooled pixel scores of \(i + 1) calibration images")
            if i < request.normal.count {
                pixelScores += map
                pixelLabels += [UInt8](repeating: 0, count: map.count)
            } else if let maskPath = request.masks[i - request.normal.count] {
                pixelScores += map
                pixelLabels += try maskLabels(maskPath, height: scored.image.height, width: scored.image.width)
            }
            let go = report(.object([("event", .string("image")), ("index", .number(Double(i))), ("count", .number(Double(all.count))),
                                     ("path", .string(all[i]))]))
            if !go { stopped = true }
            return go
        }
        if stopped { throw EngineError.state("calibration stopped before every image was scored; nothing was written") }
        let labels = [UInt8](repeating: 0, count: request.normal.count) + [UInt8](repeating: 1, count: request.anomalous.count)
        let hasMaskPixels = pixelLabels.contains { $0 != 0 }
        let image = try ThresholdCalibration.choose(
            scores: scores, labels: labels,
            method: request.imageMethod ?? (request.anomalous.isEmpty ? .maxFPR(ThresholdMethod.defaultMaxFPR) : .f1),
            what: "image scores")
        let pixel = try ThresholdCalibration.choose(
            scores: pixelScores, labels: pixelLabels,
            method: request.pixelMethod ?? (hasMaskPixels ? .f1 : .nominalQuantile(ThresholdMethod.defaultPixelQuantile)),
            what: "pixel scores")
        let thresholds = DecisionThresholds(image: image, pixel: pixel)
        var (info, file) = try Snapshot.read(path: request.model)
        info.thresholds = thresholds
        file.metadata = file.metadata.filter { $0.0 != "fcdd" } + [("fcdd", info.json.serialized())]
        try writeFileAtomically(file.serialize(), to: request.output, replacing: request.overwrite)
        return .object([("thresholds", thresholds.json), ("output", .string(request.output)),
                        ("normal", .number(Double(request.normal.count))), ("anomalous", .number(Double(request.anomalous.count))),
                        ("masks", .number(Double(request.masks.compactMap { $0 }.count)))])
    }

    /// A ground-truth mask as 0/1 per pixel of the image it belongs to (non-zero = anomalous); a mask of
    /// another size is brought to the image's with nearest neighbours.
    static func maskLabels(_ path: String, height: Int, width: Int) throws -> [UInt8] {
        var mask = try readImageFile(path: path)
        if mask.channels != 1 { mask = mask.converted(toChannels: 1) }
        if mask.height != height || mask.width != width { mask = mask.resizedNearestPIL(height: height, width: width) }
        return mask.pixels.map { $0 == 0 ? 0 : 1 }
    }
}
