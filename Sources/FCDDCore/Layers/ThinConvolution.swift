// The first convolution of a network sees 1-3 input channels, so im2col + sgemm multiplies with only
// C*K*K = 25-27 inner rows: too thin for OpenBLAS's kernels (about 60% of their speed before the
// unfolding and the bias pass are paid). A direct convolution does better here: every output value
// is 25-27 multiply-adds over a zero-padded copy of the image that stays in the L1 cache, computed
// in registers for 4 output channels x 24 pixels at a time and written once, bias included.
//
// It pays off only with fused multiply-adds in 8-wide vectors, so it is chosen when the engine is
// built for a CPU with AVX2 and FMA (Package.swift defines FCDD_FMA then); elsewhere the layers keep
// im2col + sgemm. The weight gradient stays im2col + sgemm either way (ColumnBands pads its thin
// columns); a direct version of it measured slower than that.

struct ThinConvolution {
    let geometry: WindowGeometry
    let outChannels: Int

    #if FCDD_FMA
    /// Whether thin convolutions run here (switchable so that tests can compare both paths).
    nonisolated(unsafe) static var enabled = true
    #else
    nonisolated(unsafe) static var enabled = false
    #endif

    /// Stride-1 convolutions whose columns would have fewer than 32 rows.
    static func applies(_ g: WindowGeometry) -> Bool {
        enabled && g.stride == 1 && !g.isPointwise && g.colRows < ColumnBands.thinRows
    }

    /// Scratch floats for the zero-padded image.
    var scratchCount: Int { paddedImageCount(geometry) }

    /// Zero-pads one image (C, H, W) into `padded` (`scratchCount` floats).
    func pad(_ x: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>) {
        padForUnfolding(x, geometry, padded)
    }

    /// Output rows per band: a band's rows of 4 output channels are written one channel after the
    /// other, so that each channel's plane is written in order. (Row by row, a 32x32 output's 128
    /// planes 4 KiB apart were each written 32 floats at a time and the caches thrashed: half the speed.)
    private var bandRows: Int { max(1, 2048 / geometry.outW) }

    /// y rows `outputRows` (all channels) = W * the padded image + bias; `y` is one image's output.
    func forward(_ padded: UnsafePointer<Float>, _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 _ y: UnsafeMutablePointer<Float>, outputRows: Range<Int>) {
        let g = geometry, taps = g.colRows, plane = g.outH * g.outW
        var first = outputRows.lowerBound
        while first < outputRows.upperBound {
            let band = first..<min(outputRows.upperBound, first + bandRows)
            var oc = 0
            while oc < outChannels {
                let block = min(4, outChannels - oc)
                let wo = w + oc * taps, bo = bias.map { $0 + oc }
                for oh in band {
                    let yo = y + oc * plane + oh * g.outW
                    var ow = 0
                    while ow < g.outW {
                        let width = Self.blockWidth(remaining: g.outW - ow)
                        // Vector counts as types, so that each gets its own specialised register block.
                        switch (width + 7) / 8 {
                        case 3: channels(Three.self, padded, wo, bo, yo + ow, block: block, oh: oh, ow: ow, width: width)
                        case 2: channels(Two.self, padded, wo, bo, yo + ow, block: block, oh: oh, ow: ow, width: width)
                        default: channels(One.self, padded, wo, bo, yo + ow, block: block, oh: oh, ow: ow, width: width)
                        }
                        ow += width
                    }
                }
                oc += block
            }
            first = band.upperBound
        }
    }

    /// Pixels of the next block: 24 (3 vectors), but never leaving a last block of one vector, whose 4
    /// accumulator chains cannot hide the multiply-add latency (32 = 16 + 16, 224 = 8 x 24 + 16 + 16,
    /// 28 = 16 + 12).
    static func blockWidth(remaining r: Int) -> Int {
        if r <= 24 { return r }
        if r <= 48 { return min(24, (r / 2 + 7) / 8 * 8) }
        return 24
    }

    /// `block` <= 4 output channels x `width` <= 8 x `vectors` pixels of one output row, in up to 12
    /// vector registers. Reads up to 7 floats past the last pixel (into the next padded row or the
    /// padded image's slack); those lanes are not stored.
    @inline(__always)
    private func channels<V: VectorCount>(_: V.Type, _ padded: UnsafePointer<Float>, _ w: UnsafePointer<Float>,
                                          _ bias: UnsafePointer<Float>?, _ y: UnsafeMutablePointer<Float>,
                                          block: Int, oh: Int, ow: Int, width: Int) {
        let vectors = V.value
        let g = geometry, k = g.kernel, taps = g.colRows, plane = g.outH * g.outW
        let ph = g.inH + 2 * g.padding, pw = g.inW + 2 * g.padding
        // Channels past `block` repeat the last one (their results are not stored).
        let w1 = w + min(1, block - 1) * taps, w2 = w + min(2, block - 1) * taps, w3 = w + min(3, block - 1) * taps
        func start(_ j: Int) -> SIMD8<Float> { SIMD8(repeating: bias?[min(j, block - 1)] ?? 0) }
        var a0 = start(0), a1 = a0, a2 = a0
        var b0 = start(1), b1 = b0, b2 = b0
        var c0 = start(2), c1 = c0, c2 = c0
        var d0 = start(3), d1 = d0, d2 = d0
        var t = 0
        for c in 0..<g.channels {
            for kh in 0..<k {
                let row = UnsafeRawPointer(padded + (c * ph + oh + kh) * pw + ow)
                for kw in 0..<k {
                    // Three pixel vectors, then one broadcast weight at a time: 12 accumulators + 4
                    // registers, which AVX2's 16 hold without spilling.
                    let x0 = row.loadUnaligned(fromByteOffset: 4 * kw, as: SIMD8<Float>.self)
                    let x1 = vectors > 1 ? row.loadUnaligned(fromByteOffset: 4 * (kw + 8), as: SIMD8<Float>.self) : x0
                    let x2 = vectors > 2 ? row.loadUnaligned(fromByteOffset: 4 * (kw + 16), as: SIMD8<Float>.self) : x0
                    accumulate(&a0, &a1, &a2, x0, x1, x2, w[t], vectors: vectors)
                    accumulate(&b0, &b1, &b2, x0, x1, x2, w1[t], vectors: vectors)
                    accumulate(&c0, &c1, &c2, x0, x1, x2, w2[t], vectors: vectors)
                    accumulate(&d0, &d1, &d2, x0, x1, x2, w3[t], vectors: vectors)
                    t += 1
                }
            }
        }
        store(a0, a1, a2, y, width: width)
        if block > 1 { store(b0, b1, b2, y + plane, width: width) }
        if block > 2 { store(c0, c1, c2, y + 2 * plane, width: width) }
        if block > 3 { store(d0, d1, d2, y + 3 * plane, width: width) }
    }

    /// One output channel's accumulators += its broadcast weight times the pixel vectors.
    @inline(__always)
    private func accumulate(_ a0: inout SIMD8<Float>, _ a1: inout SIMD8<Float>, _ a2: inout SIMD8<Float>,
                            _ x0: SIMD8<Float>, _ x1: SIMD8<Float>, _ x2: SIMD8<Float>, _ weight: Float, vectors: Int) {
        let w = SIMD8<Float>(repeating: weight)
        a0 = multiplyAdd(a0, x0, w)
        if vectors > 1 { a1 = multiplyAdd(a1, x1, w) }
        if vectors > 2 { a2 = multiplyAdd(a2, x2, w) }
    }

    /// The first `width` lanes of v0, v1, v2 to y.
    @inline(__always)
    private func store(_ v0: SIMD8<Float>, _ v1: SIMD8<Float>, _ v2: SIMD8<Float>, _ y: UnsafeMutablePointer<Float>,
                       width: Int) {
        store(v0, y, lanes: width)
        if width > 8 { store(v1, y + 8, lanes: width - 8) }
        if width > 16 { store(v2, y + 16, lanes: width - 16) }
    }

    @inline(__always)
    private func store(_ v: SIMD8<Float>, _ y: UnsafeMutablePointer<Float>, lanes: Int) {
        if lanes >= 8 {
            UnsafeMutableRawPointer(y).storeBytes(of: v, as: SIMD8<Float>.self)
        } else {
            for p in 0..<lanes { y[p] = v[p] }
        }
    }
}

/// A count of 8-lane vectors as a type: generic kernels specialised for each count
/// compile to straight-line register code (a plain argument, even a constant one, did not).
protocol VectorCount { static var value: Int { get } }
enum One: VectorCount { static var value: Int { 1 } }
enum Two: VectorCount { static var value: Int { 2 } }
enum Three: VectorCount { static var value: Int { 3 } }

/// acc + x * w, fused into one instruction where the build targets FMA.
@inline(__always)
func multiplyAdd(_ acc: SIMD8<Float>, _ x: SIMD8<Float>, _ w: SIMD8<Float>) -> SIMD8<Float> {
    #if FCDD_FMA
    return acc.addingProduct(x, w)
    #else
    return acc + x * w
    #endif
}
