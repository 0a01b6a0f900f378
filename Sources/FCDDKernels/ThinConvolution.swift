// The first convolution of a network sees 1-3 input channels, so im2col + sgemm multiplies with only
// C*K*K = 25-27 inner rows: too thin for OpenBLAS's kernels (about 60% of their speed before the
// unfolding and the bias pass are paid). A direct convolution does better here: every output value
// is 25-27 multiply-adds over a zero-padded copy of the image that stays in the L1 cache, computed
// in 12 registers for 3 output channels x 32 pixels (rows of a multiple of 32) or 4 output channels x
// 24 pixels (all other rows) at a time and written once, bias included. The operand that fills fewer
// registers is loaded first (LLVM keeps the source order): loading 4 pixel vectors before 3 weights
// needs 17 registers and spilled an accumulator in the inner loop (half the speed).
//
// It pays off only with fused multiply-adds in 8-wide vectors, so it is chosen when the engine is
// built for a CPU with AVX2 and FMA (Package.swift defines FCDD_FMA then); elsewhere the layers keep
// im2col + sgemm. The weight and bias gradients are computed directly too (ThinConvolutionGradient.swift),
// without FMA from thin columns padded to 32 rows (ColumnBands.swift).

public struct ThinConvolution {
    public let geometry: WindowGeometry
    public let outChannels: Int
    /// Output pixels per band of the weight gradient (the runtime configuration's thinGradientBandPixels).
    let gradientBandPixels: Int

    public init(geometry: WindowGeometry, outChannels: Int, gradientBandPixels: Int = 16384) {
        self.geometry = geometry; self.outChannels = outChannels; self.gradientBandPixels = gradientBandPixels
    }

    /// Stride-1 convolutions whose columns would have fewer than `thinRows` rows.
    public static func fits(_ g: WindowGeometry, thinRows: Int) -> Bool {
        g.stride == 1 && !g.isPointwise && g.colRows < thinRows
    }

    /// Scratch floats for the zero-padded image.
    public var scratchCount: Int { paddedImageCount(geometry) }

    /// Zero-pads one image (C, H, W) into `padded` (`scratchCount` floats).
    public func pad(_ x: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>) {
        padForUnfolding(x, geometry, padded)
    }

    /// Output rows per band: a band's rows of 4 output channels are written one channel after the
    /// other, so that each channel's plane is written in order. (Row by row, a 32x32 output's 128
    /// planes 4 KiB apart were each written 32 floats at a time and the caches thrashed: half the speed.)
    private var bandRows: Int { max(1, 2048 / geometry.outW) }

    /// y rows `outputRows` (all channels) = W * the padded image + bias; `y` is one image's output.
    public func forward(_ padded: UnsafePointer<Float>, _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                 _ y: UnsafeMutablePointer<Float>, outputRows: Range<Int>) {
        // Rows of a multiple of 32 pixels go in blocks of 3 channels x 32 pixels, all others in blocks of
        // 4 channels x 24 pixels: 12 accumulators either way, but 32 = 16 + 16 in the second shape
        // leaves 8 (LW3K's 32x32 layer ran at two thirds of the 224x224 one's speed).
        if geometry.outW % 32 == 0 {
            forward(Three.self, padded, w, bias: bias, y, outputRows: outputRows) { _ in 32 }
        } else {
            forward(Four.self, padded, w, bias: bias, y, outputRows: outputRows, blockWidth: Self.blockWidth)
        }
    }

    private func forward<C: StaticCount>(_ channelBlock: C.Type, _ padded: UnsafePointer<Float>,
                                         _ w: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                         _ y: UnsafeMutablePointer<Float>, outputRows: Range<Int>,
                                         blockWidth: (_ remaining: Int) -> Int) {
        let g = geometry, taps = g.colRows, plane = g.outH * g.outW
        var first = outputRows.lowerBound
        while first < outputRows.upperBound {
            let band = first..<min(outputRows.upperBound, first + bandRows)
            var oc = 0
            while oc < outChannels {
                let block = min(C.value, outChannels - oc)
                let wo = w + oc * taps, bo = bias.map { $0 + oc }
                for oh in band {
                    let yo = y + oc * plane + oh * g.outW
                    var ow = 0
                    while ow < g.outW {
                        let width = blockWidth(g.outW - ow)
                        // Counts as types, so that each shape gets its own specialised register block.
                        switch (width + 7) / 8 {
                        case 4: kernel(C.self, Four.self, padded, wo, bo, yo + ow, block: block, oh: oh, ow: ow, width: width)
                        case 3: kernel(C.self, Three.self, padded, wo, bo, yo + ow, block: block, oh: oh, ow: ow, width: width)
                        case 2: kernel(C.self, Two.self, padded, wo, bo, yo + ow, block: block, oh: oh, ow: ow, width: width)
                        default: kernel(C.self, One.self, padded, wo, bo, yo + ow, block: block, oh: oh, ow: ow, width: width)
                        }
                        ow += width
                    }
                }
                oc += block
            }
            first = band.upperBound
        }
    }

    /// Pixels of the next block of 4 channels: 24 (3 vectors), but never leaving a last block of one
    /// vector, whose 4 accumulator chains cannot hide the multiply-add latency (224 = 8 x 24 + 16 + 16,
    /// 28 = 16 + 12).
    static func blockWidth(remaining r: Int) -> Int {
        if r <= 24 { return r }
        if r <= 48 { return min(24, (r / 2 + 7) / 8 * 8) }
        return 24
    }

    /// `block` <= C output channels x `width` <= 8 x V pixels of one output row, in C x V <= 12 vector
    /// registers. Reads up to 7 floats past the last pixel (into the next padded row or the padded
    /// image's slack); those lanes are not stored.
    @inline(__always)
    private func kernel<C: StaticCount, V: StaticCount>(_: C.Type, _: V.Type, _ padded: UnsafePointer<Float>,
                                                        _ w: UnsafePointer<Float>, _ bias: UnsafePointer<Float>?,
                                                        _ y: UnsafeMutablePointer<Float>,
                                                        block: Int, oh: Int, ow: Int, width: Int) {
        let channels = C.value, vectors = V.value
        let g = geometry, k = g.kernel, taps = g.colRows, plane = g.outH * g.outW
        let ph = g.inH + 2 * g.padding, pw = g.inW + 2 * g.padding
        // Channels past `block` repeat the last one (their results are not stored).
        let w1 = w + min(1, block - 1) * taps, w2 = w + min(2, block - 1) * taps, w3 = w + min(3, block - 1) * taps
        func start(_ j: Int) -> SIMD8<Float> { SIMD8(repeating: bias?[min(j, block - 1)] ?? 0) }
        var a = Accumulators(start(0)), b = Accumulators(start(1)), c = Accumulators(start(2)), d = Accumulators(start(3))
        var t = 0
        for ci in 0..<g.channels {
            for kh in 0..<k {
                let row = UnsafeRawPointer(padded + (ci * ph + oh + kh) * pw + ow)
                for kw in 0..<k {
                    if channels < vectors {
                        // Weights first, then one pixel vector at a time: C + 1 + C x V registers.
                        let wa = SIMD8<Float>(repeating: w[t]), wb = SIMD8<Float>(repeating: w1[t])
                        let wc = SIMD8<Float>(repeating: w2[t]), wd = SIMD8<Float>(repeating: w3[t])
                        for j in 0..<vectors {
                            let x = (row + 4 * kw).loadUnaligned(fromByteOffset: 32 * j, as: SIMD8<Float>.self)
                            a.add(vector: j, x, wa)
                            if channels > 1 { b.add(vector: j, x, wb) }
                            if channels > 2 { c.add(vector: j, x, wc) }
                            if channels > 3 { d.add(vector: j, x, wd) }
                        }
                    } else {
                        // Pixel vectors first, then one weight at a time: V + 1 + C x V registers.
                        let x = PixelVectors(row + 4 * kw, vectors: vectors)
                        a.add(x, w[t], vectors: vectors)
                        if channels > 1 { b.add(x, w1[t], vectors: vectors) }
                        if channels > 2 { c.add(x, w2[t], vectors: vectors) }
                        if channels > 3 { d.add(x, w3[t], vectors: vectors) }
                    }
                    t += 1
                }
            }
        }
        a.store(y, width: width)
        if block > 1 { b.store(y + plane, width: width) }
        if block > 2 { c.store(y + 2 * plane, width: width) }
        if block > 3 { d.store(y + 3 * plane, width: width) }
    }
}

/// Up to four consecutive 8-pixel vectors of a padded row (the ones past `vectors` are not loaded).
private struct PixelVectors {
    var v0, v1, v2, v3: SIMD8<Float>

    @inline(__always)
    init(_ p: UnsafeRawPointer, vectors: Int) {
        v0 = p.loadUnaligned(as: SIMD8<Float>.self)
        v1 = vectors > 1 ? p.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self) : v0
        v2 = vectors > 2 ? p.loadUnaligned(fromByteOffset: 64, as: SIMD8<Float>.self) : v0
        v3 = vectors > 3 ? p.loadUnaligned(fromByteOffset: 96, as: SIMD8<Float>.self) : v0
    }
}

/// One output channel's accumulators for up to four pixel vectors (kept in registers once inlined).
private struct Accumulators {
    var v0, v1, v2, v3: SIMD8<Float>

    @inline(__always)
    init(_ start: SIMD8<Float>) { v0 = start; v1 = start; v2 = start; v3 = start }

    /// += the channel's broadcast weight times the pixel vectors.
    @inline(__always)
    mutating func add(_ x: PixelVectors, _ weight: Float, vectors: Int) {
        let w = SIMD8<Float>(repeating: weight)
        v0 = multiplyAdd(v0, x.v0, w)
        if vectors > 1 { v1 = multiplyAdd(v1, x.v1, w) }
        if vectors > 2 { v2 = multiplyAdd(v2, x.v2, w) }
        if vectors > 3 { v3 = multiplyAdd(v3, x.v3, w) }
    }

    /// Vector `j`'s accumulator += x times the broadcast weight w.
    @inline(__always)
    mutating func add(vector j: Int, _ x: SIMD8<Float>, _ w: SIMD8<Float>) {
        switch j {
        case 0: v0 = multiplyAdd(v0, x, w)
        case 1: v1 = multiplyAdd(v1, x, w)
        case 2: v2 = multiplyAdd(v2, x, w)
        default: v3 = multiplyAdd(v3, x, w)
        }
    }

    /// The first `width` lanes to y.
    @inline(__always)
    func store(_ y: UnsafeMutablePointer<Float>, width: Int) {
        v0.store(to: y, count: width)
        if width > 8 { v1.store(to: y + 8, count: width - 8) }
        if width > 16 { v2.store(to: y + 16, count: width - 16) }
        if width > 24 { v3.store(to: y + 24, count: width - 24) }
    }
}

/// A small count (of channels or 8-lane vectors) as a type: generic kernels specialised for each count
/// compile to straight-line register code (a plain argument, even a constant one, did not).
protocol StaticCount { static var value: Int { get } }
enum One: StaticCount { static var value: Int { 1 } }
enum Two: StaticCount { static var value: Int { 2 } }
enum Three: StaticCount { static var value: Int { 3 } }
enum Four: StaticCount { static var value: Int { 4 } }

/// acc + x * w, fused into one instruction where the build targets FMA.
@inline(__always)
func multiplyAdd(_ acc: SIMD8<Float>, _ x: SIMD8<Float>, _ w: SIMD8<Float>) -> SIMD8<Float> {
    #if FCDD_FMA
    return acc.addingProduct(x, w)
    #else
    return acc + x * w
    #endif
}
