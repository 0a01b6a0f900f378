// 3x3 convolutions with padding 1 and 5x5 convolutions with padding 2, stride 1 (every heavy layer of
// the FCDD networks) by Winograd's minimal filtering F(2x2, kxk) (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016): each 2x2 block of outputs comes from an a x a input tile,
// a = k + 1, as
//     Y = A^T [ (G g G^T) (.) (B^T d B) ] A,
// so the products become a^2 matrix products (one per position of the transformed tile) of C x tiles:
// 16 multiply-adds per 2x2 outputs and input channel instead of 36 for 3x3 (2.25x fewer than im2col +
// sgemm), 36 instead of 100 for 5x5 (2.78x fewer). The same routine computes the input gradient, a
// convolution of the output gradient with the flipped, transposed weights.
//
// Tiles are processed in blocks of whole tile rows so that the transformed input and the products of
// one block stay in the cache between the transforms and the matrix products. The transforms of each
// kernel size are in WinogradF2x2_3x3.swift and WinogradF2x2_5x5.swift. Rounding differs from the
// direct sum by a few float32 ulps for 3x3 (the transforms only add, subtract and halve) and somewhat
// more for 5x5 (its transforms scale by up to 5 and divide by 6 and 24); the golden tolerances (1e-4
// forward, 1e-3 gradients) are far wider.

/// The geometry of one image's F(2x2, kxk) convolution and its per-worker scratch layout.
public struct Winograd {
    public let kernel: Int
    public let inChannels: Int, outChannels: Int
    let height: Int, width: Int
    let tilesH: Int, tilesW: Int
    /// The zero-padded input copy: (k - 1) / 2 rows and columns of padding on top and left, enough below
    /// and on the right for whole tiles, plus slack for the 16-wide loads of the last tiles of a row.
    let paddedH: Int, paddedW: Int
    let tileRowsPerBlock: Int

    /// Points of the transformed tile: 16 for 3x3, 36 for 5x5.
    public var tilePoints: Int { (kernel + 1) * (kernel + 1) }
    var padding: Int { (kernel - 1) / 2 }

    /// Whether a convolution is one that this routine computes.
    public static func applies(kernel: Int, stride: Int, padding: Int, inChannels: Int, outChannels: Int) -> Bool {
        // Below ~16 channels the products are too thin for sgemm and im2col is as fast.
        (kernel == 3 || kernel == 5) && padding == (kernel - 1) / 2 && stride == 1
            && inChannels >= 16 && outChannels >= 16
    }

    public init(kernel: Int, inChannels: Int, outChannels: Int, height: Int, width: Int) {
        precondition(kernel == 3 || kernel == 5, "Winograd F(2x2, kxk) is implemented for k = 3 and 5")
        self.kernel = kernel
        self.inChannels = inChannels; self.outChannels = outChannels
        self.height = height; self.width = width
        tilesH = (height + 1) / 2; tilesW = (width + 1) / 2
        paddedH = 2 * tilesH + kernel - 1
        paddedW = 2 * ((tilesW + 7) / 8 * 8) + 18
        // About 1 MiB of transformed input and products per block, but at least 256 tiles: the
        // products repack their weight matrices per block, which thin blocks do not amortise.
        let perTile = (kernel + 1) * (kernel + 1) * (inChannels + outChannels) * MemoryLayout<Float>.stride
        let rows = max((256 + tilesW - 1) / tilesW, (1 << 20) / (perTile * tilesW))
        tileRowsPerBlock = max(1, min(tilesH, rows))
    }

    var paddedCount: Int { inChannels * paddedH * paddedW }
    public var blockTiles: Int { tileRowsPerBlock * tilesW }
    /// Floats of worker scratch one image needs.
    public var scratchCount: Int { paddedCount + tilePoints * (inChannels + outChannels) * blockTiles + Self.readSlack }
    /// Floats after the products that the output transforms may read (never use): they load whole
    /// vectors of eight tiles also where a row has fewer left.
    static let readSlack = 8
    /// Floats of transformed weights.
    public var weightCount: Int { tilePoints * inChannels * outChannels }

    /// U[xi][o][c] = (G w[o][c] G^T)[xi] for weights (O, C, k, k). With `transposedFlipped` the
    /// weights are (C, O, k, k) and each kernel is rotated by 180 degrees: the input gradient's weights.
    public func transformWeights(_ w: UnsafePointer<Float>, transposedFlipped: Bool, into u: UnsafeMutablePointer<Float>) {
        if kernel == 3 {
            Self.transformWeights3x3(w, outChannels: outChannels, inChannels: inChannels,
                                     transposedFlipped: transposedFlipped, into: u)
        } else {
            Self.transformWeights5x5(w, outChannels: outChannels, inChannels: inChannels,
                                     transposedFlipped: transposedFlipped, into: u)
        }
    }

    /// y (O, H, W) = the convolution of x (C, H, W) with the transformed weights `u`, plus `bias` per
    /// output channel when given. `scratch` holds `scratchCount` floats.
    public func convolve(_ x: UnsafePointer<Float>, _ u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                         _ y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        convolve(x, u, bias: bias, y, scratch: scratch) { count, body in body(0..<count) }
    }

    /// The same with each phase of a block split by `split(count, body)`, which runs `body` over parts
    /// of 0..<count, in parallel or not: the transforms over channels, the products over the points of
    /// the transformed tile. For one image shared by the engine's workers (one image from a notebook),
    /// whose `scratch` all of them share.
    public func convolve(_ x: UnsafePointer<Float>, _ u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          _ y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                          split: (Int, @escaping (Range<Int>) -> Void) -> Void) {
        let padded = scratch
        let v = scratch + paddedCount
        let m = v + tilePoints * inChannels * blockTiles
        let points = tilePoints
        pad(x, into: padded)
        var firstRow = 0
        while firstRow < tilesH {
            let rows = min(tileRowsPerBlock, tilesH - firstRow)
            let tiles = rows * tilesW
            split(inChannels) { channels in
                if self.kernel == 3 {
                    self.transformInput3x3(padded, channels: channels, firstRow: firstRow, rows: rows, into: v)
                } else {
                    self.transformInput5x5(padded, channels: channels, firstRow: firstRow, rows: rows, into: v)
                }
            }
            let o = outChannels, c = inChannels
            // The products split over the transformed tile's points, each one whole: the same matrix
            // products as for an image computed alone, so an image's result does not depend on how
            // many workers shared it (a matrix product split by rows can round differently, where
            // OpenBLAS picks another kernel for the smaller shape).
            split(points) { xis in
                for xi in xis {
                    sgemm(transA: false, transB: false, m: o, n: tiles, k: c, a: u + xi * o * c, lda: c,
                          b: v + xi * c * tiles, ldb: tiles, beta: 0, c: m + xi * o * tiles, ldc: tiles)
                }
            }
            split(outChannels) { outputs in
                if self.kernel == 3 {
                    self.transformOutput3x3(m, outputs: outputs, firstRow: firstRow, rows: rows, bias: bias, into: y)
                } else {
                    self.transformOutput5x5(m, outputs: outputs, firstRow: firstRow, rows: rows, bias: bias, into: y)
                }
            }
            firstRow += rows
        }
    }

    private func pad(_ x: UnsafePointer<Float>, into p: UnsafeMutablePointer<Float>) {
        p.initialize(repeating: 0, count: paddedCount)
        let offset = padding
        for c in 0..<inChannels {
            for r in 0..<height {
                (p + (c * paddedH + r + offset) * paddedW + offset).update(from: x + (c * height + r) * width, count: width)
            }
        }
    }

    typealias Row = (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)

    /// Stores left[0], right[0], left[1], right[1], ...: the first `values` of them (an output row's
    /// left and right columns of eight tiles).
    @inline(__always)
    static func storeInterleaved(_ left: SIMD8<Float>, _ right: SIMD8<Float>, _ dst: UnsafeMutablePointer<Float>, values: Int) {
        let both = SIMD16<Float>(left[0], right[0], left[1], right[1], left[2], right[2], left[3], right[3],
                                 left[4], right[4], left[5], right[5], left[6], right[6], left[7], right[7])
        if values >= 16 {
            UnsafeMutableRawPointer(dst).storeBytes(of: both, as: SIMD16<Float>.self)
        } else {
            withUnsafeBytes(of: both) { UnsafeMutableRawPointer(dst).copyMemory(from: $0.baseAddress!, byteCount: values * 4) }
        }
    }

    /// One group of eight neighbouring tiles of a tile row (fewer at the row's end), as the input
    /// transforms see it.
    struct InputGroup {
        /// The first tile's top-left value in the padded copy; its rows are `paddedW` apart.
        let source: UnsafePointer<Float>
        /// Where the first tile's first transformed value goes; the points of a tile are `stride` apart.
        let target: UnsafeMutablePointer<Float>
        let stride: Int, count: Int
    }

    /// Runs `transform` on every group of eight tiles of tile rows firstRow..<firstRow+rows, channel by
    /// channel, writing into the transformed input `v` (V[xi][c][t]).
    @inline(__always)
    func forEachInputGroup(_ p: UnsafePointer<Float>, channels: Range<Int>, firstRow: Int, rows: Int,
                           into v: UnsafeMutablePointer<Float>, _ transform: (InputGroup) -> Void) {
        let tiles = rows * tilesW, stride = inChannels * tiles
        for c in channels {
            let plane = p + c * paddedH * paddedW
            for tr in 0..<rows {
                let top = plane + 2 * (firstRow + tr) * paddedW
                var tc = 0
                while tc < tilesW {
                    transform(InputGroup(source: top + 2 * tc, target: v + c * tiles + tr * tilesW + tc,
                                         stride: stride, count: min(8, tilesW - tc)))
                    tc += 8
                }
            }
        }
    }

    /// One group of eight neighbouring tiles (fewer at a row's end), as the output transforms see it.
    struct OutputGroup {
        /// The first tile's first transformed value in the products M[xi][o][t]; points `stride` apart.
        let source: UnsafePointer<Float>
        /// The group's first output value; its second output row starts `width` further on.
        let target: UnsafeMutablePointer<Float>
        let stride: Int
        /// Values per output row: both columns of every tile, but one for the last tile of an odd width.
        let values: Int
        /// Whether the tiles' second output row is inside the image (not for the last row of an odd height).
        let secondRow: Bool
        /// The output channel's bias in every lane.
        let bias: SIMD8<Float>
    }

    /// Runs `transform` on every group of eight tiles of tile rows firstRow..<firstRow+rows, output
    /// channel by output channel, writing into y (O, H, W).
    @inline(__always)
    func forEachOutputGroup(_ m: UnsafePointer<Float>, outputs: Range<Int>, firstRow: Int, rows: Int,
                            bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>,
                            _ transform: (OutputGroup) -> Void) {
        let tiles = rows * tilesW, stride = outChannels * tiles
        for o in outputs {
            let shift = SIMD8<Float>(repeating: bias?[o] ?? 0)
            let plane = y + o * height * width
            for tr in 0..<rows {
                let outRow = 2 * (firstRow + tr)
                var tc = 0
                while tc < tilesW {
                    let count = min(8, tilesW - tc)
                    let pairs = 2 * (tc + count) <= width ? count : count - 1   // tiles with both columns
                    transform(OutputGroup(source: m + o * tiles + tr * tilesW + tc, target: plane + outRow * width + 2 * tc,
                                          stride: stride, values: 2 * pairs + (pairs < count ? 1 : 0),
                                          secondRow: outRow + 1 < height, bias: shift))
                    tc += 8
                }
            }
        }
    }
}
