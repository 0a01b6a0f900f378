// im2col / col2im for one image: the (C, H, W) image is unfolded into a (C*KH*KW, OH*OW) matrix whose
// row (c*KH + kh)*KW + kw holds, for every output position, the input pixel under kernel tap (kh, kw).
// Convolution then is one matrix product with the (OC, C*KH*KW) weight matrix.

/// Spatial geometry of a square-kernel convolution or pooling window over one image.
public struct WindowGeometry: Equatable {
    public var channels: Int
    public var inH: Int, inW: Int
    public var kernel: Int, stride: Int, padding: Int
    public var outH: Int, outW: Int

    /// Geometry with PyTorch's output size `floor((in + 2p - k) / s) + 1`.
    public init(channels: Int, inH: Int, inW: Int, kernel: Int, stride: Int, padding: Int) {
        self.channels = channels
        self.inH = inH; self.inW = inW
        self.kernel = kernel; self.stride = stride; self.padding = padding
        self.outH = (inH + 2 * padding - kernel) / stride + 1
        self.outW = (inW + 2 * padding - kernel) / stride + 1
    }

    /// Geometry with an explicitly given output size (transposed convolutions with output padding).
    public init(channels: Int, inH: Int, inW: Int, kernel: Int, stride: Int, padding: Int, outH: Int, outW: Int) {
        self.channels = channels
        self.inH = inH; self.inW = inW
        self.kernel = kernel; self.stride = stride; self.padding = padding
        self.outH = outH; self.outW = outW
    }

    public var colRows: Int { channels * kernel * kernel }
    public var colCols: Int { outH * outW }
    public var inPlane: Int { inH * inW }
    public var isPointwise: Bool { kernel == 1 && stride == 1 && padding == 0 && outH == inH && outW == inW }
}

/// Unfolds one image `x` (C, H, W) into `col` (C*K*K, OH*OW); taps outside the image read zero.
public func im2col(_ x: UnsafePointer<Float>, _ g: WindowGeometry, _ col: UnsafeMutablePointer<Float>) {
    let k = g.kernel, s = g.stride, p = g.padding
    let ohw = g.outH * g.outW
    for c in 0..<g.channels {
        let plane = x + c * g.inPlane
        for kh in 0..<k {
            for kw in 0..<k {
                let row = col + ((c * k + kh) * k + kw) * ohw
                for oh in 0..<g.outH {
                    let ih = oh * s - p + kh
                    let dst = row + oh * g.outW
                    if ih < 0 || ih >= g.inH {
                        for ow in 0..<g.outW { dst[ow] = 0 }
                        continue
                    }
                    let src = plane + ih * g.inW
                    if s == 1 {
                        // Contiguous run: only the borders can fall outside the row.
                        // Rows are short (7 to 224 values): an inline loop beats a memmove call.
                        let lo = min(max(0, p - kw), g.outW), hi = max(min(g.outW, g.inW + p - kw), lo)
                        let shifted = src + (kw - p)
                        for ow in 0..<lo { dst[ow] = 0 }
                        for ow in lo..<hi { dst[ow] = shifted[ow] }
                        for ow in hi..<g.outW { dst[ow] = 0 }
                    } else {
                        for ow in 0..<g.outW {
                            let iw = ow * s - p + kw
                            dst[ow] = (iw >= 0 && iw < g.inW) ? src[iw] : 0
                        }
                    }
                }
            }
        }
    }
}

/// Folds `col` (C*K*K, OH*OW) back onto the image `x` (C, H, W), adding overlapping taps. `x` is
/// accumulated into, so clear it first when a fresh result is wanted.
public func col2im(_ col: UnsafePointer<Float>, _ g: WindowGeometry, _ x: UnsafeMutablePointer<Float>) {
    let k = g.kernel, s = g.stride, p = g.padding
    let ohw = g.outH * g.outW
    for c in 0..<g.channels {
        let plane = x + c * g.inPlane
        for kh in 0..<k {
            for kw in 0..<k {
                let row = col + ((c * k + kh) * k + kw) * ohw
                for oh in 0..<g.outH {
                    let ih = oh * s - p + kh
                    if ih < 0 || ih >= g.inH { continue }
                    let src = row + oh * g.outW
                    let dst = plane + ih * g.inW
                    if s == 1 {
                        // Only the borders can fall outside the row; the rest is one vectorisable run.
                        let lo = min(max(0, p - kw), g.outW), hi = max(min(g.outW, g.inW + p - kw), lo)
                        let shifted = dst + (kw - p)
                        for ow in lo..<hi { shifted[ow] += src[ow] }
                        continue
                    }
                    for ow in 0..<g.outW {
                        let iw = ow * s - p + kw
                        if iw >= 0 && iw < g.inW { dst[iw] += src[ow] }
                    }
                }
            }
        }
    }
}

/// Extra floats that `im2colStride1` may write past the end of `col`, and read past the padded image.
public let im2colSlack = 8

/// Floats of scratch that `im2colStride1` needs for the zero-padded copy of one image.
public func paddedImageCount(_ g: WindowGeometry) -> Int {
    g.channels * (g.inH + 2 * g.padding) * (g.inW + 2 * g.padding) + im2colSlack
}

/// `im2col` for stride 1, the common case, through a zero-padded copy of the image in `padded`
/// (`paddedImageCount` floats): every row of `col` is then a plain shifted copy without bounds checks,
/// done in SIMD8 steps that may run up to `im2colSlack` floats past a row (the next row overwrites
/// them) and past the end of `col` (which therefore needs `im2colSlack` spare floats).
public func im2colStride1(_ x: UnsafePointer<Float>, _ g: WindowGeometry, _ col: UnsafeMutablePointer<Float>,
                   padded: UnsafeMutablePointer<Float>) {
    padForUnfolding(x, g, padded)
    unfoldPadded(padded, g, col, outputRows: 0..<g.outH)
}

/// The zero-padded copy of `x` that `unfoldPadded` reads (`paddedImageCount` floats).
public func padForUnfolding(_ x: UnsafePointer<Float>, _ g: WindowGeometry, _ padded: UnsafeMutablePointer<Float>) {
    precondition(g.stride == 1)
    let p = g.padding, ph = g.inH + 2 * p, pw = g.inW + 2 * p
    padded.initialize(repeating: 0, count: paddedImageCount(g))
    for c in 0..<g.channels {
        for ih in 0..<g.inH {
            let src = x + (c * g.inH + ih) * g.inW, dst = padded + (c * ph + ih + p) * pw + p
            for iw in 0..<g.inW { dst[iw] = src[iw] }
        }
    }
}

/// The columns of output rows `outputRows` only, as a (C*K*K, rows x OW) matrix: a band of the full
/// one, so that a large image can be unfolded and multiplied piece by piece while its columns stay in
/// the cache.
public func unfoldPadded(_ padded: UnsafePointer<Float>, _ g: WindowGeometry, _ col: UnsafeMutablePointer<Float>,
                  outputRows: Range<Int>) {
    let k = g.kernel, p = g.padding
    let ph = g.inH + 2 * p, pw = g.inW + 2 * p
    let ow = g.outW, rowLength = outputRows.count * ow
    for c in 0..<g.channels {
        for kh in 0..<k {
            for kw in 0..<k {
                let row = col + ((c * k + kh) * k + kw) * rowLength
                let base = padded + (c * ph + kh) * pw + kw
                for (r, oh) in outputRows.enumerated() {
                    let src = UnsafeRawPointer(base + oh * pw), dst = UnsafeMutableRawPointer(row + r * ow)
                    var q = 0
                    while q < ow {
                        dst.storeBytes(of: src.loadUnaligned(fromByteOffset: q * 4, as: SIMD8<Float>.self),
                                       toByteOffset: q * 4, as: SIMD8<Float>.self)
                        q += 8
                    }
                }
            }
        }
    }
}
