// Outlier exposure with real MVTec-AD defects (reference 6.7, modes `mvtec` and `mvtec_gt`): the
// defective test images of the nominal class, optionally with their masks. The limit counts images
// *per defect type* (`--oe-limit 1` = one real anomaly per type, the paper's semi-supervised setting),
// drawn once. As in the original these images stay in the test split (quirk Q11).

/// Defective test images of one MVTec-AD class, cached 240x240, as an outlier pool.
public struct MVTecOutlierSource: AnomalyLabeledSource {
    /// The class's test split the pool is taken from.
    public let testSplit: MVTecTestSplit
    /// Test-split indices in the pool, ascending.
    public let picks: [Int]
    /// `mvtec_gt`: deliver the true defect masks as ground truth (`mvtec`: no maps).
    public let deliversGroundTruth: Bool

    public var count: Int { picks.count }
    public func image(at index: Int) throws -> RawImage {
        try checkIndex(index, count, "MVTec-AD outlier pool")
        return try testSplit.image(at: picks[index])
    }
    /// The defect-type id of the image.
    public func classLabel(at index: Int) -> Int { testSplit.classLabel(at: picks[index]) }
    public func isAnomalous(at index: Int) -> Bool { true }
    public var hasGroundTruth: Bool { deliversGroundTruth }
    public func groundTruth(at index: Int) throws -> RawImage? {
        try checkIndex(index, count, "MVTec-AD outlier pool")
        return deliversGroundTruth ? try testSplit.groundTruth(at: picks[index]) : nil
    }
}

extension MVTecADDataset {
    /// The outlier pool for nominal class `classIndex`: its defective test images, at most
    /// `limitPerDefectType` of each defect type (nil = all; a type with fewer images gives all of them),
    /// chosen once uniformly without replacement from `rng`, defect types in ascending id order.
    public func outlierSource(classIndex: Int, limitPerDefectType: Int?, withGroundTruth: Bool,
                              using rng: inout RandomSource) throws -> MVTecOutlierSource {
        let limit = try checkedLimit(limitPerDefectType, what: "MVTec-AD outlier pool")
        let test = try testSplit(classIndex: classIndex)
        var byType = [Int: [Int]]()
        for i in 0..<test.count where test.isAnomalous(at: i) { byType[test.classLabel(at: i), default: []].append(i) }
        guard !byType.isEmpty else {
            throw EngineError.notFound("MVTec-AD: class \(MVTecAD.classNames[classIndex]) has no defective test images for outlier exposure")
        }
        var picks = [Int]()
        for type in byType.keys.sorted() {
            let candidates = byType[type]!
            if let limit = limit, limit < candidates.count {
                picks += drawWithoutReplacement(limit, from: candidates.count, using: &rng).map { candidates[$0] }
            } else {
                picks += candidates
            }
        }
        return MVTecOutlierSource(testSplit: test, picks: picks.sorted(), deliversGroundTruth: withGroundTruth)
    }
}
