// ROC curves and AUC exactly as scikit-learn computes them (roc_curve with drop_intermediate=True,
// roc_auc_score = trapezoidal area under that curve), label 1 positive (reference 8.2). The curve is
// built by walking the positive and the negative scores, each sorted in descending order, one distinct
// threshold at a time; that is the same sequence of (fps, tps, threshold) points as scikit-learn's
// cumulative sums over the jointly sorted scores, but it sorts two plain arrays instead of (score,
// label) pairs, which keeps the pixel-level ROC over ~50 million MVTec pixels within a few hundred MB.

/// Points of a ROC curve. `thresholds[0]` is +infinity (scikit-learn >= 1.3; 0.24 used max + 1).
public struct ROCPoints: Equatable {
    public var fpr: [Double]
    public var tpr: [Double]
    public var thresholds: [Double]
}

/// The ROC curve of `scores` against `labels` (0 negative, 1 positive).
public func rocCurve(labels: [Int], scores: [Double]) throws -> ROCPoints {
    let (pos, neg) = try split(labels: labels, scores: scores) { $0 == 1 }
    return try rocCurve(sortedPositives: pos, sortedNegatives: neg)
}

/// Trapezoidal area under the ROC curve (ties between a positive and a negative count one half).
public func rocAUC(labels: [Int], scores: [Double]) throws -> Double {
    areaUnderCurve(try rocCurve(labels: labels, scores: scores))
}

/// Pixel-level variant with Float scores and byte labels (0 normal pixel, anything else anomalous).
public func rocCurve(pixelLabels: [UInt8], scores: [Float]) throws -> ROCPoints {
    let (pos, neg) = try split(labels: pixelLabels, scores: scores) { $0 != 0 }
    return try rocCurve(sortedPositives: pos, sortedNegatives: neg)
}

/// `np.trapz(tpr, fpr)`, the area scikit-learn's `auc` returns.
public func areaUnderCurve(_ roc: ROCPoints) -> Double {
    var terms = [Double]()
    terms.reserveCapacity(roc.fpr.count)
    for k in 1..<roc.fpr.count {
        terms.append((roc.fpr[k] - roc.fpr[k - 1]) * (roc.tpr[k] + roc.tpr[k - 1]) / 2)
    }
    return pairwiseSum(terms[...])
}

/// numpy's pairwise summation (`pairwise_sum`: eight partial sums for blocks up to 128 values, halves
/// above), so that areas agree with scikit-learn to the last bits.
func pairwiseSum(_ x: ArraySlice<Double>) -> Double {
    let n = x.count, s = x.startIndex
    if n < 8 { return x.reduce(0, +) }
    if n <= 128 {
        var r = (0..<8).map { x[s + $0] }
        var i = 8
        while i < n - n % 8 {
            for k in 0..<8 { r[k] += x[s + i + k] }
            i += 8
        }
        var res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
        while i < n { res += x[s + i]; i += 1 }
        return res
    }
    var half = n / 2
    half -= half % 8
    return pairwiseSum(x[s..<(s + half)]) + pairwiseSum(x[(s + half)..<x.endIndex])
}

private func split<L, S: BinaryFloatingPoint>(labels: [L], scores: [S], isPositive: (L) -> Bool) throws -> ([S], [S]) {
    guard labels.count == scores.count else {
        throw EngineError.shapeMismatch("ROC: \(labels.count) labels but \(scores.count) scores")
    }
    var pos = [S](), neg = [S]()
    for (l, s) in zip(labels, scores) {
        guard !s.isNaN else { throw EngineError.invalidArgument("ROC: the scores contain NaN (the original skips scoring then)") }
        if isPositive(l) { pos.append(s) } else { neg.append(s) }
    }
    guard !pos.isEmpty, !neg.isEmpty else {
        throw EngineError.invalidArgument("ROC: needs both labels, got \(pos.count) anomalous and \(neg.count) nominal samples")
    }
    pos.sort(by: >)
    neg.sort(by: >)
    return (pos, neg)
}

private func rocCurve<S: BinaryFloatingPoint>(sortedPositives pos: [S], sortedNegatives neg: [S]) throws -> ROCPoints {
    // One point per distinct score, from the highest: counts of positives and negatives >= threshold.
    var fps = [Double](), tps = [Double](), thresholds = [Double]()
    var i = 0, j = 0
    while i < pos.count || j < neg.count {
        let s: S
        if i < pos.count && j < neg.count { s = max(pos[i], neg[j]) } else if i < pos.count { s = pos[i] } else { s = neg[j] }
        while i < pos.count && pos[i] == s { i += 1 }
        while j < neg.count && neg[j] == s { j += 1 }
        tps.append(Double(i)); fps.append(Double(j)); thresholds.append(Double(s))
    }
    // drop_intermediate: keep the ends and every point where the curve bends (a non-zero second
    // difference of fps or tps).
    if fps.count > 2 {
        var keep = [0]
        for k in 1..<(fps.count - 1) {
            let d2f = fps[k + 1] - 2 * fps[k] + fps[k - 1], d2t = tps[k + 1] - 2 * tps[k] + tps[k - 1]
            if d2f != 0 || d2t != 0 { keep.append(k) }
        }
        keep.append(fps.count - 1)
        fps = keep.map { fps[$0] }; tps = keep.map { tps[$0] }; thresholds = keep.map { thresholds[$0] }
    }
    let p = tps.last!, n = fps.last!
    return ROCPoints(fpr: [0] + fps.map { $0 / n }, tpr: [0] + tps.map { $0 / p },
                     thresholds: [.infinity] + thresholds)
}
