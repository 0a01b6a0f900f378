// Everything the heatmap pictures of reference 8.4 draw from, gathered by the caller after a test pass.
// All tensors are NCHW float32 with the same N; heatmaps arrive already receptive-field upsampled (FCDD)
// or blurred (HSC with --blur-heatmaps) to the input resolution, because that is the network's business.

/// One kind of heatmap row: the maps drawn and the raw maps used as global normalisation reference.
public struct HeatmapRows {
    /// N x C x H x W at the input resolution (FCDD: Gaussian-upsampled ph(A); HSC: gradient maps; AE: errors).
    public var maps: Tensor
    /// N x ... raw maps before upsampling (FCDD: the low-resolution ph(A)); label-balanced per row for
    /// global normalisation (reference 8.5, quirk Q13).
    public var reference: Tensor

    public init(maps: Tensor, reference: Tensor) {
        self.maps = maps; self.reference = reference
    }
}

/// Inputs, scores and maps of one gathered set (training or test) for the heatmap pictures.
public struct HeatmapPictureData {
    /// N x C x H x W network inputs (after preprocessing; drawn min-max scaled per image).
    public var inputs: Tensor
    /// Per-sample labels (0 nominal, 1 anomalous, as delivered by the loader).
    public var labels: [Int]
    /// Per-sample image-level anomaly scores (ordering the samples from most normal to most anomalous).
    public var imageScores: [Double]
    /// Anomaly-score heatmaps (FCDD, AE); nil for HSC.
    public var heatmaps: HeatmapRows?
    /// Gradient heatmaps (HSC only).
    public var gradientHeatmaps: HeatmapRows?
    /// N x 1 x H x W ground-truth maps in {0, 1}, if the dataset has them.
    public var groundTruth: Tensor?

    public init(inputs: Tensor, labels: [Int], imageScores: [Double], heatmaps: HeatmapRows? = nil,
                gradientHeatmaps: HeatmapRows? = nil, groundTruth: Tensor? = nil) {
        self.inputs = inputs; self.labels = labels; self.imageScores = imageScores
        self.heatmaps = heatmaps; self.gradientHeatmaps = gradientHeatmaps; self.groundTruth = groundTruth
    }

    /// Checks that every tensor has N items and the input's spatial size, and that scores are not NaN.
    func validate() throws {
        guard inputs.rank == 4, inputs.batch >= 1 else {
            throw EngineError.shapeMismatch("heatmap pictures: inputs must be N x C x H x W with N >= 1, got \(inputs.shape)")
        }
        let n = inputs.batch, size = Array(inputs.shape[2...])
        guard labels.count == n, imageScores.count == n else {
            throw EngineError.shapeMismatch("heatmap pictures: \(n) inputs, \(labels.count) labels, \(imageScores.count) image scores")
        }
        guard !imageScores.contains(where: { $0.isNaN }) else {
            throw EngineError.invalidArgument("heatmap pictures: an image score is NaN")
        }
        for (name, rows) in [("heatmaps", heatmaps), ("gradient heatmaps", gradientHeatmaps)] {
            guard let rows else { continue }
            guard rows.maps.rank == 4, rows.maps.batch == n, Array(rows.maps.shape[2...]) == size else {
                throw EngineError.shapeMismatch("heatmap pictures: \(name) must be \(n) x C x \(size[0]) x \(size[1]) (upsampled to the input size), got \(rows.maps.shape)")
            }
            guard rows.reference.batch == n, rows.reference.count > 0 else {
                throw EngineError.shapeMismatch("heatmap pictures: \(name) reference must have \(n) items, got \(rows.reference.shape)")
            }
        }
        if let gt = groundTruth, !(gt.rank == 4 && gt.batch == n && Array(gt.shape[2...]) == size) {
            throw EngineError.shapeMismatch("heatmap pictures: ground-truth maps must be \(n) x 1 x \(size[0]) x \(size[1]), got \(gt.shape)")
        }
        guard heatmaps != nil || gradientHeatmaps != nil else {
            throw EngineError.invalidArgument("heatmap pictures: neither heatmaps nor gradient heatmaps given")
        }
    }

    /// Sample indices sorted by ascending image score (stable: ties keep data order; numpy's argsort
    /// may order ties differently), restricted to `label`.
    func sortedByScore(label: Int) -> [Int] {
        labels.indices.filter { labels[$0] == label }.sorted {
            imageScores[$0] != imageScores[$1] ? imageScores[$0] < imageScores[$1] : $0 < $1
        }
    }

    /// Names of the rows `tileRows` returns, in its order.
    var rowNames: [String] {
        ["input"] + (heatmaps != nil ? ["heatmap"] : []) + (gradientHeatmaps != nil ? ["gradient"] : [])
            + (groundTruth != nil ? ["ground truth"] : [])
    }

    /// The rows of tiles for samples `indices`: inputs, heatmaps, gradient heatmaps, GT maps.
    /// `normalisation(rows)` gives the normalisation of a heatmap row kind (called once per row, so a
    /// global reference is re-balanced for every row as in the original).
    func tileRows(_ indices: [Int], maxResolution: Int,
                  normalisation: (HeatmapRows) throws -> TileNormalisation) throws -> [Tensor] {
        var rows = [try TileProcessing.process(TileProcessing.select(inputs, indices), maxResolution: maxResolution,
                                               normalisation: .local(quantile: 1), colorize: false)]
        for kind in [heatmaps, gradientHeatmaps] {
            guard let kind else { continue }
            rows.append(try TileProcessing.process(TileProcessing.select(kind.maps, indices), maxResolution: maxResolution,
                                                   normalisation: try normalisation(kind), colorize: true))
        }
        if let gt = groundTruth {
            rows.append(try TileProcessing.process(TileProcessing.select(gt, indices), maxResolution: maxResolution,
                                                   normalisation: .none, colorize: false))
        }
        return rows
    }
}
