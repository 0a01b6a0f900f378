// How a model fitted on tiles scores an image of any size: every tile of the layout goes through the
// test transform and the network at the image's own resolution, batches of tiles from one image or
// several fill the network's calls, the tiles' heatmaps are stitched into the image's map (averaged where
// tiles overlap, TileStitching.swift) and the tiles' scores make the image's score. Memory for one image:
// a batch of tiles, the image as handed over, and its map, stitched straight into the output.
// `fs.FCDD` (Detector), the training run's test pass and the model-file scorer all score through here;
// the parameters travel with a model as the settings' names (tile_size, tile_stride, tile_score,
// tile_top_k), in a detector's stored settings or a training snapshot's "tiles".

public struct TileScoring: Equatable {
    public let layout: TileLayout
    public let score: TileScore
    public let topK: Int

    public init(layout: TileLayout, score: TileScore, topK: Int) {
        self.layout = layout; self.score = score; self.topK = topK
    }

    /// The tiling of resolved settings; nil without `tile_size`.
    public init?(settings: Settings) throws {
        guard let size = settings.tileSize else { return nil }
        self.init(layout: try TileLayout(size: size, stride: settings.tileStride), score: settings.tileScore, topK: settings.tileTopK)
    }

    /// The tiling stored with a model (the settings' names); nil when `json` has no `tile_size`.
    public init?(json: JSONValue?) throws {
        guard let json, let size = json["tile_size"]?.intValue else { return nil }
        let name = json["tile_score"]?.stringValue ?? TileScore.max.rawValue
        guard let score = TileScore(rawValue: name) else {
            throw EngineError.format("unknown tile_score '\(name)' (\(TileScore.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        self.init(layout: try TileLayout(size: size, stride: json["tile_stride"]?.intValue), score: score,
                  topK: max(1, json["tile_top_k"]?.intValue ?? 1))
    }

    /// Refuses a network that insists on another input side than the tile's (those with dense layers).
    public func check(net: String) throws {
        if let required = NetworkRegistry.requirements(of: net)?.side, required != layout.size {
            throw EngineError.invalidArgument("\(net) takes \(required)x\(required) inputs only; set tile_size \(required), or choose a fully convolutional network")
        }
    }

    /// The tiling a model file stores: a training run's snapshot under "tiles", an `fs.FCDD` model in its
    /// detector's settings; nil for models that resize.
    public static func stored(in info: SnapshotInfo) throws -> TileScoring? {
        try TileScoring(json: info.extra["tiles"]) ?? TileScoring(json: info.extra["detector"]?["settings"])
    }

    /// The tiling under the settings' names, as a model stores it.
    public var json: JSONValue {
        .object([("tile_size", .number(Double(layout.size))), ("tile_stride", .number(Double(layout.stride))),
                 ("tile_score", .string(score.rawValue)), ("tile_top_k", .number(Double(topK)))])
    }

    /// Images per network call.
    static let chunk = 64

    /// Scores `images` (at `spec`'s channel count or converted to it) tile by tile, with the heatmaps
    /// written into `maps` when given (one value per pixel of the images, each map after the one before).
    public func inspect(_ images: ArrayImages, network: Network, spec: PipelineSpec, gaussStd: Double?,
                        mapsInto maps: UnsafeMutableBufferPointer<Float>?) throws -> [Float] {
        let size = layout.size, chunk = TileScoring.chunk
        try network.reserveWorkingMemory(batch: chunk, training: false)
        let pipeline = try ItemPipeline(spec: spec, training: false)
        // Images smaller than a tile are scored as one tile whose missing pixels repeat the edge.
        let windows = images.uniformSize.map { [layout.windows(of: $0)] } ?? images.sizes.map { layout.windows(of: $0) }
        func windowsOf(_ image: Int) -> [CropWindow] { windows.count == 1 ? windows[0] : windows[image] }
        let tiles = (0..<images.count).flatMap { i in windowsOf(i).map { (image: i, window: $0) } }

        var scores = [Float]()
        scores.reserveCapacity(images.count)
        var tileScores = [Float]()
        var stitcher: TileStitcher? = nil
        // An image smaller than a tile is stitched at one tile's size here, then its part is copied out.
        var padded: UnsafeMutableBufferPointer<Float>? = nil
        defer { padded?.deallocate() }
        var mapStart = 0
        var start = 0
        while start < tiles.count {
            let batch = tiles[start..<min(tiles.count, start + chunk)]
            let inputs = try Parallel.map(batch.count) { k -> [Float] in
                let tile = batch[batch.startIndex + k]
                var raw = images.tile(at: tile.image, tile.window)
                if raw.channels != spec.channels { raw = raw.converted(toChannels: spec.channels) }
                var rng = RandomSource(seed: 0)   // the test transform draws nothing
                return try pipeline(raw, groundTruth: nil, &rng).image.data
            }
            let x = Tensor(shape: [inputs.count] + spec.shape, data: inputs.flatMap { $0 })
            let result = try network.inspect(x, heatmaps: maps != nil, gaussStd: gaussStd)
            for (k, tile) in batch.enumerated() {
                let image = images.sizes[tile.image], covered = layout.coveredSize(image)
                if let maps {
                    if stitcher == nil {
                        if covered == image {
                            let own = UnsafeMutableBufferPointer(rebasing: maps[mapStart..<(mapStart + image.pixels)])
                            stitcher = TileStitcher(into: own, height: image.height, width: image.width, layout: layout)
                        } else {
                            try CheckedAllocation.reserve([covered.height, covered.width], elementSize: MemoryLayout<Float>.size,
                                                          what: "the heatmap of an image smaller than a tile")
                            padded?.deallocate()
                            padded = .allocate(capacity: covered.pixels)
                            stitcher = TileStitcher(into: padded!, height: covered.height, width: covered.width, layout: layout)
                        }
                    }
                    stitcher!.add(result.heatmaps!.data[(k * size * size)..<((k + 1) * size * size)], at: tile.window)
                }
                tileScores.append(result.scores[k])
                guard tileScores.count == windowsOf(tile.image).count else { continue }
                // The image's last tile: its score and map are complete.
                scores.append(score.combine(tileScores[...], topK: topK))
                tileScores.removeAll(keepingCapacity: true)
                if let done = stitcher {
                    done.finish()
                    if covered != image {
                        for y in 0..<image.height {
                            for x in 0..<image.width { maps![mapStart + y * image.width + x] = padded![y * covered.width + x] }
                        }
                    }
                    stitcher = nil
                    mapStart += image.pixels
                }
            }
            start += batch.count
        }
        return scores
    }
}
