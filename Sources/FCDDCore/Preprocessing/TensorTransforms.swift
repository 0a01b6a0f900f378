// The float steps of the item pipelines (reference 7.2-7.8), on one image tensor of shape (C, H, W).
// They mirror torchvision / the original's lambdas in float32: `ToTensor`, additive Gaussian noise,
// local contrast normalisation, `Normalize`, the min-max step after LCN (a `Normalize(min, max - min)`),
// `BlackCenter`, and MVTec's "std-scaled noise + clamp".

/// LCN scale (preprocessing.py `local_contrast_normalization`).
public enum LCNScale: String {
    /// Divide by the mean absolute value of the centred tensor (the one the datasets use).
    case l1
    /// Divide by `sqrt(sum x^2) / numel` (unused by the original's pipelines).
    case l2
}

/// Float transforms on a single image tensor `(C, H, W)`.
public enum TensorTransforms {
    /// torchvision `ToTensor`: uint8 / 255 as float32, shape (C, H, W).
    public static func toTensor(_ image: RawImage) -> Tensor {
        var data = [Float](repeating: 0, count: image.pixels.count)
        image.pixels.withUnsafeBufferPointer { src in
            data.withUnsafeMutableBufferPointer { dst in
                for i in src.indices { dst[i] = Float(src[i]) / 255 }
            }
        }
        return Tensor(shape: [image.channels, image.height, image.width], data: data)
    }

    /// A one-channel {0, 1} map from a 0/255 ground-truth image (`ToTensor` of the mask; every non-zero
    /// value counts as anomalous, as the original's masks only hold 0 and 255). Keeps the first channel.
    public static func groundTruthTensor(_ map: RawImage) -> Tensor {
        let plane = map.planeSize
        var data = [Float](repeating: 0, count: plane)
        for i in 0..<plane where map.pixels[i] != 0 { data[i] = Float(map.pixels[i]) / 255 }
        return Tensor(shape: [1, map.height, map.width], data: data)
    }

    /// `x + scale * N(0, 1)` per element.
    public static func addGaussianNoise(_ x: inout Tensor, scale: Float, _ rng: inout RandomSource) {
        x.data.withUnsafeMutableBufferPointer { p in rng.addNormalNoise(to: p, scale: scale) }
    }

    /// Per-sample LCN over all elements jointly: subtract the mean, divide by the l1 (mean absolute
    /// value) or l2 (`sqrt(sum x^2) / numel`) scale unless it is 0. Sums run in double.
    public static func localContrastNormalize(_ x: inout Tensor, scale: LCNScale = .l1) {
        let n = x.count
        guard n > 0 else { return }
        x.data.withUnsafeMutableBufferPointer { p in
            var sum = 0.0
            for v in p { sum += Double(v) }
            let mean = Float(sum / Double(n))
            for i in p.indices { p[i] -= mean }
            var s = 0.0
            switch scale {
            case .l1:
                for v in p { s += Double(abs(v)) }
                s /= Double(n)
            case .l2:
                for v in p { s += Double(v) * Double(v) }
                s = s.squareRoot() / Double(n)
            }
            let divisor = Float(s)
            if divisor != 0 { for i in p.indices { p[i] /= divisor } }
        }
    }

    /// torchvision `Normalize(mean, std)`: `(x - mean_c) / std_c` per channel (values as float32).
    public static func normalize(_ x: inout Tensor, mean: [Double], std: [Double]) throws {
        let c = x.shape[0]
        guard mean.count == c, std.count == c else {
            throw EngineError.shapeMismatch("normalize: \(mean.count) means / \(std.count) stds for \(c) channels")
        }
        guard std.allSatisfy({ $0 != 0 && $0.isFinite }), mean.allSatisfy({ $0.isFinite }) else {
            throw EngineError.invalidArgument("normalize: std must be finite and non-zero, mean finite")
        }
        let plane = x.count / c
        x.data.withUnsafeMutableBufferPointer { p in
            for ch in 0..<c {
                let m = Float(mean[ch]), s = Float(std[ch])
                for i in (ch * plane)..<((ch + 1) * plane) { p[i] = (p[i] - m) / s }
            }
        }
    }

    /// The min-max step after LCN: `Normalize(min, max - min)` with the range computed in double
    /// first, as the original builds it in Python.
    public static func minMaxNormalize(_ x: inout Tensor, min lo: [Double], max hi: [Double]) throws {
        guard lo.count == hi.count else {
            throw EngineError.shapeMismatch("min-max: \(lo.count) minima but \(hi.count) maxima")
        }
        try normalize(&x, mean: lo, std: zip(hi, lo).map { $0 - $1 })
    }

    /// The original's `BlackCenter(percentage, inverse)`: with `oh = int((1 - p) * H * 0.5)` (and `ow`
    /// likewise) zero rows/cols `[oh, H - oh) x [ow, W - ow)`, or, inverted, everything outside.
    /// Python slicing is kept for tiny images: `oh == 0` makes the centre slice `[0:-0]` empty (nothing
    /// zeroed) and the inverted slice `[-0:]` the whole image (everything zeroed).
    public static func blackenCenter(_ x: inout Tensor, percentage: Double = 0.6, inverted: Bool = false) {
        let c = x.shape[0], h = x.shape[1], w = x.shape[2]
        let oh = Int((1 - percentage) * Double(h) * 0.5), ow = Int((1 - percentage) * Double(w) * 0.5)
        func zeroed(_ y: Int, _ xx: Int) -> Bool {
            if inverted {
                let edgeRow = oh == 0 || y < oh || y >= h - oh
                let edgeCol = ow == 0 || xx < ow || xx >= w - ow
                return edgeRow || edgeCol
            }
            return oh > 0 && ow > 0 && y >= oh && y < h - oh && xx >= ow && xx < w - ow
        }
        x.data.withUnsafeMutableBufferPointer { p in
            for y in 0..<h {
                for xx in 0..<w where zeroed(y, xx) {
                    for ch in 0..<c { p[(ch * h + y) * w + xx] = 0 }
                }
            }
        }
    }

    /// MVTec `lcnaug1`/`aug1`: with a fair coin add `N(0, 1) * std(x) * 0.1` (unbiased std of the whole
    /// tensor), then clamp to [0, 1] in either case.
    public static func addScaledNoiseAndClamp(_ x: inout Tensor, _ rng: inout RandomSource) {
        if rng.integer(below: 2) == 1 {
            let s = Float(standardDeviation(x.data)) * 0.1
            addGaussianNoise(&x, scale: s, &rng)
        }
        x.data.withUnsafeMutableBufferPointer { p in
            for i in p.indices { p[i] = min(max(p[i], 0), 1) }
        }
    }

    /// Unbiased standard deviation (torch `Tensor.std()`), two-pass in double.
    static func standardDeviation(_ v: [Float]) -> Double {
        guard v.count > 1 else { return .nan }
        var sum = 0.0
        for x in v { sum += Double(x) }
        let mean = sum / Double(v.count)
        var ss = 0.0
        for x in v { let d = Double(x) - mean; ss += d * d }
        return (ss / Double(v.count - 1)).squareRoot()
    }

    /// Per-channel minimum and maximum of a `(C, H, W)` tensor.
    static func channelRange(_ x: Tensor) -> (min: [Float], max: [Float]) {
        let c = x.shape[0], plane = x.count / c
        var lo = [Float](repeating: .infinity, count: c), hi = [Float](repeating: -.infinity, count: c)
        for ch in 0..<c {
            for i in (ch * plane)..<((ch + 1) * plane) {
                lo[ch] = min(lo[ch], x.data[i]); hi[ch] = max(hi[ch], x.data[i])
            }
        }
        return (lo, hi)
    }
}
