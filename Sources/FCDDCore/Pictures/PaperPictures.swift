// The paper pictures `heatmaps_paper_{local,global}_lbl{0,1}.png` (reference 8.4 B): per label, a row of
// k = min(showPerClass / 3, count) samples going from the most normal to the most anomalous one, drawn as
// rows inputs | heatmaps | gradient heatmaps | GT maps with tiles up to 2 * resdown pixels, once with
// local and once with global normalisation.

/// Normalisation variant of a paper picture.
public enum PaperNormalisation: String, CaseIterable {
    case local, global
}

/// One rendered paper picture.
public struct PaperPicture {
    public var label: Int
    public var normalisation: PaperNormalisation
    /// The chosen sample indices, most normal first.
    public var indices: [Int]
    /// Rows x k x 3 x h x w (the tensor the original also saves as `tims/<file>.pth`).
    public var rows: Tensor
    /// The original's tile grid of `rows`.
    public var picture: Picture
    /// What is written: the tiles enlarged to at least 2 x `minimumTileSide`, with title, row names, scores.
    public var captioned: Picture

    /// `heatmaps_paper_<norm>_lbl<label>` for name `heatmaps`.
    public func fileName(prefix name: String = "heatmaps") -> String { "\(name)_paper_\(normalisation.rawValue)_lbl\(label).png" }
}

public enum PaperPictures {
    /// Per label (ascending), the indices chosen by 8.4 B: the label's samples sorted by ascending score,
    /// split into k nearly equal consecutive chunks (numpy `array_split`: the first len % k chunks get one
    /// more), from chunk t the element at int(t / (k - 1) * len(chunk)), from the last chunk its last element.
    public static func selectIndices(labels: [Int], imageScores: [Double], showPerClass: Int = 20) -> [(label: Int, indices: [Int])] {
        let data = HeatmapPictureData(inputs: Tensor(zeros: [0]), labels: labels, imageScores: imageScores)
        var result = [(label: Int, indices: [Int])]()
        for l in Set(labels).sorted() {
            let sorted = data.sortedByScore(label: l)
            let k = min(showPerClass / 3, sorted.count)
            guard k >= 1 else { continue }
            var chosen = [Int](), start = 0
            for t in 0..<k {
                let length = sorted.count / k + (t < sorted.count % k ? 1 : 0)
                let chunk = sorted[start..<(start + length)]
                let position = t == k - 1 ? length - 1 : Int(Double(t) / Double(k - 1) * Double(length))
                chosen.append(chunk[chunk.startIndex + position])
                start += length
            }
            result.append((l, chosen))
        }
        return result
    }

    /// The log line the original prints (it spells "indicies"; both spellings parse), which `--viz-ids` reads later.
    public static func logLine(name: String = "heatmaps", label: Int, indices: [Int]) -> String {
        "Interpretation visualization paper image \(name)_paper_lbl\(label) indices for label \(label): \(indices)"
    }

    /// Renders both normalisations for every label, or for `specificIndices[label]` when given
    /// (`--viz-ids`). Global pictures re-balance the reference per heatmap row kind.
    public static func render(_ data: HeatmapPictureData, settings: HeatmapPictureSettings,
                              specificIndices: [Int: [Int]]? = nil,
                              random: inout RandomSource) throws -> [PaperPicture] {
        try data.validate()
        var selections = selectIndices(labels: data.labels, imageScores: data.imageScores, showPerClass: settings.showPerClass)
        if let specific = specificIndices {
            selections = specific.keys.sorted().map { ($0, specific[$0]!) }
            for (l, ids) in selections where ids.isEmpty || ids.contains(where: { !data.labels.indices.contains($0) }) {
                throw EngineError.invalidArgument("paper pictures: indices for label \(l) must be non-empty and within 0..<\(data.labels.count), got \(ids)")
            }
        }
        var pictures = [PaperPicture]()
        for (label, indices) in selections {
            for norm in PaperNormalisation.allCases {
                let rows = try data.tileRows(indices, maxResolution: 2 * settings.maxResolution) { kind in
                    norm == .local ? .local(quantile: settings.quantile)
                        : .global(quantile: settings.quantile,
                                  reference: try LabelBalancing.balanced(kind.reference, labels: data.labels, random: &random))
                }
                let stacked = Tensor.concatenate(rows)
                var tims = stacked
                tims.shape = [rows.count] + rows[0].shape
                let how = norm == .local ? "each heatmap normalised on its own" : "heatmaps normalised against all samples"
                let block = CaptionedBlock(
                    title: "\(CaptionedGrid.labelName(label, nominalLabel: settings.nominalLabel)), most normal to most anomalous; \(how)",
                    columnCaptions: indices.map { CaptionedGrid.score(data.imageScores[$0]) },
                    rows: Array(zip(data.rowNames, rows)))
                pictures.append(PaperPicture(label: label, normalisation: norm, indices: indices, rows: tims,
                                             picture: try TileGrid.make(stacked, perRow: indices.count),
                                             captioned: try CaptionedGrid.render([block], minimumSide: 2 * settings.minimumTileSide)))
            }
        }
        return pictures
    }

    /// Renders and writes every picture into `directory`; returns them (with their indices for the log).
    @discardableResult
    public static func write(_ data: HeatmapPictureData, settings: HeatmapPictureSettings, directory: String,
                             name: String = "heatmaps", specificIndices: [Int: [Int]]? = nil,
                             random: inout RandomSource) throws -> [PaperPicture] {
        let pictures = try render(data, settings: settings, specificIndices: specificIndices, random: &random)
        for p in pictures { try p.captioned.write(path: "\(directory)/\(p.fileName(prefix: name))") }
        return pictures
    }
}
