// The heatmap pictures as a person reads them: the original's tiles (same selection, normalisation and
// colours), upscaled with nearest neighbours so that a 28- or 32-pixel image is not a speck, with a title
// per block of tiles (which samples, which label), the name of every row (input, heatmap, ground truth)
// on the left and each sample's anomaly score above its column.

/// One block of the picture: a title line, a caption above every column, then rows of tiles.
struct CaptionedBlock {
    var title: String
    /// Per column (sample), e.g. its score; empty for none.
    var columnCaptions: [String]
    /// Row name and its tiles (k x C x h x w, C = 1 or 3, the same k, h and w in every row).
    var rows: [(name: String, tiles: Tensor)]
}

enum CaptionedGrid {
    static let gap = 2

    /// The blocks one below the other. Tiles are enlarged by the smallest whole factor that makes them at
    /// least `minimumSide` pixels high; the text grows with them (5x7 font, scale 1 up to 2 for 96+ px).
    static func render(_ blocks: [CaptionedBlock], minimumSide: Int) throws -> Picture {
        guard let first = blocks.first?.rows.first?.tiles, first.rank == 4 else {
            throw EngineError.invalidArgument("captioned picture: no tiles")
        }
        let (h, w) = (first.shape[2], first.shape[3])
        for block in blocks {
            for row in block.rows {
                guard row.tiles.rank == 4, row.tiles.shape[1] == 1 || row.tiles.shape[1] == 3,
                      row.tiles.shape[2] == h, row.tiles.shape[3] == w,
                      row.tiles.shape[0] == block.rows[0].tiles.shape[0] else {
                    throw EngineError.shapeMismatch("captioned picture: row '\(row.name)' has tiles \(row.tiles.shape), expected k x C x \(h) x \(w)")
                }
            }
        }
        let factor = max(1, (minimumSide + h - 1) / h)
        let (th, tw) = (h * factor, w * factor)
        let text = th >= 96 ? 2 : 1
        let line = (BitmapFont.glyphHeight + 5) * text
        let header = 2 * gap + blocks.flatMap { $0.rows.map { BitmapFont.width(of: $0.name, scale: text) } }.max()!
        let columns = blocks.map { $0.rows[0].tiles.shape[0] }.max()!
        let blockHeights = blocks.map { 2 * line + $0.rows.count * (th + gap) }
        let width = max(header + columns * (tw + gap) + gap,
                        2 * gap + blocks.map { BitmapFont.width(of: $0.title, scale: text) }.max()!)
        let height = blockHeights.reduce(0, +) + (blocks.count - 1) * line / 2 + gap
        try EngineLimits.checkImage(width: width, height: height, source: "captioned picture")
        var canvas = Canvas(width: width, height: height)
        var top = 0
        for (b, block) in blocks.enumerated() {
            canvas.drawText(block.title, x: gap, y: top + (line - BitmapFont.glyphHeight * text) / 2,
                            scale: text, color: (255, 255, 255))
            let captionTop = top + line
            for (c, caption) in block.columnCaptions.enumerated() {
                let left = header + c * (tw + gap) + gap
                let x = left + max(0, (tw - BitmapFont.width(of: caption, scale: text)) / 2)
                canvas.drawText(caption, x: x, y: captionTop + (line - BitmapFont.glyphHeight * text) / 2,
                                scale: text, color: (200, 200, 200))
            }
            for (r, row) in block.rows.enumerated() {
                let rowTop = captionTop + line + r * (th + gap)
                canvas.drawText(row.name, x: gap, y: rowTop + (th - BitmapFont.glyphHeight * text) / 2,
                                scale: text, color: (200, 200, 200))
                for k in 0..<row.tiles.shape[0] {
                    canvas.blit(enlarged(row.tiles, index: k, factor: factor), x: header + k * (tw + gap) + gap, y: rowTop)
                }
            }
            top += blockHeights[b] + line / 2
        }
        return canvas.picture()
    }

    /// Tile `index` of `tiles` as an RGB picture, every pixel repeated factor x factor times.
    static func enlarged(_ tiles: Tensor, index: Int, factor: Int) -> Picture {
        let (c, h, w) = (tiles.shape[1], tiles.shape[2], tiles.shape[3])
        let (H, W) = (h * factor, w * factor)
        var out = Tensor(zeros: [3, H, W])
        for ch in 0..<3 {
            let src = (index * c + (c == 3 ? ch : 0)) * h * w
            for y in 0..<H {
                let srcRow = src + (y / factor) * w, dst = (ch * H + y) * W
                for x in 0..<W { out.data[dst + x] = tiles.data[srcRow + x / factor] }
            }
        }
        return Picture(rgb: out)
    }

    /// A score in four significant figures at most, for a caption a few tiles wide.
    static func score(_ value: Double) -> String {
        let magnitude = abs(value)
        let decimals = magnitude >= 1000 ? 0 : magnitude >= 100 ? 1 : magnitude >= 10 ? 2 : 3
        return LinePlot.format(value, decimals: decimals)
    }

    /// "label 0 (nominal)", "label 1 (anomalous)": labels as the test pass delivers them, where the nominal
    /// one is `nominalLabel` (1 with --nominal-label 1).
    static func labelName(_ label: Int, nominalLabel: Int) -> String {
        "label \(label) (\(label == nominalLabel ? "nominal" : "anomalous"))"
    }
}
