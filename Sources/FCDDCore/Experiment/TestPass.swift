// The test procedure of reference 8.1 for one run: the network in eval mode over the whole test split,
// collecting what the scores and pictures need: labels, image scores, raw score maps, heatmaps at input
// resolution and ground-truth maps. Samples are prepared in parallel, the network runs in chunks.

public struct TestOutputs {
    public var labels: [Int]
    public var scores: [Float]
    /// Raw score maps (FCDD: low-resolution pseudo-Huber maps; AE: error maps), the reference of the
    /// global heatmap normalisation (reference 8.5); nil for HSC.
    public var scoreMaps: Tensor?
    /// (N, 1, H, W) heatmaps at network input resolution.
    public var heatmaps: Tensor
    /// N x H x W ground-truth maps at network resolution in {0, 1}, when the split has them.
    public var groundTruth: [Float]?
    /// (N, C, H, W) preprocessed inputs, kept for the heatmap pictures.
    public var inputs: Tensor
}

public enum TestPass {
    /// Images per network call; bounds memory for 224x224 networks.
    static let chunk = 32

    public static func run(network: Network, test: TestSampleSource, gaussStd: Double,
                           shouldContinue: () -> Bool = { true }) throws -> TestOutputs? {
        let shape = test.itemShape, hw = shape[1] * shape[2]
        var labels = [Int](), scores = [Float](), maps = [Tensor](), heat = [Tensor](), gts = [Float](), inputs = [Tensor]()
        var start = 0
        while start < test.count {
            guard shouldContinue() else { return nil }
            let end = min(test.count, start + chunk)
            let first = start
            let samples = try Parallel.map(end - start) { try test.sample(at: first + $0) }
            let x = Tensor(shape: [samples.count] + shape, data: samples.flatMap { $0.image })
            let result = try network.inspect(x, heatmaps: true, gaussStd: gaussStd)
            inputs.append(x)
            labels += samples.map { $0.label }
            scores += result.scores
            if let m = result.scoreMaps { maps.append(m) }
            heat.append(result.heatmaps!)
            if test.hasGroundTruth {
                for s in samples {
                    guard let g = s.groundTruth, g.count == hw else {
                        throw EngineError.shapeMismatch("test sample lacks a \(shape[1]) x \(shape[2]) ground-truth map")
                    }
                    gts += g
                }
            }
            start = end
        }
        return TestOutputs(labels: labels, scores: scores, scoreMaps: maps.isEmpty ? nil : Tensor.concatenate(maps),
                           heatmaps: Tensor.concatenate(heat), groundTruth: test.hasGroundTruth ? gts : nil,
                           inputs: Tensor.concatenate(inputs))
    }

    /// The pixel-level ranking of reference 8.3: every heatmap resized with PyTorch nearest to its
    /// original ground-truth map and all pixels pooled. Images without an original map (custom
    /// one-vs-rest: the other classes) are left out. nil when the split has no maps or no image has one.
    public static func pixelRanking(_ outputs: TestOutputs, test: TestSampleSource) throws -> PixelRanking? {
        guard test.hasGroundTruth else { return nil }
        var masks = [GroundTruthMask](), kept = [Int]()
        for i in 0..<test.count {
            guard let gt = try test.originalGroundTruth(at: i) else { continue }
            masks.append(try GroundTruthMask(grayImage: gt))
            kept.append(i)
        }
        guard !kept.isEmpty else { return nil }
        let maps = kept.count == test.count ? outputs.heatmaps
            : Tensor.concatenate(kept.map { outputs.heatmaps.items($0..<($0 + 1)) })
        return try PixelRanking(scoreMaps: maps, groundTruth: masks)
    }
}

/// What a test pass on tiles collects: every image's score and its heatmap at its own resolution.
public struct TiledTestOutputs {
    public var labels: [Int]
    public var scores: [Float]
    public var maps: ScorePlanes
}

extension TestPass {
    /// The test split of a run on tiles, scored tile by tile (TileScoring); nil when stopped first.
    public static func runTiles(network: Network, set: TiledTestSet, gaussStd: Double,
                                shouldContinue: () -> Bool = { true }) throws -> TiledTestOutputs? {
        guard shouldContinue() else { return nil }
        try CheckedAllocation.reserve([set.images.totalPixels], elementSize: MemoryLayout<Float>.size, what: "the test heatmaps")
        var maps = [Float](repeating: 0, count: set.images.totalPixels)
        let scores = try maps.withUnsafeMutableBufferPointer {
            try set.scoring.inspect(set.images, network: network, spec: set.spec, gaussStd: gaussStd, mapsInto: $0)
        }
        return TiledTestOutputs(labels: set.labels, scores: scores, maps: try ScorePlanes(values: maps, sizes: set.images.sizes))
    }

    /// The pixel-level ranking of a run on tiles: the heatmaps against the ground-truth maps, both at the
    /// images' resolution, pooled; nil when no image has a map.
    public static func pixelRanking(_ outputs: TiledTestOutputs, set: TiledTestSet) throws -> PixelRanking? {
        guard let read = set.groundTruth else { return nil }
        let maps = try read()
        let kept = maps.keys.sorted()
        guard !kept.isEmpty else { return nil }
        let planes = try ScorePlanes(values: kept.flatMap { outputs.maps.values[outputs.maps.plane($0)] }, sizes: kept.map { outputs.maps.sizes[$0] })
        return try PixelRanking(planes: planes, groundTruth: try kept.map { try GroundTruthMask(grayImage: maps[$0]!) })
    }
}
