// `fcdd-swift predict`: scores image files with a snapshot, preprocessing them exactly like the test
// split of the run that wrote it (the pipeline spec stored in the snapshot), and writes scores.csv and a
// heatmap overlay per image. Images of any size are first brought to the dataset's raw size the way the
// dataset's reader would (MVTec: PyTorch nearest to 240x240; fixed-size datasets: bilinear).

#if canImport(Glibc)
import Glibc
#endif

public struct PredictionRequest {
    public var snapshot: String
    public var inputs: [String]
    public var outputDirectory: String
    public var gaussStd: Double?
    /// Write into an output folder that already holds files (replacing scores.csv and overlays of the
    /// same names); without it such a folder is an error.
    public var overwrite = false

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
        if let o = json["overwrite"], o != .null {
            guard let v = o.boolValue else { throw EngineError.invalidArgument("prediction: 'overwrite' must be true or false") }
            overwrite = v
        }
    }
}

public enum Prediction {
    /// Images per network call.
    static let chunk = 16

    /// Scores every readable input; an input that cannot be read or prepared is reported (its `error`,
    /// a line in scores.csv) and skipped, and the rest are scored.
    public static func run(_ request: PredictionRequest, report: (JSONValue) -> Bool) throws -> JSONValue {
        let (info, network) = try Snapshot.loadNetwork(path: request.snapshot)
        guard info.preprocessing != .null else {
            throw EngineError.format("\(request.snapshot) stores no preprocessing; it was not written by `fcdd-swift train`")
        }
        let spec = try PipelineSpec(json: info.preprocessing)
        let pipeline = try ItemPipeline(spec: spec, training: false)
        let gaussStd = request.gaussStd ?? info.gaussStd ?? 10
        if !request.overwrite && DirectoryListing.kind(of: request.outputDirectory) == .directory,
           !(try DirectoryListing.entries(of: request.outputDirectory, what: "the output folder")).isEmpty {
            throw EngineError.exists("\(request.outputDirectory) already holds files (earlier predictions?); replace them with --overwrite (\"overwrite\": true), or choose another output folder")
        }
        try createDirectories(request.outputDirectory)
        let names = overlayNames(request.inputs)
        var rows = [(score: Double?, error: String?)](repeating: (nil, nil), count: request.inputs.count)
        var results = [JSONValue]()
        var stopped = false
        var start = 0
        while start < request.inputs.count && !stopped {
            let end = min(request.inputs.count, start + chunk)
            let first = start
            let loaded = try Parallel.map(end - start) { k -> Result<[Float], EngineError> in
                do {
                    let prepared = try toRawShape(try readImageFile(path: request.inputs[first + k]), spec: spec)
                    var rng = RandomSource(seed: 0)
                    return .success(try pipeline(prepared, groundTruth: nil, &rng).image.data)
                } catch let e as EngineError {
                    return .failure(e)
                } catch {
                    return .failure(.io("\(request.inputs[first + k]): \(error)"))
                }
            }
            let readable = loaded.indices.filter { if case .success = loaded[$0] { return true }; return false }
            let inputs = readable.map { k -> [Float] in if case .success(let x) = loaded[k] { return x }; return [] }
            let scored = inputs.isEmpty ? nil
                : try network.inspect(Tensor(shape: [inputs.count] + spec.shape, data: inputs.flatMap { $0 }), heatmaps: true, gaussStd: gaussStd)
            let hw = spec.shape[1] * spec.shape[2]
            for k in 0..<loaded.count {
                let i = first + k
                var entry: [(String, JSONValue)] = [("path", .string(request.inputs[i]))]
                if case .failure(let e) = loaded[k] {
                    rows[i].error = e.description
                    entry.append(("error", .string(e.description)))
                } else if let scored, let slot = readable.firstIndex(of: k) {
                    let score = Double(scored.scores[slot])
                    rows[i].score = score
                    let overlayPath = request.outputDirectory + "/" + names[i]
                    try createDirectories(String(overlayPath[..<overlayPath.lastIndex(of: "/")!]))
                    // Local normalisation with quantile 0.97, as the original's prediction script draws them.
                    try HeatmapOverlay.render(image: Tensor(shape: spec.shape, data: inputs[slot]),
                                              heatmap: Tensor(shape: [1, spec.shape[1], spec.shape[2]],
                                                              data: Array(scored.heatmaps!.data[(slot * hw)..<((slot + 1) * hw)])),
                                              quantile: 0.97).write(path: overlayPath)
                    entry += [("score", .number(score)), ("heatmap", .string(overlayPath))]
                }
                results.append(.object(entry))
                var event: [(String, JSONValue)] = [("event", .string("image")), ("index", .number(Double(i))),
                                                    ("count", .number(Double(request.inputs.count))), ("path", .string(request.inputs[i]))]
                if let error = rows[i].error { event.append(("error", .string(error))) }
                if !report(.object(event)) { stopped = true; break }
            }
            start = end
        }
        var csv = "path,score,error\n"
        for (i, row) in rows.enumerated() where row.score != nil || row.error != nil {
            csv += "\(csvField(request.inputs[i])),\(row.score.map { "\($0)" } ?? ""),\(row.error.map(csvField) ?? "")\n"
        }
        try writeFileAtomically(Array(csv.utf8), to: request.outputDirectory + "/scores.csv")
        return .object([("results", .array(results)), ("network", .string(info.network)), ("gauss_std", .number(gaussStd)),
                        ("csv", .string(request.outputDirectory + "/scores.csv")),
                        ("failed", .number(Double(rows.filter { $0.error != nil }.count)))])
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

    /// `<stem>_heatmap.png` per input, in the input's folder relative to the folder all inputs share
    /// (`a/good/x.png` and `a/bad/x.png` give `good/x_heatmap.png` and `bad/x_heatmap.png`). Paths are
    /// made absolute and free of `.` and `..` first, so no name leaves the output folder.
    static func overlayNames(_ paths: [String]) -> [String] {
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
            var name = "\(prefix)\(stem)_heatmap.png", n = 1
            while !seen.insert(name).inserted {   // the same file given twice, or a.png next to a.jpg
                name = "\(prefix)\(stem)_\(n)_heatmap.png"; n += 1
            }
            return name
        }
    }

    /// The components of `path` made absolute (against the working folder) with `.` and `..` resolved.
    static func absoluteComponents(_ path: String) -> [String] {
        var full = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            if getcwd(&buffer, buffer.count) != nil { full = String(cString: buffer) + "/" + path }
        }
        var parts = [String]()
        for part in full.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(String(part))
        }
        return parts.isEmpty ? [path] : parts
    }

    static func csvField(_ s: String) -> String {
        guard s.contains(",") || s.contains("\"") || s.contains("\n") else { return s }
        return "\"" + s.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
