// ROC curve and AUC as scikit-learn computes them (reference 8.2): `roc_curve(y, s)` with
// `drop_intermediate=True` and `roc_auc_score(y, s)`, label 1 positive.
//
// The curve: one point per distinct score (descending), false/true positive counts of all samples with a
// score >= it; a point is dropped when both its fps and tps step sizes equal those of the next step
// (scikit-learn's `np.diff(fps, 2)` / `np.diff(tps, 2)` test, which only removes equal-step collinear
// points), then (0, 0) is prepended with threshold +infinity (scikit-learn >= 1.3; 0.24, which the
// original used, prepended max score + 1 instead; the golden file stores the infinity as the largest
// float64). The AUC is the trapezoid on the full curve, accumulated in integers, so it is exactly the
// Mann-Whitney statistic with ties counted 1/2 (dropping equal-step points does not change the area).

/// A ROC curve with its area. `thresholds[0]` is +infinity (the point (0, 0)).
public struct ROCCurve: Equatable {
    public var fpr: [Double]
    public var tpr: [Double]
    public var thresholds: [Double]
    public var auc: Double

    public init(fpr: [Double], tpr: [Double], thresholds: [Double], auc: Double) {
        self.fpr = fpr; self.tpr = tpr; self.thresholds = thresholds; self.auc = auc
    }

    /// Curve and AUC with one sort. Throws for a length mismatch, labels other than 0/1, a single class,
    /// or a NaN/infinite score.
    public static func compute(labels: [Int], scores: [Double]) throws -> ROCCurve {
        compute(try RankedScores(labels: labels, scores: scores, metric: "ROC"))
    }

    /// Float scores (pixel level): halves the memory of the sorted copy.
    @_disfavoredOverload  // integer literals pick the Double version
    public static func compute(labels: [Int], scores: [Float]) throws -> ROCCurve {
        compute(try RankedScores(labels: labels, scores: scores, metric: "ROC"))
    }

    static func compute<S: BinaryFloatingPoint>(_ ranked: RankedScores<S>) -> ROCCurve {
        var fps = [Int](), tps = [Int](), thresholds = [Double]()
        // Streaming version of the drop rule: a point is decided once its successor is known.
        var previous: (tp: Int, fp: Int) = (0, 0)
        var current: (tp: Int, fp: Int, threshold: Double)? = nil
        var seenPoints = 0
        var doubledArea = 0  // sum of (fp_i - fp_{i-1}) * (tp_i + tp_{i-1}): exact in 64-bit integers
        var last: (tp: Int, fp: Int) = (0, 0)
        ranked.forEachThreshold { threshold, tp, fp in
            doubledArea += (fp - last.fp) * (tp + last.tp)
            last = (tp, fp)
            if let c = current {
                let isFirst = seenPoints == 1
                let bends = (fp - c.fp) != (c.fp - previous.fp) || (tp - c.tp) != (c.tp - previous.tp)
                if isFirst || bends {
                    fps.append(c.fp); tps.append(c.tp); thresholds.append(c.threshold)
                }
                previous = (c.tp, c.fp)
            }
            current = (tp, fp, Double(threshold))
            seenPoints += 1
        }
        if let c = current { fps.append(c.fp); tps.append(c.tp); thresholds.append(c.threshold) }

        let negatives = Double(ranked.negativeCount), positives = Double(ranked.positiveCount)
        return ROCCurve(fpr: [0] + fps.map { Double($0) / negatives },
                        tpr: [0] + tps.map { Double($0) / positives },
                        thresholds: [.infinity] + thresholds,
                        auc: Double(doubledArea) / (2 * negatives * positives))
    }
}

/// scikit-learn's `roc_curve(labels, scores)` (drop_intermediate=True, pos_label=1); the first threshold
/// is +infinity.
public func rocCurve(labels: [Int], scores: [Double]) throws -> (fpr: [Double], tpr: [Double], thresholds: [Double]) {
    let curve = try ROCCurve.compute(labels: labels, scores: scores)
    return (curve.fpr, curve.tpr, curve.thresholds)
}

/// scikit-learn's `roc_auc_score(labels, scores)`: area under the ROC curve, ties counted 1/2.
public func rocAUC(labels: [Int], scores: [Double]) throws -> Double {
    try ROCCurve.compute(labels: labels, scores: scores).auc
}
