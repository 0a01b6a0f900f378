// Scoring image files with a model file (a `train` snapshot or an `fs.FCDD` model alike): each image is
// preprocessed exactly like the test split of the run that wrote the model (the pipeline spec stored in
// it), and its heatmap is brought back to the image's own resolution, so that masks, regions and
// overlays are in the image's pixels. `fcdd-swift predict` and `fcdd-swift calibrate` score through here.
// A model fitted on tiles (an `fs.FCDD` model or a training run's snapshot) scores each image tile by tile,
// as `fs.FCDD` does (Tiling/TileScoring.swift).

public struct ModelFileScorer {
    /// One scored image: as read (at the model's channel count), its score and heatmap (height x width).
    public struct Scored {
        public var image: RawImage
        public var score: Float
        public var map: [Float]?
    }

    public let path: String
    public let info: SnapshotInfo
    public let gaussStd: Double
    let network: Network
    let spec: PipelineSpec
    let pipeline: ItemPipeline
    /// How a model fitted on tiles scores; nil for models that resize.
    let tiles: TileScoring?

    /// Images per network call.
    static let chunk = 16

    public init(path: String, gaussStd: Double? = nil) throws {
        let (info, network) = try Snapshot.loadNetwork(try ModelBytes.file(path))
        guard info.preprocessing != .null else {
            throw EngineError.format("\(path) stores no preprocessing; it was not written by `fcdd-swift train` or fs.FCDD.save")
        }
        self.path = path
        self.info = info
        self.network = network
        spec = try PipelineSpec(json: info.preprocessing)
        pipeline = try ItemPipeline(spec: spec, training: false)
        self.gaussStd = gaussStd ?? info.gaussStd ?? 10
        network.eval()
        tiles = try TileScoring.stored(in: info)
    }

    /// Scores `paths` in chunks; `each(index, result)` receives every image in order, an unreadable one as
    /// a failure (the others are still scored). Returns false from `each` to stop.
    public func score(_ paths: [String], maps: Bool, each: (Int, Result<Scored, EngineError>) throws -> Bool) throws {
        if let tiles { return try scoreTiles(paths, tiles: tiles, maps: maps, each: each) }
        var start = 0
        while start < paths.count {
            let end = min(paths.count, start + ModelFileScorer.chunk), first = start
            let loaded = try Parallel.map(end - first) { k -> Result<(RawImage, [Float]), EngineError> in
                do {
                    let image = try readImageFile(path: paths[first + k])
                    let original = image.channels == spec.channels ? image : image.converted(toChannels: spec.channels)
                    var rng = RandomSource(seed: 0)   // the test transform draws nothing
                    let input = try pipeline(try Prediction.toRawShape(original, spec: spec), groundTruth: nil, &rng).image.data
                    return .success((original, input))
                } catch let e as EngineError {
                    return .failure(e)
                } catch {
                    return .failure(.io("\(paths[first + k]): \(error)"))
                }
            }
            let inputs = loaded.compactMap { if case .success(let x) = $0 { return x.1 }; return nil }
            let scored = inputs.isEmpty ? nil
                : try network.inspect(Tensor(shape: [inputs.count] + spec.shape, data: inputs.flatMap { $0 }), heatmaps: maps, gaussStd: gaussStd)
            let (side, hw) = (spec.shape[1], spec.shape[1] * spec.shape[2])
            var slot = 0
            for k in 0..<loaded.count {
                let result: Result<Scored, EngineError>
                switch loaded[k] {
                case .failure(let e): result = .failure(e)
                case .success(let (image, _)):
                    var map: [Float]? = nil
                    if let heat = scored?.heatmaps {
                        let own = Array(heat.data[(slot * hw)..<((slot + 1) * hw)])
                        map = image.height == side && image.width == spec.shape[2] ? own
                            : MapResize.bilinear(own, height: side, width: spec.shape[2], toHeight: image.height, toWidth: image.width)
                    }
                    result = .success(Scored(image: image, score: scored!.scores[slot], map: map))
                    slot += 1
                }
                if !(try each(first + k, result)) { return }
            }
            start = end
        }
    }
}

extension ModelFileScorer {
    /// One image after the other, tile by tile (its tiles fill the network's batches).
    func scoreTiles(_ paths: [String], tiles: TileScoring, maps: Bool, each: (Int, Result<Scored, EngineError>) throws -> Bool) throws {
        for (k, path) in paths.enumerated() {
            let result: Result<Scored, EngineError>
            do {
                let read = try readImageFile(path: path)
                let image = read.channels == spec.channels ? read : read.converted(toChannels: spec.channels)
                let block = try ArrayImages(pixels: image.pixels, count: 1, channels: spec.channels, height: image.height, width: image.width)
                var map = [Float](repeating: 0, count: maps ? image.height * image.width : 0)
                let scores = try map.withUnsafeMutableBufferPointer { buffer in
                    try tiles.inspect(block, network: network, spec: spec, gaussStd: gaussStd, mapsInto: maps ? buffer : nil)
                }
                result = .success(Scored(image: image, score: scores[0], map: maps ? map : nil))
            } catch let e as EngineError {
                result = .failure(e)
            } catch {
                result = .failure(.io("\(path): \(error)"))
            }
            if !(try each(k, result)) { return }
        }
    }
}
