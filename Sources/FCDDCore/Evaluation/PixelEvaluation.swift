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
        let planes = try PixelRanking.planeGeometry(scoreMaps, count: groundTruth.count)
        let anomalous = groundTruth.reduce(0) { $0 + $1.anomalousCount }
        let total = groundTruth.reduce(0) { $0 + $1.mask.count }
        var positives = [Float](), negatives = [Float]()
        positives.reserveCapacity(anomalous)
        negatives.reserveCapacity(total - anomalous)
        scoreMaps.data.withUnsafeBufferPointer { src in
            for (i, gt) in groundTruth.enumerated() {
                let rows = NearestResize.sourceIndices(input: planes.height, output: gt.height)
                let cols = NearestResize.sourceIndices(input: planes.width, output: gt.width)
                let base = i * planes.height * planes.width
                gt.mask.withUnsafeBufferPointer { mask in
                    for (y, sy) in rows.enumerated() {
                        let srcRow = base + sy * planes.width, gtRow = y * gt.width
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
