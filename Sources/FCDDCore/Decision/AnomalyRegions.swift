// Where an image is anomalous: the connected components (8-connected, as scikit-image's `label` on 2-D
// images) of its heatmap above the pixel threshold, each with its bounding box, area and scores. The
// heatmap is at the image's own resolution, so boxes are in the image's pixels.

/// One anomalous region of an image.
public struct AnomalyRegion: Equatable {
    /// Bounding box in pixels, x1 and y1 exclusive.
    public var x0: Int, y0: Int, x1: Int, y1: Int
    /// Pixels in the region.
    public var area: Int
    public var maxScore: Double
    public var meanScore: Double

    public var json: JSONValue {
        .object([("box", .array([x0, y0, x1, y1].map { .number(Double($0)) })), ("area", .number(Double(area))),
                 ("max_score", .number(maxScore)), ("mean_score", .number(meanScore))])
    }
}

public enum AnomalyRegions {
    /// The regions of one `height x width` heatmap whose pixels score above `threshold`, with at least
    /// `minArea` pixels, ordered by max score (highest first, then by position). When `mask` is given
    /// (height * width values) the pixels of the kept regions are set to 1 and all others to 0.
    public static func find(map: UnsafeBufferPointer<Float>, height: Int, width: Int, threshold: Double,
                            minArea: Int = 1, mask: UnsafeMutableBufferPointer<UInt8>? = nil) -> [AnomalyRegion] {
        precondition(map.count == height * width && (mask?.count ?? map.count) == map.count)
        let (labels, sizes) = connectedComponents(height: height, width: width) { Double(map[$0]) > threshold }
        var regions = sizes.map { AnomalyRegion(x0: width, y0: height, x1: 0, y1: 0, area: $0, maxScore: -.infinity, meanScore: 0) }
        var sums = [Double](repeating: 0, count: sizes.count)
        for i in 0..<map.count where labels[i] > 0 {
            let k = Int(labels[i]) - 1, (y, x) = (i / width, i % width), v = Double(map[i])
            regions[k].x0 = min(regions[k].x0, x); regions[k].x1 = max(regions[k].x1, x + 1)
            regions[k].y0 = min(regions[k].y0, y); regions[k].y1 = max(regions[k].y1, y + 1)
            regions[k].maxScore = max(regions[k].maxScore, v)
            sums[k] += v
        }
        for k in regions.indices { regions[k].meanScore = sums[k] / Double(regions[k].area) }
        let keep = regions.map { $0.area >= max(minArea, 1) }
        if let mask {
            for i in 0..<mask.count { mask[i] = labels[i] > 0 && keep[Int(labels[i]) - 1] ? 1 : 0 }
        }
        return regions.indices.filter { keep[$0] }.map { regions[$0] }.sorted { a, b in
            if a.maxScore != b.maxScore { return a.maxScore > b.maxScore }
            return (a.y0, a.x0) < (b.y0, b.x0)
        }
    }
}
