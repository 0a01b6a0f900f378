// One row of picture tiles, as the original's `_image_processing` (training/bases.py) makes it (reference
// 8.4/8.5). Order: [upsample and blur are the caller's job] -> nearest downsample to `maxResolution` only
// if larger -> normalise -> colourise (channel mean, jet) or repeat gray to RGB.

/// How a row of tiles is normalised before it is drawn.
public enum TileNormalisation {
    /// Values are drawn as they are (ground-truth maps).
    case none
    /// Every tile against itself with quantile q (q = 1: min-max, used for input images).
    case local(quantile: Double)
    /// All tiles against `reference` with quantile q (8.5: the raw, label-balanced score maps).
    case global(quantile: Double, reference: Tensor)
}

enum TileProcessing {
    /// `images`: N x C x H x W at input resolution. Returns N x 3 x h x w tiles with h, w <= maxResolution.
    static func process(_ images: Tensor, maxResolution: Int, normalisation: TileNormalisation,
                        colorize: Bool) throws -> Tensor {
        guard images.rank == 4 else { throw EngineError.shapeMismatch("picture tiles: expected N x C x H x W, got \(images.shape)") }
        var t = images
        let (h, w) = (t.shape[2], t.shape[3])
        if maxResolution < max(h, w) {
            guard h == w else {
                throw EngineError.shapeMismatch("picture tiles: \(h) x \(w) images are not square and exceed the resolution limit \(maxResolution)")
            }
            t = NearestResize.tensor(t, height: maxResolution, width: maxResolution)
        }
        switch normalisation {
        case .none: break
        case .local(let q): t = try QuantileNormalisation.local(t, quantile: q)
        case .global(let q, let reference): t = try QuantileNormalisation.global(t, quantile: q, reference: reference)
        }
        return colorize ? jet(channelMean(t)) : repeatedToRGB(t)
    }

    /// Mean over the channel dimension (N x 1 x H x W), float32 like torch.
    static func channelMean(_ t: Tensor) -> Tensor {
        let (n, c, h, w) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
        if c == 1 { return t }
        var out = Tensor(zeros: [n, 1, h, w])
        let plane = h * w
        for i in 0..<n {
            for p in 0..<plane {
                var s: Float = 0
                for ch in 0..<c { s += t.data[(i * c + ch) * plane + p] }
                out.data[i * plane + p] = s / Float(c)
            }
        }
        return out
    }

    /// N x 1 x H x W values in [0, 1] -> N x 3 x H x W jet colours.
    static func jet(_ t: Tensor) -> Tensor {
        let (n, h, w) = (t.shape[0], t.shape[2], t.shape[3])
        let plane = h * w
        var out = Tensor(zeros: [n, 3, h, w])
        for i in 0..<n {
            for p in 0..<plane {
                let (r, g, b) = JetColormap.color(t.data[i * plane + p])
                out.data[(i * 3) * plane + p] = r
                out.data[(i * 3 + 1) * plane + p] = g
                out.data[(i * 3 + 2) * plane + p] = b
            }
        }
        return out
    }

    /// Gray tiles repeated to three channels (`imgs.repeat(1, 3, 1, 1)`); RGB unchanged.
    static func repeatedToRGB(_ t: Tensor) -> Tensor {
        let (n, c, h, w) = (t.shape[0], t.shape[1], t.shape[2], t.shape[3])
        guard c == 1 else { return t }
        let plane = h * w
        var data = [Float]()
        data.reserveCapacity(n * 3 * plane)
        for i in 0..<n {
            let p = t.data[(i * plane)..<((i + 1) * plane)]
            data += p; data += p; data += p
        }
        return Tensor(shape: [n, 3, h, w], data: data)
    }

    /// Batch items at `indices`, in that order (`imgs[idx]`).
    static func select(_ t: Tensor, _ indices: [Int]) -> Tensor {
        let per = t.itemCount
        var s = t.shape
        s[0] = indices.count
        var data = [Float]()
        data.reserveCapacity(indices.count * per)
        for i in indices { data += t.data[(i * per)..<((i + 1) * per)] }
        return Tensor(shape: s, data: data)
    }
}
