// `fcdd-swift predict`: scores image files with a model file (a `train` snapshot or an `fs.FCDD` model),
// decides each image under the thresholds stored in the model (label, anomalous regions), and writes
// predictions.jsonl and/or scores.csv, a heatmap overlay per image at the image's own resolution (with the
// regions outlined and a frame in the verdict's colour) and, when asked, binary mask PNGs. Images of any
// size are first brought to the dataset's raw size the way the dataset's reader would (MVTec: PyTorch
// nearest to 240x240; fixed-size datasets: bilinear); heatmaps are brought back to the image's size.

#if canImport(Glibc)
import Glibc
#endif

public struct PredictionRequest {
    public var snapshot: String
    public var inputs: [String]
    public var outputDirectory: String
    public var gaussStd: Double?
    /// Write into an output folder that already holds files (replacing those of the same names); without
    /// it such a folder is an error.
    public var overwrite = false
    /// Which tables to write: "jsonl" (predictions.jsonl) and "csv" (scores.csv).
    public var formats: Set<String> = ["jsonl", "csv"]
    /// Write a binary mask PNG per image (masks/<input folders>/<stem>_mask.png): 255 inside a region.
    public var masks = false
    /// Regions smaller than this many pixels are dropped.
    public var minArea = 1

    public init(json: JSONValue) throws {
        func bad(_ why: String) -> EngineError { .invalidArgument("prediction: \(why)") }
        guard let s = json["snapshot"]?.stringValue else { throw bad("'snapshot' (a path) is required") }
        guard let list = json["inputs"]?.arrayValue, !list.isEmpty else { throw bad("'inputs' must be a non-empty list of image paths") }
        let paths = list.compactMap { $0.stringValue }
        guard paths.count == list.count else { throw bad("'inputs' must hold strings") }
        guard let out = json["output_dir"]?.stringValue, !out.isEmpty else { throw bad("'output_dir' is required") }
        snapshot = s; inputs = paths; outputDirectory = out
        if let g = json["gauss_std"], g != .null {
            guard let v = g.doubleValue, v > 0, v.isFinite else { throw bad("gauss_std must be > 0") }
            gaussStd = v
        }
        func flag(_ key: String) throws -> Bool? {
            guard let o = json[key], o != .null else { return nil }
            guard let v = o.boolValue else { throw bad("'\(key)' must be true or false") }
            return v
        }
        overwrite = try flag("overwrite") ?? false
        masks = try flag("masks") ?? false
        if let f = json["formats"], f != .null {
            let names = f.arrayValue?.compactMap { $0.stringValue } ?? []
            guard !names.isEmpty, names.count == f.arrayValue?.count, names.allSatisfy({ $0 == "jsonl" || $0 == "csv" }) else {
                throw bad("'formats' must be a non-empty list of \"jsonl\" and \"csv\"; got \(f.serialized())")
            }
            formats = Set(names)
        }
        if let m = json["min_area"], m != .null {
            guard let v = m.intValue, v >= 1 else { throw bad("min_area must be an integer >= 1; got \(m.serialized())") }
            minArea = v
        }
    }
}

public enum Prediction {
    /// Scores every readable input; an input that cannot be read or prepared is reported (its `error`)
    /// and skipped, and the rest are scored.
    public static func run(_ request: PredictionRequest, report: (JSONValue) -> Bool) throws -> JSONValue {
        let scorer = try ModelFileScorer(path: request.snapshot, gaussStd: request.gaussStd)
        let thresholds = scorer.info.thresholds
        if !request.overwrite && DirectoryListing.kind(of: request.outputDirectory) == .directory,
           !(try DirectoryListing.entries(of: request.outputDirectory, what: "the output folder")).isEmpty {
            throw EngineError.exists("\(request.outputDirectory) already holds files (earlier predictions?); replace them with --overwrite (\"overwrite\": true), or choose another output folder")
        }
        try createDirectories(request.outputDirectory)
        let names = outputStems(request.inputs)
        var records = [JSONValue]()
        var failed = 0
        try scorer.score(request.inputs, maps: true) { i, result in
            var entry: [(String, JSONValue)] = [("path", .string(request.inputs[i]))]
            switch result {
            case .failure(let e):
                failed += 1
                entry += [("score", .null), ("label", .null), ("regions", .null), ("error", .string(e.description))]
            case .success(let scored):
                let (h, w) = (scored.image.height, scored.image.width)
                var mask = [UInt8](repeating: 0, count: h * w)
                let decision = mask.withUnsafeMutableBufferPointer {
                    Decisions.decide(scores: [scored.score], maps: scored.map, height: h, width: w, thresholds: thresholds,
                                     minArea: request.minArea, masks: $0)[0]
                }
                entry += decision.fields + [("error", .null)]
                let overlay = request.outputDirectory + "/" + names[i] + "_heatmap.png"
                try writeOverlay(scored, decision: decision, mask: decision.regions == nil ? nil : mask, to: overlay)
                entry.append(("heatmap", .string(overlay)))
                if request.masks && decision.regions != nil {
                    let path = request.outputDirectory + "/masks/" + names[i] + "_mask.png"
                    try createDirectories(String(path[..<path.lastIndex(of: "/")!]))
                    try PNGImage(width: w, height: h, channels: 1, pixels: mask.map { $0 == 0 ? 0 : 255 }).write(path: path)
                    entry.append(("mask", .string(path)))
                }
            }
            records.append(.object(entry))
            var event: [(String, JSONValue)] = [("event", .string("image")), ("index", .number(Double(i))),
                                                ("count", .number(Double(request.inputs.count))), ("path", .string(request.inputs[i]))]
            if case .failure(let e) = result { event.append(("error", .string(e.description))) }
            return report(.object(event))
        }
        var written = [(String, JSONValue)]()
        if request.formats.contains("jsonl") {
            let path = request.outputDirectory + "/predictions.jsonl"
            try writeFileAtomically(Array(records.map { $0.serialized() + "\n" }.joined().utf8), to: path)
            written.append(("jsonl", .string(path)))
        }
        if request.formats.contains("csv") {
            let path = request.outputDirectory + "/scores.csv"
            try writeFileAtomically(Array(csv(records).utf8), to: path)
            written.append(("csv", .string(path)))
        }
        let scored = records.count - failed
        var missing = [String]()
        if thresholds.image == nil { missing.append("image") }
        if thresholds.pixel == nil { missing.append("pixel") }
        return .object([("results", .array(records)), ("network", .string(scorer.info.network)), ("gauss_std", .number(scorer.gaussStd)),
                        ("files", .object(written)), ("scored", .number(Double(scored))), ("failed", .number(Double(failed))),
                        ("count", .number(Double(request.inputs.count))),
                        ("thresholds", thresholds.json), ("missing_thresholds", .array(missing.map { .string($0) }))])
    }

    /// The overlay at the image's resolution: the heatmap (local normalisation with the default quantile, as
    /// the original's prediction script draws them) over the image, with the decision drawn on it.
    static func writeOverlay(_ scored: ModelFileScorer.Scored, decision: ImageDecision, mask: [UInt8]?, to path: String) throws {
        let image = scored.image
        try createDirectories(String(path[..<path.lastIndex(of: "/")!]))
        var picture = try HeatmapOverlay.render(
            image: Tensor(shape: [image.channels, image.height, image.width], data: image.pixels.map { Float($0) / 255 }),
            heatmap: Tensor(shape: [image.height * image.width], data: scored.map!), stretchImage: false)
        DecisionOverlay.draw(on: &picture, mask: mask, label: decision.label)
        try picture.write(path: path)
    }

    /// scores.csv: path, score, label, regions (their count), error.
    static func csv(_ records: [JSONValue]) -> String {
        var text = "path,score,label,regions,error\n"
        for r in records {
            let score = r["score"]?.doubleValue.map { "\($0)" } ?? ""
            let label = r["label"]?.intValue.map(String.init) ?? ""
            let regions = r["regions"]?.arrayValue.map { String($0.count) } ?? ""
            text += "\(csvField(r["path"]?.stringValue ?? "")),\(score),\(label),\(regions),\(r["error"]?.stringValue.map(csvField) ?? "")\n"
        }
        return text
    }

    /// The image as the dataset's reader would deliver it: the pipeline's channel count and, for datasets
    /// whose pipelines expect a fixed raw size, that size.
    static func toRawShape(_ image: RawImage, spec: PipelineSpec) throws -> RawImage {
        var out = image.channels == spec.channels ? image : image.converted(toChannels: spec.channels)
        let (h, w) = (spec.rawShape[1], spec.rawShape[2])
        guard h > 0, w > 0, out.height != h || out.width != w else { return out }
        switch spec.transform.rawSizing {
        case .nearestTorch: out = out.resizedNearestTorch(height: h, width: w)
        case .anySize: break   // the test transform resizes any size
        case .bilinear: out = try out.resized(to: .exact(height: h, width: w))
        }
        return out
    }

    /// The output name stem per input (`<stem>_heatmap.png`, `<stem>_mask.png` are added), in the input's
    /// folder relative to the folder all inputs share (`a/good/x.png` and `a/bad/x.png` give `good/x` and
    /// `bad/x`). Paths are made absolute and free of `.` and `..` first, so no name leaves the output folder.
    static func outputStems(_ paths: [String]) -> [String] {
        let folders = paths.map { path -> [String] in
            var parts = absoluteComponents(path)
            parts.removeLast()
            return parts
        }
        var common = folders.first ?? []
        for f in folders.dropFirst() {
            common = Array(zip(common, f).prefix { $0.0 == $0.1 }.map { $0.0 })
        }
        var seen = Set<String>()
        return zip(paths, folders).map { path, folder in
            let file = path.split(separator: "/").last.map(String.init) ?? path
            let stem = file.contains(".") ? String(file[..<file.lastIndex(of: ".")!]) : file
            let prefix = folder.dropFirst(common.count).map { $0 + "/" }.joined()
            var name = "\(prefix)\(stem)", n = 1
            while !seen.insert(name).inserted {   // the same file given twice, or a.png next to a.jpg
                name = "\(prefix)\(stem)_\(n)"; n += 1
            }
            return name
        }
    }

    /// The components of `path` made absolute, or the path itself for the root.
    static func absoluteComponents(_ path: String) -> [String] {
        let parts = absolutePathComponents(path)
        return parts.isEmpty ? [path] : parts
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(",") || s.contains("\"") || s.contains("\n") else { return s }
        return "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
