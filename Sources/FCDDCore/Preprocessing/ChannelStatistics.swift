// Normalisation constants computed from training data instead of read from a table:
//  * custom image folders (reference 7.7): per-channel mean and unbiased std over all pixels of all
//    nominal training images, each resized to 224x224 (PIL bilinear) and scaled to [0, 1];
//  * the generic in-memory pipeline: the same statistics at the images' own size, and the per-channel
//    extremes of LCN(l1), which is how the original's tables (Appendix A) were made.
// Images are visited one at a time through a closure so that folder datasets need not fit in memory.
// Per-image moments are merged with Chan et al.'s pairwise update, in double.

/// Mean, std and LCN range per channel over a set of images.
public enum ChannelStatistics {
    /// Per-channel mean and unbiased std (torch `.std()`) of `count` images scaled to [0, 1], each first
    /// resized to `resize` (PIL bilinear) when given. All images must have `channels` channels.
    public static func meanAndStd(count: Int, channels: Int, resize: ResizeTarget? = nil,
                                  image: (Int) throws -> RawImage) throws -> (mean: [Double], std: [Double]) {
        guard count >= 1 else { throw EngineError.invalidArgument("statistics need at least one image") }
        var n = 0.0
        var mean = [Double](repeating: 0, count: channels), m2 = [Double](repeating: 0, count: channels)
        for index in 0..<count {
            var img = try image(index)
            guard img.channels == channels else {
                throw EngineError.shapeMismatch("image \(index) has \(img.channels) channels, expected \(channels)")
            }
            if let resize { img = try img.resized(to: resize) }
            let plane = img.planeSize, nb = Double(plane)
            for c in 0..<channels {
                var s = 0.0
                for i in (c * plane)..<((c + 1) * plane) { s += Double(Float(img.pixels[i]) / 255) }
                let mb = s / nb
                var q = 0.0
                for i in (c * plane)..<((c + 1) * plane) { let d = Double(Float(img.pixels[i]) / 255) - mb; q += d * d }
                let delta = mb - mean[c], total = n + nb
                mean[c] += delta * nb / total
                m2[c] += q + delta * delta * n * nb / total
            }
            n += Double(plane)
        }
        guard n > 1 else { throw EngineError.invalidArgument("statistics need more than one pixel per channel") }
        return (mean, m2.map { ($0 / (n - 1)).squareRoot() })
    }

    /// Per-channel minimum and maximum of LCN(l1) applied to each image (scaled to [0, 1]).
    public static func lcnRange(count: Int, channels: Int,
                                image: (Int) throws -> RawImage) throws -> (min: [Double], max: [Double]) {
        guard count >= 1 else { throw EngineError.invalidArgument("statistics need at least one image") }
        var lo = [Float](repeating: .infinity, count: channels), hi = [Float](repeating: -.infinity, count: channels)
        for index in 0..<count {
            let img = try image(index)
            guard img.channels == channels else {
                throw EngineError.shapeMismatch("image \(index) has \(img.channels) channels, expected \(channels)")
            }
            var x = TensorTransforms.toTensor(img)
            TensorTransforms.localContrastNormalize(&x, scale: .l1)
            let r = TensorTransforms.channelRange(x)
            for c in 0..<channels { lo[c] = min(lo[c], r.min[c]); hi[c] = max(hi[c], r.max[c]) }
        }
        return (lo.map(Double.init), hi.map(Double.init))
    }

    /// The constants a generic pipeline with `preprocessing` needs: mean and std always, and the LCN
    /// range for lcn/lcnaug1 (how the original's tables were made from the training images).
    public static func constants(for preprocessing: PreprocessingKind, count: Int, channels: Int,
                                 image: (Int) throws -> RawImage) throws -> ChannelConstants {
        let ms = try meanAndStd(count: count, channels: channels, image: image)
        let constantChannels = ms.std.indices.filter { !(ms.std[$0] >= 1e-6) }
        guard constantChannels.isEmpty else {
            let c = constantChannels[0]
            throw EngineError.invalidArgument("the training images do not vary: every pixel of \(channels == 1 ? "every image" : "channel \(c) of every image") has the value \(Int((ms.mean[c] * 255).rounded())). FCDD normalises images with statistics of the training images and learns what normal structure looks like, so it needs images that differ from pixel to pixel")
        }
        guard preprocessing == .lcn || preprocessing == .lcnaug1 else { return ChannelConstants(mean: ms.mean, std: ms.std) }
        let r = try lcnRange(count: count, channels: channels, image: image)
        guard zip(r.min, r.max).allSatisfy({ $1 - $0 >= 1e-6 }) else {
            throw EngineError.invalidArgument("every training image is flat (each image is one constant value, e.g. 1 x 1 pixel images): local contrast normalisation (preprocessing '\(preprocessing.rawValue)') removes each image's own brightness and leaves nothing; use images with structure, or preprocessing 'aug1'")
        }
        return ChannelConstants(mean: ms.mean, std: ms.std, lcnMin: r.min, lcnMax: r.max)
    }

    /// Convenience for images in memory.
    public static func meanAndStd(_ images: [RawImage], resize: ResizeTarget? = nil) throws -> (mean: [Double], std: [Double]) {
        guard let first = images.first else { throw EngineError.invalidArgument("statistics need at least one image") }
        return try meanAndStd(count: images.count, channels: first.channels, resize: resize) { images[$0] }
    }

    /// Convenience for images in memory.
    public static func lcnRange(_ images: [RawImage]) throws -> (min: [Double], max: [Double]) {
        guard let first = images.first else { throw EngineError.invalidArgument("statistics need at least one image") }
        return try lcnRange(count: images.count, channels: first.channels) { images[$0] }
    }
}
