// The transforms of Winograd F(2x2, 3x3) (Winograd.swift): 4x4 tiles, eight neighbouring tiles at a
// time in the lanes of SIMD8 vectors. With B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],
// G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1] and A^T = [1 1 1 0; 0 1 -1 -1].

extension Winograd {
    /// U[xi][o][c] = (G w[o][c] G^T)[xi] for weights (O, C, 3, 3). With `transposedFlipped` the
    /// weights are (C, O, 3, 3) and each kernel is rotated by 180 degrees: the input gradient's weights.
    static func transformWeights3x3(_ w: UnsafePointer<Float>, outChannels o: Int, inChannels c: Int,
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

    /// V[xi][c][t] = (B^T d B)[xi] for the tiles of tile rows firstRow..<firstRow+rows, eight tiles of a
    /// row at a time: a 16-wide load at the tiles' first column gives columns 0 and 1 of eight tiles
    /// (even and odd lanes), one two columns further on gives columns 2 and 3.
    func transformInput3x3(_ p: UnsafePointer<Float>, channels: Range<Int>, firstRow: Int, rows: Int,
                           into v: UnsafeMutablePointer<Float>) {
        forEachInputGroup(p, channels: channels, firstRow: firstRow, rows: rows, into: v) { group in
            let src = group.source, stride = group.stride, count = group.count, dst = group.target
            let d0 = Self.tileRow(src), d1 = Self.tileRow(src + paddedW)
            let d2 = Self.tileRow(src + 2 * paddedW), d3 = Self.tileRow(src + 3 * paddedW)
            // B^T d: rows (d0 - d2, d1 + d2, d2 - d1, d1 - d3); then the same on columns.
            Self.storeTransformedRow(Self.minus(d0, d2), dst, stride: stride, count: count)
            Self.storeTransformedRow(Self.plus(d1, d2), dst + 4 * stride, stride: stride, count: count)
            Self.storeTransformedRow(Self.minus(d2, d1), dst + 8 * stride, stride: stride, count: count)
            Self.storeTransformedRow(Self.minus(d1, d3), dst + 12 * stride, stride: stride, count: count)
        }
    }

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

    /// Row `xi / 4` of the transformed tile m of eight tiles: its four values xi = 4 row + 0...3 (whole
    /// vectors also for the last tiles of a row, whose extra lanes are never stored; see `readSlack`).
    @inline(__always)
    private static func loadRow(_ src: UnsafePointer<Float>, stride: Int) -> Row {
        (SIMD8(loadingFrom: src), SIMD8(loadingFrom: src + stride),
         SIMD8(loadingFrom: src + 2 * stride), SIMD8(loadingFrom: src + 3 * stride))
    }

    /// One output row of eight tiles: A applied on the right to one row of A^T m, interleaved.
    @inline(__always)
    private static func storeOutputRow(_ t: Row, _ group: OutputGroup, _ dst: UnsafeMutablePointer<Float>) {
        storeInterleaved(t.0 + t.1 + t.2 + group.bias, t.1 - t.2 - t.3 + group.bias, dst, values: group.values)
    }

    /// y = A^T m A for every tile of the block, cropped at odd edges; eight tiles at a time.
    func transformOutput3x3(_ m: UnsafePointer<Float>, outputs: Range<Int>, firstRow: Int, rows: Int, bias: UnsafePointer<Float>?,
                            into y: UnsafeMutablePointer<Float>) {
        forEachOutputGroup(m, outputs: outputs, firstRow: firstRow, rows: rows, bias: bias, into: y) { group in
            let src = group.source, stride = group.stride
            let m0 = Self.loadRow(src, stride: stride)
            let m1 = Self.loadRow(src + 4 * stride, stride: stride)
            let m2 = Self.loadRow(src + 8 * stride, stride: stride)
            let m3 = Self.loadRow(src + 12 * stride, stride: stride)
            // A^T m: rows (m0 + m1 + m2, m1 - m2 - m3); then the same on columns.
            let top = Self.plus(Self.plus(m0, m1), m2), bottom = Self.minus(Self.minus(m1, m2), m3)
            Self.storeOutputRow(top, group, group.target)
            if group.secondRow { Self.storeOutputRow(bottom, group, group.target + width) }
        }
    }
}
