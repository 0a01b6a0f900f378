// The one O(n log n) step behind every threshold curve (ROC, precision-recall, F1): scores split by
// label and sorted. Splitting first keeps the memory at one copy of the scores (no index or label array
// next to them), which matters for pixel-level AUC over ~50 million pixels; ties between the two classes
// still meet in one step because the walk below merges both lists by value, which is what scikit-learn's
// `_binary_clf_curve` does when it keeps only the last index of every run of equal scores.

/// Scores of the positive (label 1) and negative (label 0) samples, each sorted ascending.
struct RankedScores<Score: BinaryFloatingPoint> {
    private(set) var positives: [Score]
    private(set) var negatives: [Score]

    var positiveCount: Int { positives.count }
    var negativeCount: Int { negatives.count }

    /// Validates like scikit-learn's `roc_curve` (binary labels, finite scores, equal lengths) and
    /// additionally requires both classes, because every metric here divides by both counts.
    init(labels: [Int], scores: [Score], metric: String) throws {
        guard labels.count == scores.count else {
            throw EngineError.shapeMismatch("\(metric): \(labels.count) labels but \(scores.count) scores")
        }
        var positives = [Score](), negatives = [Score]()
        let positiveTotal = labels.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
        positives.reserveCapacity(positiveTotal)
        negatives.reserveCapacity(labels.count - positiveTotal)
        for (i, label) in labels.enumerated() {
            switch label {
            case 1: positives.append(scores[i])
            case 0: negatives.append(scores[i])
            default:
                throw EngineError.invalidArgument("\(metric): labels must be 0 (nominal) or 1 (anomalous), found \(label) at index \(i)")
            }
        }
        try self.init(positives: positives, negatives: negatives, metric: metric)
    }

    /// Takes ownership of already split scores (the pixel-level evaluation pools them this way). The
    /// arrays are consumed and sorted in place, so a caller passing them on as its last use keeps no copy.
    init(positives: consuming [Score], negatives: consuming [Score], metric: String) throws {
        guard !positives.isEmpty, !negatives.isEmpty else {
            let missing = positives.isEmpty ? "positive (label 1)" : "negative (label 0)"
            throw EngineError.invalidArgument("\(metric): only one class present, no \(missing) samples; the metric is undefined")
        }
        if let bad = positives.first(where: { !$0.isFinite }) ?? negatives.first(where: { !$0.isFinite }) {
            throw EngineError.invalidArgument("\(metric): scores must be finite, found \(bad)")
        }
        // The two sorts are independent; for pixel data the negatives dominate, so threads buy little.
        positives.sort()
        negatives.sort()
        self.positives = positives
        self.negatives = negatives
    }

    /// Scores already split, checked finite and sorted ascending by the caller (threshold calibration, which
    /// also walks them when one class is empty: then the walk counts only the other).
    init(sortedPositives positives: [Score], sortedNegatives negatives: [Score]) {
        self.positives = positives
        self.negatives = negatives
    }

    /// Visits every distinct score from the highest to the lowest with the cumulative counts of positives
    /// (true positives) and negatives (false positives) whose score is >= it. -0 and +0 count as equal,
    /// as in numpy's `diff != 0`.
    func forEachThreshold(_ body: (_ threshold: Score, _ truePositives: Int, _ falsePositives: Int) -> Void) {
        positives.withUnsafeBufferPointer { pos in
            negatives.withUnsafeBufferPointer { neg in
                var p = pos.count - 1, n = neg.count - 1
                var tps = 0, fps = 0
                while p >= 0 || n >= 0 {
                    let value: Score
                    if p < 0 { value = neg[n] } else if n < 0 { value = pos[p] } else { value = max(pos[p], neg[n]) }
                    while p >= 0 && pos[p] == value { tps += 1; p -= 1 }
                    while n >= 0 && neg[n] == value { fps += 1; n -= 1 }
                    body(value, tps, fps)
                }
            }
        }
    }
}
