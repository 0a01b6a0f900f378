// Heatmap tile normalisations of reference 8.5 [EXACT] (`__local_norm` / `__global_norm` in the
// original's training/bases.py), on float32 like the original:
// * local(q):  per image x <- clamp((x - min x) / kth(x - min x), 0, 1)
// * global(q): x <- clamp((x - min ref) / kth(ref - min ref), 0, 1)
// where kth is the k-th smallest value (1-based, `torch.kthvalue`) with k = int(q * count). q = 1 gives
// min-max scaling. Division by a zero quantile follows IEEE like torch: x > 0 -> inf -> 1, 0 / 0 -> NaN
// (drawn black by the colormap and written as 0 by OpenCV).

/// Quantile-based normalisation of heatmap tiles.
public enum QuantileNormalisation {
    /// The k-th smallest value (1-based) by selection (Hoare partition, median-of-three pivot): expected
    /// O(n), no full sort. Throws unless 1 <= k <= count.
    public static func kthSmallest(_ values: [Float], k: Int) throws -> Float {
        guard k >= 1, k <= values.count else {
            throw EngineError.invalidArgument("quantile: k = \(k) is outside 1...\(values.count) (quantile too small for the image size?)")
        }
        var a = values
        var lo = 0, hi = a.count - 1
        let target = k - 1
        while lo < hi {
            let mid = lo + (hi - lo) / 2
            // Median of three as pivot keeps sorted and constant inputs linear.
            let pivot = max(min(a[lo], a[mid]), min(max(a[lo], a[mid]), a[hi]))
            var i = lo, j = hi
            while i <= j {
                while a[i] < pivot { i += 1 }
                while a[j] > pivot { j -= 1 }
                if i <= j { a.swapAt(i, j); i += 1; j -= 1 }
            }
            if target <= j { hi = j } else if target >= i { lo = i } else { return a[target] }
        }
        return a[target]
    }

    /// k = int(q * count), the truncation of Python's int().
    static func rank(quantile q: Double, count: Int) throws -> Int {
        guard q > 0, q <= 1 else { throw EngineError.invalidArgument("quantile must be in (0, 1], got \(q)") }
        return Int(q * Double(count))
    }

    /// Local normalisation: every image (all C x H x W values of one batch item) against itself.
    public static func local(_ images: Tensor, quantile q: Double) throws -> Tensor {
        guard images.rank >= 2, images.count > 0 else {
            throw EngineError.shapeMismatch("local normalisation: expected a non-empty N x ... tensor, got \(images.shape)")
        }
        var out = images
        let per = images.itemCount
        let k = try rank(quantile: q, count: per)
        for n in 0..<images.batch {
            let item = Array(images.data[(n * per)..<((n + 1) * per)])
            let low = item.min()!
            let divisor = try kthSmallest(item.map { $0 - low }, k: k)
            for i in 0..<per { out.data[n * per + i] = clamp01((item[i] - low) / divisor) }
        }
        return out
    }

    /// Global normalisation against `reference` (for the original: the raw, label-balanced score maps).
    public static func global(_ images: Tensor, quantile q: Double, reference: Tensor) throws -> Tensor {
        guard reference.count > 0 else { throw EngineError.invalidArgument("global normalisation: empty reference") }
        let low = reference.data.min()!
        let divisor = try kthSmallest(reference.data.map { $0 - low }, k: try rank(quantile: q, count: reference.count))
        var out = images
        for i in 0..<out.count { out.data[i] = clamp01((images.data[i] - low) / divisor) }
        return out
    }

    /// torch.clamp(x, 0, 1): NaN stays NaN.
    @inline(__always) static func clamp01(_ x: Float) -> Float { x.isNaN ? x : min(max(x, 0), 1) }
}
