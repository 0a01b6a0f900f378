// Precision-recall summaries over all thresholds (label 1 positive), for the scikit-learn style API.
// Both walk the distinct scores once (RankedScores), so they cost one sort.

/// scikit-learn's `average_precision_score(labels, scores)`: sum over the distinct thresholds, from the
/// highest score down, of (recall_i - recall_{i-1}) * precision_i, with recall_{-1} = 0 (the
/// non-interpolated step area under `precision_recall_curve`).
public func averagePrecision(labels: [Int], scores: [Double]) throws -> Double {
    averagePrecision(try RankedScores(labels: labels, scores: scores, metric: "average precision"))
}

/// Float scores (pixel level).
@_disfavoredOverload  // integer literals pick the Double version
public func averagePrecision(labels: [Int], scores: [Float]) throws -> Double {
    averagePrecision(try RankedScores(labels: labels, scores: scores, metric: "average precision"))
}

func averagePrecision<S: BinaryFloatingPoint>(_ ranked: RankedScores<S>) -> Double {
    let positives = Double(ranked.positiveCount)
    var sum = 0.0, previousTP = 0
    ranked.forEachThreshold { _, tp, fp in
        if tp != previousTP {
            sum += Double(tp - previousTP) / positives * (Double(tp) / Double(tp + fp))
            previousTP = tp
        }
    }
    return sum
}

/// The best F1 score over all thresholds "score >= t" and the threshold that reaches it (the highest
/// one on ties). F1 = 2PR / (P + R) = 2 TP / (TP + FP + #positives), evaluated in that exact integer
/// form; the points of `precision_recall_curve`, without its appended (recall 0, precision 1) end.
/// `decisionThreshold` is the same decision for the rule "score > d" that detectors predict with: halfway
/// down to the next lower score (just below t when there is none), so that the scores it was computed on
/// are classified exactly as at t and new scores fall on the side of the nearer one. This is the one
/// F1-max of the library: `fs.FCDD.evaluate` reports it and `calibrate_threshold("f1")` sets it.
public struct F1Max: Equatable {
    public var f1: Double
    public var threshold: Double
    public var decisionThreshold: Double
}

/// F1-max over the thresholds of scikit-learn's `precision_recall_curve(labels, scores)`.
public func f1Max(labels: [Int], scores: [Double]) throws -> F1Max {
    f1Max(try RankedScores(labels: labels, scores: scores, metric: "F1-max"))
}

/// Float scores (pixel level).
@_disfavoredOverload  // integer literals pick the Double version
public func f1Max(labels: [Int], scores: [Float]) throws -> F1Max {
    f1Max(try RankedScores(labels: labels, scores: scores, metric: "F1-max"))
}

func f1Max<S: BinaryFloatingPoint>(_ ranked: RankedScores<S>) -> F1Max {
    let positives = ranked.positiveCount
    var best = F1Max(f1: -1, threshold: .infinity, decisionThreshold: .infinity)
    var bestIsLast = false
    ranked.forEachThreshold { threshold, tp, fp in
        if bestIsLast { best.decisionThreshold = (best.threshold + Double(threshold)) / 2; bestIsLast = false }
        let f1 = Double(2 * tp) / Double(tp + fp + positives)
        if f1 > best.f1 {
            best = F1Max(f1: f1, threshold: Double(threshold), decisionThreshold: Double(threshold).nextDown)
            bestIsLast = true
        }
    }
    return best
}
