// Heatmaps of tiles put together into the heatmap of the whole image. Where tiles overlap, their maps are
// averaged: each tile's map is a complete FCDD heatmap (receptive-field upsampled, on the same scale for
// every tile), so the mean keeps that scale, and a pixel threshold calibrated on the stitched maps means
// the same everywhere. A maximum would raise every overlap (more tiles, more chances of a high value) and
// draw the tile grid into the map; a sum would double it. Near a tile's border the network sees less
// context (the zero padding of its convolutions), and averaging with an overlapping tile that sees the
// same pixels from further inside is what hides the seams.

/// The heatmap of one image assembled from its tiles in memory it is given (the caller's output buffer,
/// so the map is written once): the only full-size memory is the map itself (the counts of covering tiles
/// are those of its row times those of its column).
public struct TileStitcher {
    public let height: Int
    public let width: Int
    public let layout: TileLayout
    let map: UnsafeMutableBufferPointer<Float>

    /// Stitches into `map` (height x width values, which it sets to zero first).
    public init(into map: UnsafeMutableBufferPointer<Float>, height: Int, width: Int, layout: TileLayout) {
        precondition(map.count == height * width)
        self.height = height; self.width = width; self.layout = layout; self.map = map
        map.update(repeating: 0)
    }

    /// Adds a tile's `size` x `size` map at `window`.
    public func add(_ tile: ArraySlice<Float>, at window: CropWindow) {
        precondition(tile.count == layout.size * layout.size && window.height == layout.size && window.width == layout.size)
        let size = layout.size, first = tile.startIndex, w = width
        for y in 0..<size {
            let row = (window.top + y) * w + window.left, source = first + y * size
            for x in 0..<size { map[row + x] += tile[source + x] }
        }
    }

    /// Averages every pixel over the tiles that cover it.
    public func finish() {
        let rows = layout.coverage(along: height), columns = layout.coverage(along: width)
        for y in 0..<height {
            for x in 0..<width { map[y * width + x] /= Float(rows[y] * columns[x]) }
        }
    }
}

/// How the scores of an image's tiles become the image's score (`tile_score`).
public enum TileScore: String, CaseIterable {
    /// The highest tile score: one anomalous tile makes the image anomalous, however large the image.
    case max
    /// The mean of the `tile_top_k` highest tile scores: less sensitive to one noisy tile.
    case topKMean = "top_k_mean"

    public func combine(_ scores: ArraySlice<Float>, topK: Int) -> Float {
        switch self {
        case .max: return scores.max() ?? 0
        case .topKMean:
            let top = scores.sorted(by: >).prefix(Swift.max(1, topK))
            return top.reduce(0, +) / Float(top.count)
        }
    }
}
