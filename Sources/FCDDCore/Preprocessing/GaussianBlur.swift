// kornia's `gaussian_blur2d(x, (k, k), (sigma, sigma))` with its default reflect border, as the
// original smooths confetti noise (reference 6.5: k = 25, sigma = 5): the sum-normalised 1-D kernel
// exp(-(i - k//2)^2 / (2 sigma^2)) applied separably over rows and columns. Border pixels use
// torch's "reflect" padding (mirror without repeating the edge pixel).
// Sums run in double and the result is rounded to float32, kornia's output type, so that flat
// regions of an integer image come out exactly as integers before the caller truncates them.

#if canImport(Glibc)
import Glibc
#endif

/// A separable Gaussian blur with reflect padding.
public struct GaussianBlur {
    /// The normalised 1-D kernel (length `size`).
    public let kernel: [Double]

    /// kornia `get_gaussian_kernel1d(size, sigma)` for an odd size (the original's `smooth_noise`
    /// makes even sizes odd before calling kornia).
    public init(size: Int, sigma: Double) throws {
        guard size >= 1, size % 2 == 1, sigma > 0, sigma.isFinite else {
            throw EngineError.invalidArgument("Gaussian blur: size must be odd and positive, sigma > 0")
        }
        var k = (0..<size).map { i -> Double in
            let x = Double(i - size / 2)
            return exp(-(x * x) / (2 * sigma * sigma))
        }
        let total = k.reduce(0, +)
        k = k.map { $0 / total }
        kernel = k
    }

    /// Index of a reflect-padded coordinate (`-1 -> 1`, `n -> n - 2`), folded until it is inside.
    @inline(__always) static func reflect(_ i: Int, _ n: Int) -> Int {
        if n == 1 { return 0 }
        var j = i
        while j < 0 || j >= n { j = j < 0 ? -j : 2 * (n - 1) - j }
        return j
    }

    /// Blurs each `height x width` plane of `values` (planes back to back) in place.
    public func apply(_ values: inout [Float], planes: Int, height: Int, width: Int) {
        precondition(values.count == planes * height * width)
        let radius = kernel.count / 2, taps = kernel.count
        var rowBuf = [Double](repeating: 0, count: height * width)
        var rowUsed = [Bool](repeating: false, count: height)
        var padded = [Double](repeating: 0, count: width + 2 * radius)
        var acc = [Double](repeating: 0, count: width)
        // Source column of every padded position (reflect padding).
        let padIndex = (0..<(width + 2 * radius)).map { GaussianBlur.reflect($0 - radius, width) }
        kernel.withUnsafeBufferPointer { k in
            values.withUnsafeMutableBufferPointer { v in
                for p in 0..<planes {
                    let base = p * height * width
                    // Only rows with a non-zero value and columns within `radius` of the non-zero
                    // columns can become non-zero (reflection maps stay within that distance).
                    var colLo = width, colHi = -1
                    for y in 0..<height {
                        let r = base + y * width
                        var any = false
                        for x in 0..<width where v[r + x] != 0 {
                            any = true
                            colLo = min(colLo, x); colHi = max(colHi, x)
                        }
                        rowUsed[y] = any
                    }
                    guard colHi >= 0 else { continue }
                    let x0 = max(colLo - radius, 0), x1 = min(colHi + radius, width - 1)
                    // Horizontal pass over a reflect-padded copy of each used row.
                    for y in 0..<height where rowUsed[y] {
                        let r = base + y * width
                        for i in padded.indices { padded[i] = Double(v[r + padIndex[i]]) }
                        for x in x0...x1 {
                            var s = 0.0
                            for t in 0..<taps { s += k[t] * padded[x + t] }
                            rowBuf[y * width + x] = s
                        }
                    }
                    // Vertical pass: row-wise multiply-adds of the used source rows.
                    for y in 0..<height {
                        var any = false
                        for x in x0...x1 { acc[x] = 0 }
                        for t in 0..<taps {
                            let yy = GaussianBlur.reflect(y + t - radius, height)
                            guard rowUsed[yy] else { continue }
                            any = true
                            let kt = k[t], src = yy * width
                            for x in x0...x1 { acc[x] += kt * rowBuf[src + x] }
                        }
                        guard any else { continue }   // stays zero: all source rows are zero
                        let o = base + y * width
                        for x in x0...x1 { v[o + x] = Float(acc[x]) }
                    }
                }
            }
        }
    }
}
