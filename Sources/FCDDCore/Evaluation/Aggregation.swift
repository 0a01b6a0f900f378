// Aggregation across seeds and classes (reference 8.8). The mean AUC is exact; the mean ROC curve follows
// the original's `fcdd.util.metrics.mean_roc`, an approximation for plots: every curve is randomly
// subsampled to the length of the shortest one, then TPR, FPR and thresholds are averaged pointwise.

/// Mean and standard deviation of a list of AUCs.
public struct AUCSummary: Equatable {
    public var mean: Double
    /// Population standard deviation (ddof = 0, numpy's `np.std` default).
    public var std: Double
    public var count: Int

    /// Throws for an empty list or a NaN AUC.
    public init(aucs: [Double]) throws {
        guard !aucs.isEmpty else { throw EngineError.invalidArgument("AUC summary: no AUC values") }
        guard aucs.allSatisfy({ !$0.isNaN }) else { throw EngineError.invalidArgument("AUC summary: an AUC is NaN") }
        count = aucs.count
        mean = aucs.reduce(0, +) / Double(count)
        let m = mean
        std = (aucs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(count)).squareRoot()
    }
}

/// The "mean ROC" of several runs: AUC = mean of the AUCs; curve = pointwise mean after subsampling.
/// Subsampling replicates `mean_roc`: with `ml` the shortest length, each point of a curve of length L
/// is kept with probability ml / L (a Bernoulli draw per point, numpy's `binomial(1, p, L)`); then, with
/// `ml` recomputed as the shortest resulting length, random points are removed one at a time until every
/// curve has `ml` points. Draws come from `random`, so a seed reproduces the curve.
public func meanROC(_ curves: [ROCCurve], random: inout RandomSource) throws -> ROCCurve {
    guard !curves.isEmpty else { throw EngineError.invalidArgument("mean ROC: no curves") }
    for (i, c) in curves.enumerated() {
        guard !c.fpr.isEmpty, c.fpr.count == c.tpr.count, c.fpr.count == c.thresholds.count else {
            throw EngineError.shapeMismatch("mean ROC: curve \(i) has \(c.fpr.count) fpr, \(c.tpr.count) tpr and \(c.thresholds.count) thresholds")
        }
    }
    typealias Point = (fpr: Double, tpr: Double, threshold: Double)
    var points: [[Point]] = curves.map { c in (0..<c.fpr.count).map { (c.fpr[$0], c.tpr[$0], c.thresholds[$0]) } }
    let shortest = points.map(\.count).min()!
    for i in points.indices {
        let keep = Double(shortest) / Double(points[i].count)
        points[i] = points[i].filter { _ in random.nextDouble() < keep }
    }
    let length = points.map(\.count).min()!
    for i in points.indices {
        while points[i].count > length {
            points[i].remove(at: Int(random.next() % UInt64(points[i].count)))
        }
    }
    let n = Double(points.count)
    func mean(_ key: (Point) -> Double) -> [Double] {
        (0..<length).map { j in points.reduce(0) { $0 + key($1[j]) } / n }
    }
    return ROCCurve(fpr: mean { $0.fpr }, tpr: mean { $0.tpr }, thresholds: mean { $0.threshold },
                    auc: curves.reduce(0) { $0 + $1.auc } / n)
}
