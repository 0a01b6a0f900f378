// A training run on tiles (`fcdd-swift train --tile-size`): the dataset's images are read once at their
// own resolution into blocks of images of different sizes, the training samples are tiles cut from them
// (TiledTrainingSamples) and the test images are scored tile by tile (TileScoring), with heatmaps at their
// resolution and the pixel-level AUC against their ground-truth maps at that resolution, no resize in
// between. Memory: the training and the test images as decoded (8 bits per value), plus the test maps.

/// The test split of a run on tiles.
public struct TiledTestSet {
    public let images: ArrayImages
    /// 0 nominal / 1 anomalous per image.
    public let labels: [Int]
    public let scoring: TileScoring
    /// The test-time preprocessing of a tile.
    public let spec: PipelineSpec
    /// The ground-truth maps (0/255, at each image's size) of the images that take part in the pixel-level
    /// AUC, by image index; nil when the split has no maps. Read when asked: a missing map throws, and
    /// the run then reports no pixel-level AUC.
    public let groundTruth: (() throws -> [Int: RawImage])?
}

public enum TiledRunData {
    /// The images at `indices` of `split` (converted to `channels`) with their ground-truth maps when
    /// `masks`, each file decoded once, in parallel, into one block.
    public static func read(_ split: FileImageSplit, indices: [Int], channels: Int, masks: Bool) throws -> ArrayImages {
        guard !indices.isEmpty else { throw EngineError.invalidArgument("no images to read") }
        let items = try Parallel.map(indices.count) { k -> (RawImage, RawImage?) in
            var (image, map) = masks ? try split.item(at: indices[k]) : (try split.image(at: indices[k]), nil)
            if image.channels != channels { image = image.converted(toChannels: channels) }
            return (image, map)
        }
        let sizes = items.map { ImageSize(height: $0.0.height, width: $0.0.width) }
        let total = sizes.reduce(0) { $0 + $1.pixels }
        try CheckedAllocation.reserve([total, channels + (masks ? 1 : 0)], elementSize: 1, what: "the images at their own resolution")
        var pixels = [UInt8](), maskValues: [UInt8]? = masks ? [] : nil
        pixels.reserveCapacity(total * channels)
        maskValues?.reserveCapacity(total)
        for (image, map) in items {
            pixels += image.pixels
            if masks { maskValues! += map?.pixels ?? [UInt8](repeating: 0, count: image.height * image.width) }
        }
        return try ArrayImages(pixels: pixels, channels: channels, sizes: sizes, masks: maskValues)
    }

    /// The training samples and the test-time pipeline of a run on tiles: `labels` 0/1 per training image
    /// (1: a known anomaly), the normalisation constants from the nominal images' tiles.
    static func training(_ images: ArrayImages, labels: [Int], settings: Settings, scoring: TileScoring,
                         supervisor: OnlineSupervisor) throws -> (samples: TiledTrainingSamples, spec: PipelineSpec) {
        let nominal = labels.indices.filter { labels[$0] == 0 }
        guard !nominal.isEmpty else { throw EngineError.invalidArgument("training on tiles needs nominal training images") }
        try scoring.check(net: settings.net)
        let side = scoring.layout.size
        let channels = Detector.networkChannels(net: settings.net, dataChannels: images.channels)
        let normalisation = try constants(images, nominal: nominal, channels: channels, layout: scoring.layout, settings: settings)
        let spec = try PipelineSpec.generic(preprocessing: settings.preprocessing, channels: channels, height: side, width: side,
                                            constants: normalisation, groundTruthMaps: images.hasMasks)
        let samples = TiledTrainingSamples(images: images, indices: Array(labels.indices), channels: channels,
                                           layout: scoring.layout, supervisor: supervisor,
                                           pipeline: try ItemPipeline(spec: spec, training: true), labels: labels,
                                           wholeImageAnomalies: Set(labels.indices.filter { labels[$0] == 1 }))
        return (samples, spec)
    }

    /// Normalisation constants from the tiles of the nominal images (the grid of the layout; at most
    /// `maxConstantTiles`, spread evenly over them, which is plenty for per-channel statistics).
    static func constants(_ images: ArrayImages, nominal: [Int], channels: Int, layout: TileLayout, settings: Settings) throws -> ChannelConstants {
        let tiles = nominal.flatMap { k in layout.windows(of: images.sizes[k]).map { (image: k, window: $0) } }
        let used = min(tiles.count, maxConstantTiles)
        return try ChannelStatistics.constants(for: settings.preprocessing, count: used, channels: channels) { i in
            let chosen = tiles[i * tiles.count / used]
            let tile = images.tile(at: chosen.image, chosen.window)
            return tile.channels == channels ? tile : tile.converted(toChannels: channels)
        }
    }

    static let maxConstantTiles = 4096
}
