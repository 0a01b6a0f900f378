// `ds_preview.png` (reference 8.6; `preview` in datasets/bases.py and `imsave(..., rowheaders=...)` in
// util/logging.py): one row per label with its first samples, for GT datasets a black row and one GT row
// per label; every row cut to the smallest label count; each tile min-max scaled on its own (constant tiles
// left as they are); a black column in front carries the row headers.

public enum DatasetPreview {
    /// `inputs`: N x C x H x W collected from the training loader; `labels`: N labels; `groundTruth`:
    /// N x 1 x H x W maps or nil. `nominalLabel` decides which label rows are headed "norm" (and "gtno").
    /// The original's layout (make_grid with a header column).
    public static func render(inputs: Tensor, labels: [Int], groundTruth: Tensor? = nil,
                              nominalLabel: Int = 0, perClass: Int = 20) throws -> Picture {
        let (rows, headers) = try previewRows(inputs: inputs, labels: labels, groundTruth: groundTruth,
                                              nominalLabel: nominalLabel, perClass: perClass)
        let tiles = scaledEach(Tensor.concatenate(rows.map(\.tiles)))
        let grid = try TileGrid.make(tiles, perRow: rows[0].tiles.batch)
        return withHeaderColumn(grid, headers: headers.map(\.short), tileHeight: inputs.shape[2], tileWidth: inputs.shape[3])
    }

    /// What `ds_preview.png` shows: the same rows with the tiles enlarged to at least `minimumSide` pixels,
    /// a title and row names a reader understands ("nominal", "anomalous", "anomalous mask").
    public static func renderCaptioned(inputs: Tensor, labels: [Int], groundTruth: Tensor? = nil,
                                       nominalLabel: Int = 0, perClass: Int = 20, minimumSide: Int = 64) throws -> Picture {
        let (rows, headers) = try previewRows(inputs: inputs, labels: labels, groundTruth: groundTruth,
                                              nominalLabel: nominalLabel, perClass: perClass)
        let shown = zip(rows, headers).filter { !$0.1.long.isEmpty }
        let block = CaptionedBlock(title: "training samples as the network gets them (after preprocessing, each tile scaled to its own range)",
                                   columnCaptions: [],
                                   rows: shown.map { ($0.1.long, scaledEach($0.0.tiles)) })
        return try CaptionedGrid.render([block], minimumSide: minimumSide)
    }

    /// The rows of the preview (first samples of every label; for GT datasets a black row and the maps) with
    /// the original's header and a readable one.
    static func previewRows(inputs: Tensor, labels: [Int], groundTruth: Tensor?, nominalLabel: Int,
                            perClass: Int) throws -> (rows: [(tiles: Tensor, label: Int)], headers: [(short: String, long: String)]) {
        guard inputs.rank == 4, inputs.batch >= 1, labels.count == inputs.batch else {
            throw EngineError.shapeMismatch("dataset preview: \(inputs.shape) inputs with \(labels.count) labels")
        }
        if let gt = groundTruth, !(gt.rank == 4 && gt.shape[1] == 1 && gt.batch == inputs.batch && Array(gt.shape[2...]) == Array(inputs.shape[2...])) {
            throw EngineError.shapeMismatch("dataset preview: ground-truth maps must be \(inputs.batch) x 1 x H x W like the inputs, got \(gt.shape)")
        }
        guard perClass >= 1 else { throw EngineError.invalidArgument("dataset preview: perClass must be >= 1") }
        let (c, h, w) = (inputs.shape[1], inputs.shape[2], inputs.shape[3])
        let distinct = Set(labels).sorted()
        let length = min(perClass, distinct.map { l in labels.filter { $0 == l }.count }.min()!)
        func firstOf(_ l: Int) -> [Int] { Array(labels.indices.filter { labels[$0] == l }.prefix(length)) }
        func name(_ l: Int) -> String { l == nominalLabel ? "nominal" : "anomalous" }

        var rows = distinct.map { (tiles: TileProcessing.select(inputs, firstOf($0)), label: $0) }
        var headers = distinct.map { (short: $0 == nominalLabel ? "norm" : "anom", long: name($0)) }
        if let gt = groundTruth {
            rows.append((Tensor(zeros: [length, c, h, w]), -1))
            headers.append(("", ""))
            for l in distinct {
                var maps = TileProcessing.select(gt, firstOf(l))
                if c > 1 { maps = TileProcessing.repeatedToRGB(maps) }
                rows.append((maps, l))
                headers.append((l == nominalLabel ? "gtno" : "gtan", "\(name(l)) mask"))
            }
        }
        return (rows, headers)
    }

    /// make_grid(normalize=True, scale_each=True) with imsave's fix-up: each tile (all channels) mapped
    /// from [min, max] to [0, 1] (divisor at least 1e-5); tiles with zero standard deviation keep their values.
    static func scaledEach(_ tiles: Tensor) -> Tensor {
        var out = tiles
        let per = tiles.itemCount
        for n in 0..<tiles.batch {
            let range = (n * per)..<((n + 1) * per)
            let low = tiles.data[range].min()!, high = tiles.data[range].max()!
            guard low != high else { continue }
            let scale = max(high - low, 1e-5)
            for i in range { out.data[i] = (min(max(tiles.data[i], low), high) - low) / scale }
        }
        return out
    }

    /// Prepends a black column of int(1.8 * w) pixels and writes header i in white with its baseline at
    /// y = h - 10 * thickness + (h + 2) * i, where OpenCV's `putText` puts it (moved down for tiny tiles). The glyph size follows the
    /// original's font scale 0.5 + 0.5 * (w // 40) (Hershey capitals are ~22 px at scale 1), limited so
    /// that a 4-letter header fits the column.
    static func withHeaderColumn(_ grid: Picture, headers: [String], tileHeight h: Int, tileWidth w: Int) -> Picture {
        let column = Int(Double(w) * 1.8)
        var canvas = Canvas(width: column + grid.width, height: grid.height)
        canvas.blit(grid, x: column, y: 0)
        let thickness = 1 + w / 100
        let fontScale = 0.5 + 0.5 * Double(w / 40)
        let glyphScale = max(1, min(Int((22 * fontScale / Double(BitmapFont.glyphHeight)).rounded()),
                                    column / (4 * BitmapFont.advance)))
        for (i, header) in headers.enumerated() where !header.isEmpty {
            // Tiles smaller than OpenCV's offset would put the first header above the picture.
            let baseline = max(h - 10 * thickness, BitmapFont.glyphHeight * glyphScale) + (h + 2) * i
            canvas.drawText(header, x: 0, y: baseline - BitmapFont.glyphHeight * glyphScale, scale: glyphScale,
                            color: (255, 255, 255))
        }
        return canvas.picture()
    }
}
