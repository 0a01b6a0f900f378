// Resizing of 8-bit planar images exactly as the original's libraries do it (reference 7.4, 7.8):
//  * PyTorch `F.interpolate(mode="nearest")`: src = floor(dst * (in / out)) with a float32 scale
//    (aten/src/ATen/native/UpSample.h, `nearest_idx`), used for the MVTec 240x240 cache;
//  * PIL `Image.resize(NEAREST)`: src = floor((dst + 0.5) * in / out) (libImaging/Geometry.c,
//    `ImagingScaleAffine`, which accumulates the column coordinate and computes rows directly);
//  * PIL `Image.resize(BILINEAR)`: the antialiased, separable convolution of libImaging/Resample.c
//    (support scaled by the downscale factor, 22-bit fixed-point weights, a horizontal pass rounded to
//    uint8, then a vertical pass), which torchvision's `Resize` calls for PIL images.
#if canImport(Glibc)
import Glibc
#endif

/// The size argument of torchvision's `Resize`.
public enum ResizeTarget: Equatable {
    /// `Resize(int)`: the shorter side becomes `side`, the longer `int(side * long / short)`.
    case shorterSide(Int)
    /// `Resize((h, w))`: exactly this size, aspect ratio ignored.
    case exact(height: Int, width: Int)

    /// Output (height, width) for an input of `height x width` (torchvision 0.10 `functional_pil.resize`).
    public func outputSize(height: Int, width: Int) -> (height: Int, width: Int) {
        switch self {
        case .exact(let h, let w):
            return (h, w)
        case .shorterSide(let side):
            let short = min(height, width), long = max(height, width)
            if short == side { return (height, width) }
            // Python: int(size * long / short) with true (float) division, then truncation.
            let newLong = Int(Double(side * long) / Double(short))
            return width <= height ? (newLong, side) : (side, newLong)
        }
    }

    func validate() throws {
        switch self {
        case .exact(let h, let w):
            guard h >= 1, w >= 1 else { throw EngineError.invalidArgument("resize: size \(h) x \(w) must be positive") }
        case .shorterSide(let s):
            guard s >= 1 else { throw EngineError.invalidArgument("resize: side \(s) must be positive") }
        }
    }
}

/// Interpolation of a resize.
public enum ResizeInterpolation: String {
    /// PIL antialiased bilinear (torchvision's default).
    case bilinearPIL
    /// PIL nearest: src = floor((dst + 0.5) * in / out).
    case nearestPIL
    /// PyTorch nearest: src = floor(dst * in / out).
    case nearestTorch
}

extension RawImage {
    /// The image resized like torchvision's `Resize(target, interpolation)` on a PIL image.
    public func resized(to target: ResizeTarget, interpolation: ResizeInterpolation = .bilinearPIL) throws -> RawImage {
        try target.validate()
        let (h, w) = target.outputSize(height: height, width: width)
        guard h >= 1, w >= 1 else {
            throw EngineError.invalidArgument("resize: \(height) x \(width) to \(target) gives an empty image")
        }
        switch interpolation {
        case .bilinearPIL: return resizedBilinearPIL(height: h, width: w)
        case .nearestPIL: return resizedNearestPIL(height: h, width: w)
        case .nearestTorch: return resizedNearestTorch(height: h, width: w)
        }
    }

    /// PyTorch nearest: `src = min(floor(dst * scale), in - 1)` with `scale = Float(in) / Float(out)`.
    public func resizedNearestTorch(height outH: Int, width outW: Int) -> RawImage {
        precondition(outH >= 1 && outW >= 1)
        return gathered(rows: torchNearestSourceIndices(input: height, output: outH),
                        cols: torchNearestSourceIndices(input: width, output: outW))
    }

    /// PIL nearest (`ImagingScaleAffine`): column coordinates accumulate `in/out` from `0.5 * in/out`,
    /// row coordinates are `(y + 0.5) * in/out`; both truncate.
    public func resizedNearestPIL(height outH: Int, width outW: Int) -> RawImage {
        precondition(outH >= 1 && outW >= 1)
        if outH == height && outW == width { return self }
        let ax = Double(width) / Double(outW), ay = Double(height) / Double(outH)
        var cols = [Int](repeating: 0, count: outW)
        var xo = ax * 0.5
        for x in 0..<outW {
            cols[x] = min(Int(xo), width - 1)
            xo += ax
        }
        let rows = (0..<outH).map { min(Int((Double($0) + 0.5) * ay), height - 1) }
        return gathered(rows: rows, cols: cols)
    }

    /// Picks `pixels[c, rows[y], cols[x]]` for every output pixel.
    func gathered(rows: [Int], cols: [Int]) -> RawImage {
        let outH = rows.count, outW = cols.count
        var out = RawImage(channels: channels, height: outH, width: outW, value: 0)
        let inPlane = planeSize, outPlane = outH * outW, w = width
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                for c in 0..<channels {
                    for y in 0..<outH {
                        let srcRow = c * inPlane + rows[y] * w, dstRow = c * outPlane + y * outW
                        for x in 0..<outW { dst[dstRow + x] = src[srcRow + cols[x]] }
                    }
                }
            }
        }
        return out
    }

    /// PIL's antialiased bilinear resize (`ImagingResample` with the triangle filter, support 1).
    public func resizedBilinearPIL(height outH: Int, width outW: Int) -> RawImage {
        precondition(outH >= 1 && outW >= 1)
        var image = self
        // Resample.c: the horizontal pass runs first, only when the width changes; its result is uint8.
        if outW != width {
            let coeffs = PILResampleCoefficients(inSize: width, outSize: outW)
            image = image.resampledHorizontally(coeffs)
        }
        if outH != height {
            let coeffs = PILResampleCoefficients(inSize: height, outSize: outH)
            image = image.resampledVertically(coeffs)
        }
        return image
    }

    private func resampledHorizontally(_ k: PILResampleCoefficients) -> RawImage {
        let outW = k.outSize
        var out = RawImage(channels: channels, height: height, width: outW, value: 0)
        let inW = width
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                k.weights.withUnsafeBufferPointer { wts in
                    for row in 0..<(channels * height) {
                        let s = row * inW, d = row * outW
                        for x in 0..<outW {
                            let first = k.starts[x], n = k.counts[x], wBase = x * k.stride
                            var acc: Int32 = 1 << (PILResampleCoefficients.precisionBits - 1)
                            for t in 0..<n { acc &+= Int32(src[s + first + t]) &* wts[wBase + t] }
                            dst[d + x] = PILResampleCoefficients.clip8(acc)
                        }
                    }
                }
            }
        }
        return out
    }

    private func resampledVertically(_ k: PILResampleCoefficients) -> RawImage {
        let outH = k.outSize
        var out = RawImage(channels: channels, height: outH, width: width, value: 0)
        let w = width, inPlane = planeSize, outPlane = outH * w
        pixels.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                k.weights.withUnsafeBufferPointer { wts in
                    var acc = [Int32](repeating: 0, count: w)
                    for c in 0..<channels {
                        for y in 0..<outH {
                            for x in 0..<w { acc[x] = 1 << (PILResampleCoefficients.precisionBits - 1) }
                            let first = k.starts[y], n = k.counts[y], wBase = y * k.stride
                            for t in 0..<n {
                                let wt = wts[wBase + t], s = c * inPlane + (first + t) * w
                                for x in 0..<w { acc[x] &+= Int32(src[s + x]) &* wt }
                            }
                            let d = c * outPlane + y * w
                            for x in 0..<w { dst[d + x] = PILResampleCoefficients.clip8(acc[x]) }
                        }
                    }
                }
            }
        }
        return out
    }
}

/// The per-output-pixel source window and fixed-point weights of Pillow's `precompute_coeffs` +
/// `normalize_coeffs_8bpc` for the bilinear (triangle) filter over the full box `[0, inSize)`.
struct PILResampleCoefficients {
    /// Resample.c: `PRECISION_BITS = 32 - 8 - 2`.
    static let precisionBits: Int32 = 22
    let outSize: Int
    /// First source index and number of taps per output index.
    var starts: [Int], counts: [Int]
    /// `outSize x stride` weights, row-major.
    var weights: [Int32]
    let stride: Int

    init(inSize: Int, outSize: Int) {
        self.outSize = outSize
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1.0)
        let support = 1.0 * filterScale
        stride = Int(ceil(support)) * 2 + 1
        starts = [Int](repeating: 0, count: outSize)
        counts = [Int](repeating: 0, count: outSize)
        weights = [Int32](repeating: 0, count: outSize * stride)
        var k = [Double](repeating: 0, count: stride)
        for xx in 0..<outSize {
            let center = (Double(xx) + 0.5) * scale
            let ss = 1.0 / filterScale
            // C casts `(int)(v + 0.5)` truncate toward zero.
            let xmin = max(Int(center - support + 0.5), 0)
            let xmax = min(Int(center + support + 0.5), inSize) - xmin
            var total = 0.0
            for x in 0..<xmax {
                let t = abs((Double(x + xmin) - center + 0.5) * ss)
                let w = t < 1.0 ? 1.0 - t : 0.0
                k[x] = w
                total += w
            }
            for x in 0..<max(xmax, 0) {
                let v = total != 0 ? k[x] / total : k[x]
                let scaled = v * Double(1 << Self.precisionBits)
                weights[xx * stride + x] = Int32(v < 0 ? scaled - 0.5 : scaled + 0.5)
            }
            starts[xx] = xmin
            counts[xx] = max(xmax, 0)
        }
    }

    /// Resample.c `clip8`: round-down of the 22-bit fixed point value, saturated to 0...255.
    @inline(__always) static func clip8(_ v: Int32) -> UInt8 {
        if v >= (1 << precisionBits) << 8 { return 255 }
        if v <= 0 { return 0 }
        return UInt8(truncatingIfNeeded: v >> precisionBits)
    }
}

/// Source index per output index of PyTorch's `F.interpolate(mode="nearest")` (ATen's `nearest_idx`):
/// identity for equal sizes, otherwise `min(floorf(dst * scale), in - 1)` with `scale = (float)in / out`
/// in single precision (float rounding decides some borders, so Double would not match). Used for the
/// MVTec-AD cache (reference 7.4) and to bring score maps to ground-truth resolution (8.3).
public func torchNearestSourceIndices(input: Int, output: Int) -> [Int] {
    if input == output { return Array(0..<output) }
    let scale = Float(input) / Float(output)
    return (0..<output).map { min(Int((Float($0) * scale).rounded(.down)), input - 1) }
}
