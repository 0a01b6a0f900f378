// Pixel-level explanation score (reference 8.3): the pixel score maps (already receptive-field upsampled
// to the network input size by the caller) are resized with PyTorch nearest interpolation to each image's
// original ground-truth resolution, and all pixels of all images are pooled into one ranking (not averaged
// per image). The pixels go straight into the two class lists while resizing, so the only large buffers are
// one Float per pixel in total (about 200 MB for the 50 million pixels of an MVTec-AD class).

/// All pixels of a test set ranked once; ROC, average precision and F1-max read from the same sort.
public struct PixelRanking {
    let ranked: RankedScores<Float>

    /// Number of anomalous (GT 1) and nominal (GT 0) pixels.
    public var anomalousPixels: Int { ranked.positiveCount }
    public var nominalPixels: Int { ranked.negativeCount }

    /// `scoreMaps`: N x 1 x H x W (or N x H x W) pixel scores; `groundTruth`: N maps, each at its own
    /// resolution. Throws for a count mismatch, non-finite scores, or when all pixels share one class.
    public init(scoreMaps: Tensor, groundTruth: [GroundTruthMask]) throws {
        try self.init(planes: try ScorePlanes(scoreMaps, count: groundTruth.count), groundTruth: groundTruth)
    }

    /// Score maps each at its own size (images of different sizes), each resized to its ground truth.
    public init(planes: ScorePlanes, groundTruth: [GroundTruthMask]) throws {
        guard planes.count == groundTruth.count else {
            throw EngineError.shapeMismatch("pixel scores: \(planes.count) score maps but \(groundTruth.count) ground-truth maps")
        }
        let anomalous = groundTruth.reduce(0) { $0 + $1.anomalousCount }
        let total = groundTruth.reduce(0) { $0 + $1.mask.count }
        var positives = [Float](), negatives = [Float]()
        positives.reserveCapacity(anomalous)
        negatives.reserveCapacity(total - anomalous)
        planes.values.withUnsafeBufferPointer { src in
            for (i, gt) in groundTruth.enumerated() {
                let size = planes.sizes[i]
                let rows = NearestResize.sourceIndices(input: size.height, output: gt.height)
                let cols = NearestResize.sourceIndices(input: size.width, output: gt.width)
                let base = planes.starts[i]
                gt.mask.withUnsafeBufferPointer { mask in
                    for (y, sy) in rows.enumerated() {
                        let srcRow = base + sy * size.width, gtRow = y * gt.width
                        for (x, sx) in cols.enumerated() {
                            let v = src[srcRow + sx]
                            if mask[gtRow + x] == 1 { positives.append(v) } else { negatives.append(v) }
                        }
                    }
                }
            }
        }
        ranked = try RankedScores(positives: positives, negatives: negatives, metric: "pixel-level ROC")
    }

    /// Pooled ROC curve and AUC (`gtmap_roc` of the original).
    public func roc() -> ROCCurve { ROCCurve.compute(ranked) }

    /// Pooled average precision (scikit-learn `average_precision_score`).
    public func averagePrecision() -> Double { FCDDCore.averagePrecision(ranked) }

    /// Pooled F1-max.
    public func f1Max() -> F1Max { FCDDCore.f1Max(ranked) }

    /// Height and width of the score planes after checking rank, channel count and batch size.
    static func planeGeometry(_ maps: Tensor, count: Int) throws -> (height: Int, width: Int) {
        let s = maps.shape
        guard (s.count == 4 && s[1] == 1) || s.count == 3 else {
            throw EngineError.shapeMismatch("pixel scores: expected N x 1 x H x W or N x H x W score maps, got \(s)")
        }
        guard s[0] == count else {
            throw EngineError.shapeMismatch("pixel scores: \(s[0]) score maps but \(count) ground-truth maps")
        }
        guard count > 0, s[s.count - 1] > 0, s[s.count - 2] > 0 else {
            throw EngineError.invalidArgument("pixel scores: no pixels to evaluate (shape \(s))")
        }
        return (s[s.count - 2], s[s.count - 1])
    }
}

/// Pixel-level ROC of reference 8.3 in one call: resize, pool, rank, curve.
public func pixelROC(scoreMaps: Tensor, groundTruth: [GroundTruthMask]) throws -> ROCCurve {
    try PixelRanking(scoreMaps: scoreMaps, groundTruth: groundTruth).roc()
}

/// The score maps of N images one after the other, each at its own size (one size when they come from an
/// N x 1 x H x W tensor; the detector's maps of images of different sizes otherwise).
public struct ScorePlanes {
    public let values: [Float]
    public let sizes: [ImageSize]
    /// Where each map starts in `values`.
    let starts: [Int]

    public var count: Int { sizes.count }

    /// The planes of an N x 1 x H x W (or N x H x W) tensor of `count` maps.
    public init(_ maps: Tensor, count: Int) throws {
        let planes = try PixelRanking.planeGeometry(maps, count: count)
        let size = ImageSize(height: planes.height, width: planes.width)
        values = maps.data
        sizes = [ImageSize](repeating: size, count: count)
        starts = (0..<count).map { $0 * size.pixels }
    }

    /// Maps of the given sizes, one after the other in `values`.
    public init(values: [Float], sizes: [ImageSize]) throws {
        guard !sizes.isEmpty, sizes.allSatisfy({ $0.height > 0 && $0.width > 0 }) else {
            throw EngineError.invalidArgument("pixel scores: no pixels to evaluate")
        }
        var starts = [Int](), total = 0
        for size in sizes { starts.append(total); total += size.pixels }
        guard values.count == total else {
            throw EngineError.shapeMismatch("pixel scores: \(values.count) values do not make \(sizes.count) maps of their sizes (\(total) values)")
        }
        self.values = values; self.sizes = sizes; self.starts = starts
    }

    /// The values of map `index`.
    func plane(_ index: Int) -> Range<Int> { starts[index]..<(starts[index] + sizes[index].pixels) }
}
