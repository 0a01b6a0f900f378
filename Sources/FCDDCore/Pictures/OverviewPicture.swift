// The overview picture `<name>_global.png` (reference 8.4 A; `heatmap_generation` and
// `_create_heatmaps_picture` of the original): groups of m samples, each group drawn as sub-rows
// inputs | heatmaps | gradient heatmaps | GT maps | black, m tiles per row, 2-pixel black padding,
// heatmaps globally normalised against the label-balanced raw score maps.

/// Settings shared by the heatmap pictures.
public struct HeatmapPictureSettings {
    /// `--quantile` of the normalisation (8.5).
    public var quantile: Double
    /// `resdown`: largest tile side of the overview picture; paper pictures use twice this.
    public var maxResolution: Int
    /// `show_per_cls`: samples per label in the overview (at most), and 3x the paper row length.
    public var showPerClass: Int

    /// The label of nominal samples (captions say which label is which).
    public var nominalLabel: Int
    /// Tiles of the written overview are enlarged to at least this side (the paper pictures: twice it).
    public var minimumTileSide: Int

    public init(quantile: Double, maxResolution: Int = 64, showPerClass: Int = 20, nominalLabel: Int = 0,
                minimumTileSide: Int = 64) {
        self.quantile = quantile; self.maxResolution = maxResolution; self.showPerClass = showPerClass
        self.nominalLabel = nominalLabel; self.minimumTileSide = minimumTileSide
    }
}

/// The rendered overview picture with the sample order it shows.
public struct OverviewPicture {
    /// Sample indices in tile order: group after group, m per group.
    public var indices: [Int]
    /// Tiles per row (m).
    public var perRow: Int
    /// The original's tile grid (make_grid, 2-pixel black padding, a black row after each group).
    public var picture: Picture
    /// What is written: the same tiles enlarged, with a title per group, row names and scores.
    public var captioned: Picture

    /// The index list of 8.4 A, or nil when some label has fewer than 2 samples (the original warns and
    /// skips the picture). m = min(showPerClass, smallest label count), made even; k = max(m / 2, 1).
    /// For each label ascending: its first m samples in data order; then for each label ascending: its k
    /// lowest-scored followed by its k highest-scored samples (ascending score).
    public static func selectIndices(labels: [Int], imageScores: [Double], showPerClass: Int = 20) -> (indices: [Int], perRow: Int)? {
        let distinct = Set(labels).sorted()
        let counts = distinct.map { l in labels.filter { $0 == l }.count }
        guard let fewest = counts.min(), fewest >= 2, showPerClass >= 2 else { return nil }
        var m = min(showPerClass, fewest)
        if m % 2 != 0 { m -= 1 }
        let k = max(m / 2, 1)
        var indices = [Int]()
        for l in distinct { indices += labels.indices.filter { labels[$0] == l }.prefix(m) }
        let data = HeatmapPictureData(inputs: Tensor(zeros: [0]), labels: labels, imageScores: imageScores)
        for l in distinct {
            let sorted = data.sortedByScore(label: l)
            indices += sorted.prefix(k) + sorted.suffix(k)
        }
        return (indices, m)
    }

    /// Renders the picture; nil when `selectIndices` declines. `random` draws the label balancing of the
    /// global reference (once per heatmap row, as the original calls `balance_labels` per row).
    public static func render(_ data: HeatmapPictureData, settings: HeatmapPictureSettings,
                              random: inout RandomSource) throws -> OverviewPicture? {
        try data.validate()
        guard let (indices, m) = selectIndices(labels: data.labels, imageScores: data.imageScores,
                                               showPerClass: settings.showPerClass) else { return nil }
        var rows = [Tensor]()
        var blocks = [CaptionedBlock]()
        let distinct = Set(data.labels).sorted()
        for (g, start) in stride(from: 0, to: indices.count, by: m).enumerated() {
            let group = Array(indices[start..<min(start + m, indices.count)])
            let subRows = try data.tileRows(group, maxResolution: settings.maxResolution) { kind in
                .global(quantile: settings.quantile,
                        reference: try LabelBalancing.balanced(kind.reference, labels: data.labels, random: &random))
            }
            rows += subRows
            rows.append(Tensor(zeros: subRows.last!.shape))  // the black separator row
            // Groups: per label its first m samples, then per label its m/2 lowest and m/2 highest scores.
            let label = distinct[g % distinct.count]
            let which = g < distinct.count ? "the first \(group.count) samples"
                                           : "the \(group.count / 2) lowest and \(group.count / 2) highest scores"
            blocks.append(CaptionedBlock(title: "\(CaptionedGrid.labelName(label, nominalLabel: settings.nominalLabel)): \(which)",
                                         columnCaptions: group.map { CaptionedGrid.score(data.imageScores[$0]) },
                                         rows: Array(zip(data.rowNames, subRows))))
        }
        blocks[0].title += " (scores above; heatmaps normalised against all samples, quantile \(LinePlot.format(settings.quantile, decimals: 2)))"
        return OverviewPicture(indices: indices, perRow: m,
                               picture: try TileGrid.make(Tensor.concatenate(rows), perRow: m),
                               captioned: try CaptionedGrid.render(blocks, minimumSide: settings.minimumTileSide))
    }

    /// Writes `<directory>/<name>_global.png` (name: `heatmaps` or `train_heatmaps`) and returns the
    /// picture, or nil (nothing written) when too few samples; the caller logs the original's warning
    /// "Heatmap '<name>' cannot be generated. For some labels there are too few samples!".
    @discardableResult
    public static func write(_ data: HeatmapPictureData, settings: HeatmapPictureSettings, directory: String,
                             name: String = "heatmaps", random: inout RandomSource) throws -> OverviewPicture? {
        guard let overview = try render(data, settings: settings, random: &random) else { return nil }
        try overview.captioned.write(path: "\(directory)/\(name)_global.png")
        return overview
    }
}
