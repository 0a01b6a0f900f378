// The weight and bias gradients of a thin convolution (ThinConvolution.swift), computed directly:
//   dW[oc, c, kh, kw] = sum over output pixels of dY[oc, oh, ow] * padded x[c, oh + kh, ow + kw]
//   db[oc]            = sum over output pixels of dY[oc, oh, ow]
// in 8-lane accumulators, one per weight, that are summed across their lanes once per worker.
//
// As im2col + sgemm this product has 25-27 output columns, padded to 32 with the bias's row of ones,
// and ran at 50-54% of sgemm after unfolding every image a second time. Here every multiply-add is a
// useful one and nothing is unfolded. A block is 4 output channels x 3 neighbouring kernel columns:
// per 8 pixels it loads the 3 shifted input vectors first, then one channel's dY vector at a time
// (3 + 1 + 12 accumulators = the 16 AVX2 registers) and does 12 multiply-adds for 7 loads.
//
// Blocks of 4 channels go through the image band after band, so that their dY is read in 4 long
// streams, and the bands are large (16384 pixels, 73 rows of 224): every kernel row of every channel
// passes over a band's dY, and with bands of 512 pixels that stay in L1 the per-pass set-up and the
// short streams cost more than L2 reads (VGG_NOPT's first layer, 1 thread: 71 GFLOP/s at 512 pixels,
// 75 at 4096, 84 at 16384; LW3K's 32x32 images 63 at 512, 76 with whole images).

extension ThinConvolution {
    /// Floats of lane accumulators per worker: 8 for every weight, then 8 for every bias value.
    public var gradientAccumulatorCount: Int { 8 * outChannels * (geometry.colRows + 1) }

    /// Output rows per band: 16384 pixels (`gradientBandPixels`) of 4 channels of dY take 256 KiB, which
    /// the L2 cache holds while the C*K kernel rows pass over them.
    private var gradientBandRows: Int { max(1, gradientBandPixels / geometry.outW) }

    /// Adds one image's gradients to the lane accumulators `acc` (`gradientAccumulatorCount` floats,
    /// zeroed before the first image): `padded` is the image after `pad`, `dy` its output gradient
    /// (OC, OH, OW). Without `withBias` the bias lanes are left alone.
    public func accumulateGradient(_ padded: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                            into acc: UnsafeMutablePointer<Float>, withBias: Bool) {
        let g = geometry, k = g.kernel, taps = g.colRows, plane = g.outH * g.outW
        let ph = g.inH + 2 * g.padding, pw = g.inW + 2 * g.padding
        var oc = 0
        while oc < outChannels {
            let block = min(4, outChannels - oc), dyo = dy + oc * plane
            var first = 0
            while first < g.outH {
                let rows = first..<min(g.outH, first + gradientBandRows)
                if withBias {
                    for j in 0..<block { addRowSums(dyo + j * plane, rows, into: acc + 8 * (outChannels * taps + oc + j)) }
                }
                for c in 0..<g.channels {
                    for kh in 0..<k {
                        let x = padded + (c * ph + kh) * pw
                        var kw = 0
                        while kw < k {
                            let group = min(3, k - kw), target = acc + 8 * (oc * taps + (c * k + kh) * k + kw)
                            // Tap counts as types, so that each gets its own straight-line register block.
                            switch group {
                            case 3: gradientBlock(Three.self, x + kw, dyo, target, block: block, rows: rows)
                            case 2: gradientBlock(Two.self, x + kw, dyo, target, block: block, rows: rows)
                            default: gradientBlock(One.self, x + kw, dyo, target, block: block, rows: rows)
                            }
                            kw += group
                        }
                    }
                }
                first = rows.upperBound
            }
            oc += block
        }
    }

    /// Adds the lanes of `acc` across to `dw` (OC, C*K*K) and, when given, `db` (OC).
    public func addAccumulatedGradient(_ acc: UnsafePointer<Float>, to dw: UnsafeMutablePointer<Float>,
                                bias db: UnsafeMutablePointer<Float>?) {
        let weights = outChannels * geometry.colRows
        for i in 0..<weights { dw[i] += SIMD8(loadingFrom: acc + 8 * i).sum() }
        if let db { for oc in 0..<outChannels { db[oc] += SIMD8(loadingFrom: acc + 8 * (weights + oc)).sum() } }
    }

    /// `block` <= 4 output channels x T <= 3 neighbouring taps over the band's rows. `x` points at the
    /// padded row under output row 0 for the first tap, `dy` at the first channel's plane, `acc` at the
    /// first channel's first tap (channels are C*K*K taps apart). Rows whose width is not a multiple of
    /// 8 end with a vector of dY zeroed past the row (the input lanes there belong to the next row or
    /// the padded image's slack).
    @inline(__always)
    private func gradientBlock<T: StaticCount>(_: T.Type, _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>,
                                               _ acc: UnsafeMutablePointer<Float>, block: Int, rows: Range<Int>) {
        let g = geometry, ow = g.outW, pw = g.inW + 2 * g.padding, plane = g.outH * ow, stride = 8 * g.colRows
        // Channels past `block` repeat the last one (their sums are not stored).
        let j1 = min(1, block - 1), j2 = min(2, block - 1), j3 = min(3, block - 1)
        let d1 = dy + j1 * plane, d2 = dy + j2 * plane, d3 = dy + j3 * plane
        let acc1 = acc + j1 * stride, acc2 = acc + j2 * stride, acc3 = acc + j3 * stride
        var a = TapAccumulators(acc, T.self), b = TapAccumulators(acc1, T.self)
        var c = TapAccumulators(acc2, T.self), d = TapAccumulators(acc3, T.self)
        let full = ow / 8 * 8
        for oh in rows {
            let xr = UnsafeRawPointer(x + oh * pw), r = oh * ow
            var p = 0
            while p < full {
                let taps = ShiftedVectors(xr + 4 * p, T.self)
                a.add(taps, SIMD8(loadingFrom: dy + r + p))
                b.add(taps, SIMD8(loadingFrom: d1 + r + p))
                c.add(taps, SIMD8(loadingFrom: d2 + r + p))
                d.add(taps, SIMD8(loadingFrom: d3 + r + p))
                p += 8
            }
        }
        let store = {
            a.store(acc)
            if block > 1 { b.store(acc1) }
            if block > 2 { c.store(acc2) }
            if block > 3 { d.store(acc3) }
        }
        store()
        guard full < ow else { return }
        // The row tails in a second pass from memory: kept in the same registers as the loop above,
        // they made LLVM save and restore 7 of the 12 accumulators around every row.
        a = TapAccumulators(acc, T.self); b = TapAccumulators(acc1, T.self)
        c = TapAccumulators(acc2, T.self); d = TapAccumulators(acc3, T.self)
        let n = ow - full
        for oh in rows {
            let taps = ShiftedVectors(UnsafeRawPointer(x + oh * pw + full), T.self), r = oh * ow + full
            a.add(taps, SIMD8(loadingFrom: dy + r, count: n))
            b.add(taps, SIMD8(loadingFrom: d1 + r, count: n))
            c.add(taps, SIMD8(loadingFrom: d2 + r, count: n))
            d.add(taps, SIMD8(loadingFrom: d3 + r, count: n))
        }
        store()
    }

    /// acc (8 lanes) += the band's rows of one channel's dY.
    private func addRowSums(_ dy: UnsafePointer<Float>, _ rows: Range<Int>, into acc: UnsafeMutablePointer<Float>) {
        let ow = geometry.outW, full = ow / 8 * 8
        var s = SIMD8(loadingFrom: acc)
        for oh in rows {
            let row = dy + oh * ow
            var p = 0
            while p < full { s += SIMD8(loadingFrom: row + p); p += 8 }
            if p < ow { s += SIMD8(loadingFrom: row + p, count: ow - p) }
        }
        s.store(to: acc)
    }
}

/// The input vectors of up to three neighbouring kernel columns: 8 pixels starting 0, 1 and 2 floats on
/// (the ones past T are not loaded).
private struct ShiftedVectors {
    var v0, v1, v2: SIMD8<Float>

    @inline(__always)
    init<T: StaticCount>(_ p: UnsafeRawPointer, _: T.Type) {
        v0 = p.loadUnaligned(as: SIMD8<Float>.self)
        v1 = T.value > 1 ? p.loadUnaligned(fromByteOffset: 4, as: SIMD8<Float>.self) : v0
        v2 = T.value > 2 ? p.loadUnaligned(fromByteOffset: 8, as: SIMD8<Float>.self) : v0
    }
}

/// One output channel's lane accumulators for up to three neighbouring taps (kept in registers once
/// inlined).
private struct TapAccumulators<T: StaticCount> {
    var v0, v1, v2: SIMD8<Float>

    @inline(__always)
    init(_ acc: UnsafePointer<Float>, _: T.Type) {
        v0 = SIMD8(loadingFrom: acc)
        v1 = T.value > 1 ? SIMD8(loadingFrom: acc + 8) : .zero
        v2 = T.value > 2 ? SIMD8(loadingFrom: acc + 16) : .zero
    }

    /// += each tap's input vector times the channel's dY vector.
    @inline(__always)
    mutating func add(_ x: ShiftedVectors, _ dy: SIMD8<Float>) {
        v0 = multiplyAdd(v0, x.v0, dy)
        if T.value > 1 { v1 = multiplyAdd(v1, x.v1, dy) }
        if T.value > 2 { v2 = multiplyAdd(v2, x.v2, dy) }
    }

    @inline(__always)
    func store(_ acc: UnsafeMutablePointer<Float>) {
        v0.store(to: acc)
        if T.value > 1 { v1.store(to: acc + 8) }
        if T.value > 2 { v2.store(to: acc + 16) }
    }
}
