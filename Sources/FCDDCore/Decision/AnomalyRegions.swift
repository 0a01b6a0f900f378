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
        // label[i]: 0 below the threshold, -1 above and not yet visited, else the region number.
        var label = [Int32](repeating: 0, count: map.count)
        for i in 0..<map.count where Double(map[i]) > threshold { label[i] = -1 }
        var regions = [AnomalyRegion](), members = [[Int]]()
        var stack = [Int]()
        for start in 0..<map.count where label[start] == -1 {
            let number = Int32(regions.count + 1)
            var region = AnomalyRegion(x0: width, y0: height, x1: 0, y1: 0, area: 0, maxScore: -.infinity, meanScore: 0)
            var pixels = [Int](), sum = 0.0
            label[start] = number
            stack.append(start)
            while let i = stack.popLast() {
                pixels.append(i)
                let y = i / width, x = i % width, v = Double(map[i])
                region.x0 = min(region.x0, x); region.x1 = max(region.x1, x + 1)
                region.y0 = min(region.y0, y); region.y1 = max(region.y1, y + 1)
                region.maxScore = max(region.maxScore, v)
                sum += v
                for dy in -1...1 {
                    let ny = y + dy
                    guard ny >= 0 && ny < height else { continue }
                    for dx in -1...1 {
                        let nx = x + dx
                        guard nx >= 0 && nx < width else { continue }
                        let j = ny * width + nx
                        if label[j] == -1 { label[j] = number; stack.append(j) }
                    }
                }
            }
            region.area = pixels.count
            region.meanScore = sum / Double(pixels.count)
            regions.append(region)
            members.append(pixels)
        }
        let kept = regions.indices.filter { regions[$0].area >= max(minArea, 1) }
            .sorted { a, b in
                let (ra, rb) = (regions[a], regions[b])
                if ra.maxScore != rb.maxScore { return ra.maxScore > rb.maxScore }
                return (ra.y0, ra.x0) < (rb.y0, rb.x0)
            }
        if let mask {
            for i in 0..<mask.count { mask[i] = 0 }
            for k in kept { for i in members[k] { mask[i] = 1 } }
        }
        return kept.map { regions[$0] }
    }
}
