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
    var gridValues = Set((0...100).map { Double($0) / 100 })
    for c in curves { gridValues.formUnion(c.fpr.filter { $0 >= 0 && $0 <= 1 }) }
    let n = Double(curves.count)
    let grid = gridValues.sorted()
    // Each curve is read at every grid FPR in one walk along its points (FPR never decreases along a
    // curve), so pixel-level curves of millions of points cost linear time.
    var low = [Double](repeating: 0, count: grid.count), high = low
    for c in curves {
        var j = 0
        for (k, x) in grid.enumerated() {
            while j < c.fpr.count && c.fpr[j] < x { j += 1 }
            var t: (low: Double, high: Double)
            if j < c.fpr.count && c.fpr[j] == x {
                t = (c.tpr[j], c.tpr[j])
                var m = j + 1
                while m < c.fpr.count && c.fpr[m] == x { t = (min(t.low, c.tpr[m]), max(t.high, c.tpr[m])); m += 1 }
            } else if j == c.fpr.count {
                t = (1, 1)
            } else if j == 0 {
                t = (0, 0)
            } else {
                let (f0, t0, f1, t1) = (c.fpr[j - 1], c.tpr[j - 1], c.fpr[j], c.tpr[j])
                let v = t0 + (t1 - t0) * (x - f0) / (f1 - f0)
                t = (v, v)
            }
            low[k] += t.low / n; high[k] += t.high / n
        }
    }
    var xs = [Double](), ys = [Double]()
    for k in grid.indices {
        // Where a curve steps up vertically, the mean does too: a point for the bottom and one for the top.
        xs.append(grid[k]); ys.append(low[k])
        if high[k] > low[k] { xs.append(grid[k]); ys.append(high[k]) }
    }
    ys[0] = 0; ys[ys.count - 1] = 1   // every ROC curve runs from (0, 0) to (1, 1)
    return ROCCurve(fpr: xs, tpr: ys, thresholds: [Double](repeating: .nan, count: xs.count),
                    auc: curves.reduce(0) { $0 + $1.auc } / n)
}
