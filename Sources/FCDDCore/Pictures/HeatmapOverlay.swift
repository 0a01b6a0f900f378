// Heatmap overlays for the predict command: the input image (min-max scaled like the input tiles of the
// pictures) blended with the jet-coloured heatmap. Not in the original (its prediction script writes
// the picture grid only); the blend follows the usual "alpha * heat + (1 - alpha) * image" convention.

public enum HeatmapOverlay {
    /// The quantile of a map that becomes the top of the colour scale unless a caller chooses another: the
    /// original's default (reference 8.5), for every overlay the engine draws or hands out.
    public static let defaultQuantile = 0.97

    /// `image`: C x H x W or 1 x C x H x W (C = 1 or 3); `heatmap`: H x W values (any shape with H * W
    /// entries, e.g. 1 x 1 x H x W), already upsampled to the image size. The heatmap is normalised
    /// locally with `quantile` (8.5), or globally against `reference` when given. `alpha` in [0, 1] is
    /// the weight of the heatmap colour. `stretchImage` min-max scales the image (network inputs);
    /// without it the image values are taken as [0, 1] intensities (photographs).
    public static func render(image: Tensor, heatmap: Tensor, quantile: Double = defaultQuantile, reference: Tensor? = nil,
                              alpha: Float = 0.5, stretchImage: Bool = true) throws -> Picture {
        let shape = image.rank == 4 && image.batch == 1 ? Array(image.shape.dropFirst()) : image.shape
        guard shape.count == 3, shape[0] == 1 || shape[0] == 3 else {
            throw EngineError.shapeMismatch("heatmap overlay: image must be C x H x W with C = 1 or 3, got \(image.shape)")
        }
        let (c, h, w) = (shape[0], shape[1], shape[2])
        guard heatmap.count == h * w else {
            throw EngineError.shapeMismatch("heatmap overlay: heatmap has \(heatmap.count) values, the image is \(h) x \(w)")
        }
        guard alpha >= 0, alpha <= 1 else { throw EngineError.invalidArgument("heatmap overlay: alpha must be in [0, 1], got \(alpha)") }
        let batch = Tensor(shape: [1, c, h, w], data: image.data)
        let base = TileProcessing.repeatedToRGB(stretchImage ? try QuantileNormalisation.local(batch, quantile: 1) : batch)
        let heat = Tensor(shape: [1, 1, h, w], data: heatmap.data)
        let normalised = try reference.map { try QuantileNormalisation.global(heat, quantile: quantile, reference: $0) }
            ?? QuantileNormalisation.local(heat, quantile: quantile)
        let colour = TileProcessing.jet(normalised)
        var out = Tensor(zeros: [3, h, w])
        for i in 0..<(3 * h * w) {
            let b = base.data[i].isNaN ? 0 : base.data[i]  // a constant image scales to 0 / 0
            out.data[i] = alpha * colour.data[i] + (1 - alpha) * b
        }
        return Picture(rgb: out)
    }
}
