// The metrics of `fs.FCDD.evaluate`: image-level AUROC, average precision and F1-max over the scores,
// and with ground-truth maps the pooled pixel-level AUROC and the AUPRO up to a false-positive rate.
// A metric that is undefined for the data (one class only) is null rather than an error, so that one
// evaluation call always reports what can be computed.

public enum DetectorMetrics {
    public static func evaluate(scores: [Float], labels: [Int], maps: ScorePlanes?, masks: [GroundTruthMask]?,
                                proLimit: Double = 0.3) throws -> JSONValue {
        guard scores.count == labels.count, !scores.isEmpty else {
            throw EngineError.shapeMismatch("\(scores.count) scores for \(labels.count) labels")
        }
        guard labels.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw EngineError.invalidArgument("labels must be 0 or 1") }
        var out: [(String, JSONValue)] = []
        if Set(labels).count == 2 {
            let f1 = try f1Max(labels: labels, scores: scores)
            out += [("image_auroc", .number(try ROCCurve.compute(labels: labels, scores: scores).auc)),
                    ("ap", .number(try averagePrecision(labels: labels, scores: scores))),
                    ("f1_max", .number(f1.f1)), ("f1_max_threshold", .number(f1.decisionThreshold))]
        } else {
            out += [("image_auroc", .null), ("ap", .null), ("f1_max", .null), ("f1_max_threshold", .null)]
        }
        if let maps, let masks {
            guard masks.count == scores.count else { throw EngineError.shapeMismatch("\(masks.count) ground-truth maps for \(scores.count) images") }
            let anomalousPixels = masks.reduce(0) { $0 + $1.anomalousCount }
            let allPixels = masks.reduce(0) { $0 + $1.height * $1.width }
            if anomalousPixels > 0 && anomalousPixels < allPixels {
                let ranking = try PixelRanking(planes: maps, groundTruth: masks)
                out += [("pixel_auroc", .number(ranking.roc().auc)), ("pixel_ap", .number(ranking.averagePrecision())),
                        ("aupro", .number(try auPRO(planes: maps, groundTruth: masks, limit: proLimit)))]
            } else {
                out += [("pixel_auroc", .null), ("pixel_ap", .null), ("aupro", .null)]
            }
        }
        return .object(out)
    }
}
