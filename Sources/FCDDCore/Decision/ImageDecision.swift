// The decision on one image: its score, its label under the image threshold and its anomalous regions
// under the pixel threshold. `fs.FCDD.inspect`, `predict_mask` and `fcdd-swift predict` all decide here.

public struct ImageDecision: Equatable {
    public var score: Double
    /// Anomalous (score > image threshold); nil when the model has no image threshold.
    public var label: Bool?
    /// The regions of the heatmap above the pixel threshold; nil when the model has no pixel threshold.
    public var regions: [AnomalyRegion]?

    /// {"score", "label": 0 | 1 | null, "regions": [...] | null}.
    public var fields: [(String, JSONValue)] {
        [("score", .number(score)), ("label", label.map { .number($0 ? 1 : 0) } ?? .null),
         ("regions", regions.map { .array($0.map(\.json)) } ?? .null)]
    }

    public static func == (a: ImageDecision, b: ImageDecision) -> Bool {
        a.score == b.score && a.label == b.label && a.regions == b.regions
    }
}

public enum Decisions {
    /// Decides each of `scores.count` images; `maps` holds their heatmaps (count x height x width) when
    /// regions are wanted, and `masks` (same size) receives the binary masks of the kept regions.
    public static func decide(scores: [Float], maps: [Float]?, height: Int, width: Int, thresholds: DecisionThresholds,
                              minArea: Int, masks: UnsafeMutableBufferPointer<UInt8>? = nil) -> [ImageDecision] {
        let plane = height * width
        return scores.indices.map { i in
            var decision = ImageDecision(score: Double(scores[i]), label: thresholds.image.map { Double(scores[i]) > $0.value },
                                         regions: nil)
            if let pixel = thresholds.pixel, let maps {
                maps.withUnsafeBufferPointer { all in
                    let map = UnsafeBufferPointer(rebasing: all[(i * plane)..<((i + 1) * plane)])
                    let mask = masks.map { UnsafeMutableBufferPointer(rebasing: $0[(i * plane)..<((i + 1) * plane)]) }
                    decision.regions = AnomalyRegions.find(map: map, height: height, width: width, threshold: pixel.value,
                                                           minArea: minArea, mask: mask)
                }
            } else if let masks {
                for j in (i * plane)..<((i + 1) * plane) { masks[j] = 0 }
            }
            return decision
        }
    }
}
