// Choosing a decision threshold from scores: image scores with image labels, or the pooled pixel scores
// of heatmaps with ground-truth masks as labels. One implementation for every caller (fs.FCDD's
// calibrate methods, `fcdd-swift calibrate`, the C ABI). A threshold is a value d with "score > d"
// anomalous; calibrated ones sit halfway between the lowest score that must count as anomalous and the
// next lower score, so the calibration data are classified exactly as calibrated and a new score near
// the boundary falls on the side of the nearer calibration score.

/// How a threshold is chosen.
public enum ThresholdMethod: Equatable {
    /// Labelled data: the threshold of the highest F1 score of the anomalous class (F1Max).
    case f1
    /// The highest recall whose false-positive rate on the nominal examples is at most the limit. Without
    /// anomalous examples this is `nominal_fpr`: at most that fraction of the nominal scores above.
    case maxFPR(Double)
    /// The q-quantile of the nominal scores (numpy's linear interpolation): the weaker choice for pixels
    /// when no masks exist, since it knows nothing of how anomalous pixels score.
    case nominalQuantile(Double)
    /// PyOD's rule on training scores: their (1 - c) percentile.
    case contamination(Double)

    static let names = ["f1", "max_fpr", "nominal_fpr", "nominal_quantile", "contamination", "given"]

    /// From a request {"method": "f1" | "max_fpr" | "quantile" | "contamination", "max_fpr": x,
    /// "quantile": q, "contamination": c}; absent parameters take their defaults.
    public init(json: JSONValue) throws {
        func parameter(_ key: String, _ fallback: Double, _ valid: (Double) -> Bool, _ range: String) throws -> Double {
            guard let v = json[key], v != .null else { return fallback }
            guard let d = v.doubleValue, d.isFinite, valid(d) else {
                throw EngineError.invalidArgument("threshold: \(key) must be a number in \(range); got \(v.serialized())")
            }
            return d
        }
        switch json["method"]?.stringValue {
        case "f1": self = .f1
        case "max_fpr": self = .maxFPR(try parameter("max_fpr", ThresholdMethod.defaultMaxFPR, { $0 >= 0 && $0 < 1 }, "[0, 1)"))
        case "quantile": self = .nominalQuantile(try parameter("quantile", ThresholdMethod.defaultPixelQuantile, { $0 > 0 && $0 <= 1 }, "(0, 1]"))
        case "contamination": self = .contamination(try parameter("contamination", 0.1, { $0 >= 0 && $0 <= 0.5 }, "[0, 0.5]"))
        default:
            throw EngineError.invalidArgument("threshold: method must be \"f1\", \"max_fpr\", \"quantile\" or \"contamination\"; got \(json["method"]?.serialized() ?? "none")")
        }
    }

    public static let defaultMaxFPR = 0.05
    /// One nominal pixel in a thousand above the threshold: on FCDD's smooth heatmaps that is a few small
    /// blobs per hundred nominal images (docs/decisions.md has the measured false-region rate).
    public static let defaultPixelQuantile = 0.999
}

public enum ThresholdCalibration {
    /// A threshold from `scores` and their labels (1 anomalous, 0 nominal; nil: all nominal).
    /// `what` names the data in errors ("image scores", "pixel scores").
    public static func choose<S: BinaryFloatingPoint>(scores: [S], labels: [UInt8]?, method: ThresholdMethod,
                                                     what: String) throws -> DecisionThreshold {
        guard !scores.isEmpty else { throw EngineError.invalidArgument("threshold: no \(what) to calibrate on") }
        if let labels, labels.count != scores.count {
            throw EngineError.shapeMismatch("threshold: \(scores.count) \(what) but \(labels.count) labels")
        }
        if let bad = scores.first(where: { !$0.isFinite }) {
            throw EngineError.invalidArgument("threshold: \(what) must be finite, found \(bad)")
        }
        var nominal = [S](), anomalous = [S]()
        if let labels {
            for (s, y) in zip(scores, labels) {
                if y == 0 { nominal.append(s) } else { anomalous.append(s) }
            }
        } else {
            nominal = scores
        }
        nominal.sort()
        anomalous.sort()
        let ranked = RankedScores(sortedPositives: anomalous, sortedNegatives: nominal)
        let chosen: (value: Double, method: String, parameter: Double?)
        switch method {
        case .f1:
            guard !nominal.isEmpty, !anomalous.isEmpty else {
                throw EngineError.invalidArgument("threshold: method \"f1\" needs nominal and anomalous \(what); \(anomalous.isEmpty ? "none is anomalous" : "none is nominal") (without anomalies use \"max_fpr\"\(what.hasPrefix("pixel") ? " or \"quantile\"" : ""))")
            }
            let best = f1Max(ranked)
            chosen = (best.decisionThreshold, "f1", nil)
        case .maxFPR(let limit):
            guard !nominal.isEmpty else { throw EngineError.invalidArgument("threshold: method \"max_fpr\" needs nominal \(what)") }
            chosen = (maxFPRThreshold(ranked, limit: limit),
                      anomalous.isEmpty ? "nominal_fpr" : "max_fpr", limit)
        case .nominalQuantile(let q):
            guard !nominal.isEmpty else { throw EngineError.invalidArgument("threshold: method \"quantile\" needs nominal \(what)") }
            chosen = (quantile(sorted: nominal, q), "nominal_quantile", q)
        case .contamination(let c):
            chosen = (quantile(sorted: (nominal + anomalous).sorted(), 1 - c), "contamination", c)
        }
        return DecisionThreshold(value: chosen.value, method: chosen.method, parameter: chosen.parameter,
                                 calibration: outcome(at: chosen.value, nominal: nominal, anomalous: anomalous))
    }

    /// The lowest threshold whose false-positive rate is at most `limit` (with anomalies: the highest
    /// recall within the limit). When even the top score alone breaks the limit, the top score: nothing
    /// in the calibration data is flagged.
    static func maxFPRThreshold<S: BinaryFloatingPoint>(_ ranked: RankedScores<S>, limit: Double) -> Double {
        let total = Double(ranked.negativeCount)
        var lowestWithin: Double? = nil, answer: Double? = nil
        ranked.forEachThreshold { value, _, falsePositives in
            if answer != nil { return }
            if let lowest = lowestWithin {
                // `value` is the next lower distinct score after `lowest`.
                if Double(falsePositives) / total > limit { answer = (lowest + Double(value)) / 2; return }
            } else if Double(falsePositives) / total > limit {
                answer = Double(value); return
            }
            lowestWithin = Double(value)
        }
        return answer ?? lowestWithin!.nextDown
    }

    /// numpy's `quantile(values, q)` (linear interpolation, its lerp that is exact at both ends).
    static func quantile<S: BinaryFloatingPoint>(sorted v: [S], _ q: Double) -> Double {
        let index = q * Double(v.count - 1)
        let lo = Int(index.rounded(.down)), hi = min(lo + 1, v.count - 1)
        let t = index - Double(lo), a = Double(v[lo]), b = Double(v[hi]), diff = b - a
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
    }

    /// Counts and rates on the calibration data under "score > value".
    static func outcome<S: BinaryFloatingPoint>(at value: Double, nominal: [S], anomalous: [S]) -> [(String, JSONValue)] {
        let fp = nominal.count - upperCount(nominal, value), tp = anomalous.count - upperCount(anomalous, value)
        var fields: [(String, JSONValue)] = [("nominal", .number(Double(nominal.count))), ("anomalous", .number(Double(anomalous.count)))]
        if !nominal.isEmpty { fields.append(("false_positive_rate", .number(Double(fp) / Double(nominal.count)))) }
        if !anomalous.isEmpty {
            let recall = Double(tp) / Double(anomalous.count)
            let precision = tp + fp > 0 ? Double(tp) / Double(tp + fp) : nil
            fields.append(("precision", precision.map { .number($0) } ?? .null))
            fields.append(("recall", .number(recall)))
            fields.append(("f1", .number(Double(2 * tp) / Double(tp + fp + anomalous.count))))
        }
        return fields
    }

    /// How many of the ascending `sorted` are <= value (the rest are above it).
    static func upperCount<S: BinaryFloatingPoint>(_ sorted: [S], _ value: Double) -> Int {
        var lo = 0, hi = sorted.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Double(sorted[mid]) <= value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
