// Aggregation across seeds and classes (reference 8.8). The mean AUC is exact, as in the original; the
// mean ROC curve (for plots) is a vertical average on a common FPR grid instead of the original's random
// subsampling (see meanROC).

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

/// The "mean ROC" of several runs: AUC = mean of the AUCs (exact); curve = the vertical average of the
/// curves on one FPR grid from 0 to 1 (every curve's own FPR values plus 101 even steps), each curve read
/// with linear interpolation between its points and at the highest TPR where it steps up vertically. The
/// original subsamples every curve at random to the shortest length and averages points pointwise, which
/// draws a mean that starts inside the square and stops short of (1, 1); this one runs from (0, 0) to
/// (1, 1) and lies between the curves. Thresholds are not meaningful for a mean and are NaN.
public func meanROC(_ curves: [ROCCurve]) throws -> ROCCurve {
    guard !curves.isEmpty else { throw EngineError.invalidArgument("mean ROC: no curves") }
    for (i, c) in curves.enumerated() {
        guard !c.fpr.isEmpty, c.fpr.count == c.tpr.count, c.fpr.count == c.thresholds.count else {
            throw EngineError.shapeMismatch("mean ROC: curve \(i) has \(c.fpr.count) fpr, \(c.tpr.count) tpr and \(c.thresholds.count) thresholds")
        }
    }
    var grid = Set((0...100).map { Double($0) / 100 })
    for c in curves { grid.formUnion(c.fpr.filter { $0 >= 0 && $0 <= 1 }) }
    let n = Double(curves.count)
    var xs = [Double](), ys = [Double]()
    for x in grid.sorted() {
        // Where a curve steps up vertically, the mean does too: a point for the bottom and one for the top.
        var low = 0.0, high = 0.0
        for c in curves {
            let t = tprAt(c, fpr: x)
            low += t.low / n; high += t.high / n
        }
        xs.append(x); ys.append(low)
        if high > low { xs.append(x); ys.append(high) }
    }
    ys[0] = 0; ys[ys.count - 1] = 1   // every ROC curve runs from (0, 0) to (1, 1)
    return ROCCurve(fpr: xs, tpr: ys, thresholds: [Double](repeating: .nan, count: xs.count),
                    auc: curves.reduce(0) { $0 + $1.auc } / n)
}

/// The TPR of a curve at `fpr`: the lowest and highest TPR among its points at exactly that FPR (equal
/// unless the curve steps up vertically there), else linear between its neighbours; before its first
/// point 0, after its last point 1.
private func tprAt(_ c: ROCCurve, fpr x: Double) -> (low: Double, high: Double) {
    let here = zip(c.fpr, c.tpr).filter { $0.0 == x }.map(\.1)
    if let low = here.min(), let high = here.max() { return (low, high) }
    guard let right = c.fpr.firstIndex(where: { $0 > x }) else { return (1, 1) }
    guard right > 0 else { return (0, 0) }
    let (f0, t0, f1, t1) = (c.fpr[right - 1], c.tpr[right - 1], c.fpr[right], c.tpr[right])
    let t = t0 + (t1 - t0) * (x - f0) / (f1 - f0)
    return (t, t)
}
