// 3x3 convolutions with stride 1 and padding 1 (every heavy layer of the VGG and LW3K networks) by
// Winograd's minimal filtering F(2x2, 3x3) (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016): each 2x2 block of outputs comes from a 4x4 input tile as
//     Y = A^T [ (G g G^T) (.) (B^T d B) ] A,
// so the products become 16 matrix products (one per position of the 4x4 transformed tile) of
// C x tiles, with 16 multiply-adds per 2x2 outputs and input channel instead of 36: 2.25x fewer than
// im2col + sgemm. The same routine computes the input gradient, a 3x3 convolution of the output
// gradient with the flipped, transposed weights.
//
// Tiles are processed in blocks of whole tile rows so that the transformed input and the products of
// one block stay in the cache between the transforms and the matrix products. Rounding differs from
// the direct sum by a few float32 ulps (the transforms only add, subtract and halve); the golden
// tolerances (1e-4 forward, 1e-3 gradients) are far wider.

/// The geometry of one image's F(2x2, 3x3) convolution and its per-worker scratch layout.
public struct Winograd3x3 {
    public let inChannels: Int, outChannels: Int
    let height: Int, width: Int
    let tilesH: Int, tilesW: Int
    /// The zero-padded input copy: one row and column of padding on top and left, enough below and on
    /// the right for whole tiles, plus slack for the 16-wide loads of the last tiles of a row.
    let paddedH: Int, paddedW: Int
    let tileRowsPerBlock: Int

    /// Whether a convolution is one that this routine computes.
    public static func applies(kernel: Int, stride: Int, padding: Int, inChannels: Int, outChannels: Int) -> Bool {
        // Below ~16 channels the 16 products are too thin for sgemm and im2col is as fast.
        kernel == 3 && stride == 1 && padding == 1 && inChannels >= 16 && outChannels >= 16
    }

    public init(inChannels: Int, outChannels: Int, height: Int, width: Int) {
        self.inChannels = inChannels; self.outChannels = outChannels
        self.height = height; self.width = width
        tilesH = (height + 1) / 2; tilesW = (width + 1) / 2
        paddedH = 2 * tilesH + 2
        paddedW = 2 * ((tilesW + 7) / 8 * 8) + 18
        // About 1 MiB of transformed input and products per block, but at least 256 tiles: the 16
        // products repack their weight matrices per block, which thin blocks do not amortise.
        let perTile = 16 * (inChannels + outChannels) * MemoryLayout<Float>.stride
        let rows = max((256 + tilesW - 1) / tilesW, (1 << 20) / (perTile * tilesW))
        tileRowsPerBlock = max(1, min(tilesH, rows))
    }

    var paddedCount: Int { inChannels * paddedH * paddedW }
    var blockTiles: Int { tileRowsPerBlock * tilesW }
    /// Floats of worker scratch one image needs.
    public var scratchCount: Int { paddedCount + 16 * (inChannels + outChannels) * blockTiles }
    /// Floats of transformed weights.
    public var weightCount: Int { 16 * inChannels * outChannels }

    /// U[xi][o][c] = (G w[o][c] G^T)[xi] for weights (O, C, 3, 3). With `transposedFlipped` the
    /// weights are (C, O, 3, 3) and each kernel is rotated by 180 degrees: the input gradient's weights.
    public static func transformWeights(_ w: UnsafePointer<Float>, outChannels o: Int, inChannels c: Int,
                                 transposedFlipped: Bool, into u: UnsafeMutablePointer<Float>) {
        for oc in 0..<o {
            for ic in 0..<c {
                let src = transposedFlipped ? w + (ic * o + oc) * 9 : w + (oc * c + ic) * 9
                // g[row][col], rotated by 180 degrees for the input gradient.
                @inline(__always) func g(_ row: Int, _ col: Int) -> Float {
                    transposedFlipped ? src[8 - (3 * row + col)] : src[3 * row + col]
                }
                // G g (4x3) one column at a time, then (G g) G^T (4x4) one row at a time.
                @inline(__always) func gg(_ row: Int, _ col: Int) -> Float {
                    let a = g(0, col), b = g(1, col), d = g(2, col)
                    switch row {
                    case 0: return a
                    case 1: return 0.5 * (a + b + d)
                    case 2: return 0.5 * (a - b + d)
                    default: return d
                    }
                }
                for row in 0..<4 {
                    let a = gg(row, 0), b = gg(row, 1), d = gg(row, 2)
                    let dst = u + (row * 4 * o + oc) * c + ic, step = o * c
                    dst[0] = a
                    dst[step] = 0.5 * (a + b + d)
                    dst[2 * step] = 0.5 * (a - b + d)
                    dst[3 * step] = d
                }
            }
        }
    }

    /// y (O, H, W) = the convolution of x (C, H, W) with the transformed weights `u`, plus `bias` per
    /// output channel when given. `scratch` holds `scratchCount` floats.
    public func convolve(_ x: UnsafePointer<Float>, _ u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                         _ y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        convolve(x, u, bias: bias, y, scratch: scratch) { count, body in body(0..<count) }
    }

    /// The same with each phase of a block split over channels by `split(count, body)`, which runs
    /// `body` over parts of 0..<count, in parallel or not: for one image shared by the engine's workers
    /// (one image from a notebook), whose `scratch` all of them share.
    public func convolve(_ x: UnsafePointer<Float>, _ u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                          _ y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>,
                          split: (Int, @escaping (Range<Int>) -> Void) -> Void) {
        let padded = scratch
        let v = scratch + paddedCount
        let m = v + 16 * inChannels * blockTiles
        pad(x, into: padded)
        var firstRow = 0
        while firstRow < tilesH {
            let rows = min(tileRowsPerBlock, tilesH - firstRow)
            let tiles = rows * tilesW
            split(inChannels) { channels in
                self.transformInput(padded, channels: channels, firstRow: firstRow, rows: rows, into: v)
            }
            let o = outChannels, c = inChannels
            split(outChannels) { outputs in
                for xi in 0..<16 {
                    sgemm(transA: false, transB: false, m: outputs.count, n: tiles, k: c,
                          a: u + (xi * o + outputs.lowerBound) * c, lda: c,
                          b: v + xi * c * tiles, ldb: tiles, beta: 0,
                          c: m + (xi * o + outputs.lowerBound) * tiles, ldc: tiles)
                }
                self.transformOutput(m, outputs: outputs, firstRow: firstRow, rows: rows, bias: bias, into: y)
            }
            firstRow += rows
        }
    }

    private func pad(_ x: UnsafePointer<Float>, into p: UnsafeMutablePointer<Float>) {
        p.initialize(repeating: 0, count: paddedCount)
        for c in 0..<inChannels {
            for r in 0..<height {
                (p + (c * paddedH + r + 1) * paddedW + 1).update(from: x + (c * height + r) * width, count: width)
            }
        }
    }

    /// V[xi][c][t] = (B^T d B)[xi] for the tiles of tile rows firstRow..<firstRow+rows, eight tiles of a
    /// row at a time: a 16-wide load at the tiles' first column gives columns 0 and 1 of eight tiles
    /// (even and odd lanes), one two columns further on gives columns 2 and 3.
    private func transformInput(_ p: UnsafePointer<Float>, channels: Range<Int>, firstRow: Int, rows: Int,
                                into v: UnsafeMutablePointer<Float>) {
        let tiles = rows * tilesW, stride = inChannels * tiles
        for c in channels {
            let plane = p + c * paddedH * paddedW
            for tr in 0..<rows {
                let top = plane + 2 * (firstRow + tr) * paddedW
                var tc = 0
                while tc < tilesW {
                    let src = top + 2 * tc
                    let d0 = Self.tileRow(src), d1 = Self.tileRow(src + paddedW)
                    let d2 = Self.tileRow(src + 2 * paddedW), d3 = Self.tileRow(src + 3 * paddedW)
                    // B^T d: rows (d0 - d2, d1 + d2, d2 - d1, d1 - d3); then the same on columns.
                    let count = min(8, tilesW - tc)
                    let dst = v + c * tiles + tr * tilesW + tc
                    Self.storeTransformedRow(Self.minus(d0, d2), dst, stride: stride, count: count)
                    Self.storeTransformedRow(Self.plus(d1, d2), dst + 4 * stride, stride: stride, count: count)
                    Self.storeTransformedRow(Self.minus(d2, d1), dst + 8 * stride, stride: stride, count: count)
                    Self.storeTransformedRow(Self.minus(d1, d3), dst + 12 * stride, stride: stride, count: count)
                    tc += 8
                }
            }
        }
    }

    typealias Row = (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)

    /// Columns 0...3 of one tile row of eight neighbouring tiles.
    @inline(__always)
    private static func tileRow(_ src: UnsafePointer<Float>) -> Row {
        let a = UnsafeRawPointer(src).loadUnaligned(as: SIMD16<Float>.self)
        let b = UnsafeRawPointer(src + 2).loadUnaligned(as: SIMD16<Float>.self)
        return (a.evenHalf, a.oddHalf, b.evenHalf, b.oddHalf)
    }

    @inline(__always) private static func minus(_ a: Row, _ b: Row) -> Row { (a.0 - b.0, a.1 - b.1, a.2 - b.2, a.3 - b.3) }
    @inline(__always) private static func plus(_ a: Row, _ b: Row) -> Row { (a.0 + b.0, a.1 + b.1, a.2 + b.2, a.3 + b.3) }

    /// Applies B on the right to one row of B^T d and stores its four values xi = 4 row + 0...3.
    @inline(__always)
    private static func storeTransformedRow(_ t: Row, _ dst: UnsafeMutablePointer<Float>, stride: Int, count: Int) {
        (t.0 - t.2).store(to: dst, count: count)
        (t.1 + t.2).store(to: dst + stride, count: count)
        (t.2 - t.1).store(to: dst + 2 * stride, count: count)
        (t.1 - t.3).store(to: dst + 3 * stride, count: count)
    }

    /// Row `xi / 4` of the transformed tile m of eight tiles: its four values xi = 4 row + 0...3.
    @inline(__always)
    private static func loadRow(_ src: UnsafePointer<Float>, stride: Int, count: Int) -> Row {
        (SIMD8(loadingFrom: src, count: count), SIMD8(loadingFrom: src + stride, count: count),
         SIMD8(loadingFrom: src + 2 * stride, count: count), SIMD8(loadingFrom: src + 3 * stride, count: count))
    }

    /// One output row of eight tiles: A applied on the right to one row of A^T m, interleaved.
    @inline(__always)
    private static func storeOutputRow(_ t: Row, _ shift: SIMD8<Float>, _ dst: UnsafeMutablePointer<Float>,
                                       count: Int, pairs: Int) {
        let left = t.0 + t.1 + t.2 + shift, right = t.1 - t.2 - t.3 + shift
        for l in 0..<pairs { dst[2 * l] = left[l]; dst[2 * l + 1] = right[l] }
        if pairs < count { dst[2 * pairs] = left[pairs] }
    }

    /// y = A^T m A for every tile of the block, cropped at odd edges; eight tiles at a time.
    private func transformOutput(_ m: UnsafePointer<Float>, outputs: Range<Int>, firstRow: Int, rows: Int, bias: UnsafePointer<Float>?,
                                 into y: UnsafeMutablePointer<Float>) {
        let tiles = rows * tilesW, stride = outChannels * tiles
        for o in outputs {
            let shift = SIMD8<Float>(repeating: bias?[o] ?? 0)
            let plane = y + o * height * width
            for tr in 0..<rows {
                let outRow = 2 * (firstRow + tr)
                var tc = 0
                while tc < tilesW {
                    let count = min(8, tilesW - tc)
                    let src = m + o * tiles + tr * tilesW + tc
                    let m0 = Self.loadRow(src, stride: stride, count: count)
                    let m1 = Self.loadRow(src + 4 * stride, stride: stride, count: count)
                    let m2 = Self.loadRow(src + 8 * stride, stride: stride, count: count)
                    let m3 = Self.loadRow(src + 12 * stride, stride: stride, count: count)
                    // A^T m: rows (m0 + m1 + m2, m1 - m2 - m3); then the same on columns.
                    let top = Self.plus(Self.plus(m0, m1), m2), bottom = Self.minus(Self.minus(m1, m2), m3)
                    let dst = plane + outRow * width + 2 * tc
                    let pairs = 2 * (tc + count) <= width ? count : count - 1   // tiles with both columns
                    Self.storeOutputRow(top, shift, dst, count: count, pairs: pairs)
                    if outRow + 1 < height { Self.storeOutputRow(bottom, shift, dst + width, count: count, pairs: pairs) }
                    tc += 8
                }
            }
        }
    }
}
