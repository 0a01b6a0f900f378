// The transforms of Winograd F(2x2, 5x5) (Winograd.swift): 6x6 tiles, eight neighbouring tiles at a
// time in the lanes of SIMD8 vectors. The interpolation points are 0, 1, -1, 2, -2 and infinity:
//     B^T = [4  0 -5  0 1 0;  0 -4 -4  1 1 0;  0  4 -4 -1 1 0;
//            0 -2 -1  2 1 0;  0  2 -1 -2 1 0;  0  4  0 -5 0 1]
//     G   = [1/4 0 0 0 0;  -1/6 -1/6 -1/6 -1/6 -1/6;  -1/6 1/6 -1/6 1/6 -1/6;
//            1/24 1/12 1/6 1/3 2/3;  1/24 -1/12 1/6 -1/3 2/3;  0 0 0 0 1]
//     A^T = [1 1  1 1  1 0;  0 1 -1 2 -2 1]
// (y = A^T [(G g) (.) (B^T d)] is the correlation of d with g; checked exactly with rationals).

extension Winograd {
    private static let g5: [[Double]] = [
        [1.0 / 4, 0, 0, 0, 0],
        [-1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6, -1.0 / 6],
        [-1.0 / 6, 1.0 / 6, -1.0 / 6, 1.0 / 6, -1.0 / 6],
        [1.0 / 24, 1.0 / 12, 1.0 / 6, 1.0 / 3, 2.0 / 3],
        [1.0 / 24, -1.0 / 12, 1.0 / 6, -1.0 / 3, 2.0 / 3],
        [0, 0, 0, 0, 1],
    ]

    static func transformWeights5x5(_ w: UnsafePointer<Float>, outChannels o: Int, inChannels c: Int,
                                    transposedFlipped: Bool, into u: UnsafeMutablePointer<Float>) {
        var gg = [Double](repeating: 0, count: 30)   // G g, 6 x 5
        for oc in 0..<o {
            for ic in 0..<c {
                let src = transposedFlipped ? w + (ic * o + oc) * 25 : w + (oc * c + ic) * 25
                // g[row][col], rotated by 180 degrees for the input gradient.
                func g(_ row: Int, _ col: Int) -> Double {
                    Double(transposedFlipped ? src[24 - (5 * row + col)] : src[5 * row + col])
                }
                for row in 0..<6 {
                    for col in 0..<5 {
                        var s = 0.0
                        for k in 0..<5 { s += g5[row][k] * g(k, col) }
                        gg[row * 5 + col] = s
                    }
                }
                for row in 0..<6 {
                    for col in 0..<6 {
                        var s = 0.0
                        for k in 0..<5 { s += gg[row * 5 + k] * g5[col][k] }
                        u[((row * 6 + col) * o + oc) * c + ic] = Float(s)
                    }
                }
            }
        }
    }

    typealias Six = (SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>, SIMD8<Float>)

    /// B^T applied to six values (a column or a row of a tile).
    @inline(__always)
    private static func inputTransform(_ d: Six) -> Six {
        let four = SIMD8<Float>(repeating: 4), five = SIMD8<Float>(repeating: 5), two = SIMD8<Float>(repeating: 2)
        let a = d.4 - four * d.2, b = d.3 - four * d.1          // rows 1, 2: a +- b
        let e = d.4 - d.2, f = two * (d.3 - d.1)              // rows 3, 4: e +- f
        return (four * d.0 - five * d.2 + d.4, a + b, a - b, e + f, e - f, four * d.1 - five * d.3 + d.5)
    }

    /// Column `j` of eight neighbouring tiles' rows: a 16-wide load at the tiles' first column gives
    /// columns 0 and 1 of eight tiles (even and odd lanes), the next two columns further on 2 and 3...
    @inline(__always)
    private static func tileRow6(_ src: UnsafePointer<Float>) -> Six {
        let a = UnsafeRawPointer(src).loadUnaligned(as: SIMD16<Float>.self)
        let b = UnsafeRawPointer(src + 2).loadUnaligned(as: SIMD16<Float>.self)
        let c = UnsafeRawPointer(src + 4).loadUnaligned(as: SIMD16<Float>.self)
        return (a.evenHalf, a.oddHalf, b.evenHalf, b.oddHalf, c.evenHalf, c.oddHalf)
    }

    /// V[xi][c][t] = (B^T d B)[xi] for the tiles of tile rows firstRow..<firstRow+rows, eight at a time.
    func transformInput5x5(_ p: UnsafePointer<Float>, channels: Range<Int>, firstRow: Int, rows: Int,
                           into v: UnsafeMutablePointer<Float>) {
        forEachInputGroup(p, channels: channels, firstRow: firstRow, rows: rows, into: v) { group in
            let src = group.source, stride = group.stride, count = group.count, dst = group.target
            let d0 = Self.tileRow6(src), d1 = Self.tileRow6(src + paddedW), d2 = Self.tileRow6(src + 2 * paddedW)
            let d3 = Self.tileRow6(src + 3 * paddedW), d4 = Self.tileRow6(src + 4 * paddedW)
            let d5 = Self.tileRow6(src + 5 * paddedW)
            // B^T d, column by column: t_j = B^T (column j of d); row i of B^T d is (t_0.i ... t_5.i).
            let t0 = Self.inputTransform((d0.0, d1.0, d2.0, d3.0, d4.0, d5.0))
            let t1 = Self.inputTransform((d0.1, d1.1, d2.1, d3.1, d4.1, d5.1))
            let t2 = Self.inputTransform((d0.2, d1.2, d2.2, d3.2, d4.2, d5.2))
            let t3 = Self.inputTransform((d0.3, d1.3, d2.3, d3.3, d4.3, d5.3))
            let t4 = Self.inputTransform((d0.4, d1.4, d2.4, d3.4, d4.4, d5.4))
            let t5 = Self.inputTransform((d0.5, d1.5, d2.5, d3.5, d4.5, d5.5))
            // Then B on the right: row i of the result is B^T applied to row i of B^T d.
            Self.store6(Self.inputTransform((t0.0, t1.0, t2.0, t3.0, t4.0, t5.0)), dst, stride: stride, count: count)
            Self.store6(Self.inputTransform((t0.1, t1.1, t2.1, t3.1, t4.1, t5.1)), dst + 6 * stride, stride: stride, count: count)
            Self.store6(Self.inputTransform((t0.2, t1.2, t2.2, t3.2, t4.2, t5.2)), dst + 12 * stride, stride: stride, count: count)
            Self.store6(Self.inputTransform((t0.3, t1.3, t2.3, t3.3, t4.3, t5.3)), dst + 18 * stride, stride: stride, count: count)
            Self.store6(Self.inputTransform((t0.4, t1.4, t2.4, t3.4, t4.4, t5.4)), dst + 24 * stride, stride: stride, count: count)
            Self.store6(Self.inputTransform((t0.5, t1.5, t2.5, t3.5, t4.5, t5.5)), dst + 30 * stride, stride: stride, count: count)
        }
    }

    @inline(__always)
    private static func store6(_ t: Six, _ dst: UnsafeMutablePointer<Float>, stride: Int, count: Int) {
        t.0.store(to: dst, count: count)
        t.1.store(to: dst + stride, count: count)
        t.2.store(to: dst + 2 * stride, count: count)
        t.3.store(to: dst + 3 * stride, count: count)
        t.4.store(to: dst + 4 * stride, count: count)
        t.5.store(to: dst + 5 * stride, count: count)
    }

    /// Eight tiles' values at `src` and five strides on: whole vectors even for the last tiles of a row,
    /// whose extra lanes are never stored (the scratch has `readSlack` floats after the products).
    @inline(__always)
    private static func load6(_ src: UnsafePointer<Float>, stride: Int) -> Six {
        (SIMD8(loadingFrom: src), SIMD8(loadingFrom: src + stride), SIMD8(loadingFrom: src + 2 * stride),
         SIMD8(loadingFrom: src + 3 * stride), SIMD8(loadingFrom: src + 4 * stride), SIMD8(loadingFrom: src + 5 * stride))
    }

    /// A^T applied to six values: the two outputs.
    @inline(__always)
    private static func outputTransform(_ m: Six) -> (SIMD8<Float>, SIMD8<Float>) {
        let two = SIMD8<Float>(repeating: 2)
        let plus = m.1 + m.2, minus = m.1 - m.2
        return (m.0 + plus + m.3 + m.4, minus + two * (m.3 - m.4) + m.5)
    }

    /// y = A^T m A for every tile of the block, cropped at odd edges; eight tiles at a time.
    func transformOutput5x5(_ m: UnsafePointer<Float>, outputs: Range<Int>, firstRow: Int, rows: Int,
                            bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) {
        forEachOutputGroup(m, outputs: outputs, firstRow: firstRow, rows: rows, bias: bias, into: y) { group in
            let src = group.source, stride = group.stride
            // A^T m column by column: (top_j, bottom_j) from column j of m.
            let c0 = Self.outputTransform(Self.load6(src, stride: 6 * stride))
            let c1 = Self.outputTransform(Self.load6(src + stride, stride: 6 * stride))
            let c2 = Self.outputTransform(Self.load6(src + 2 * stride, stride: 6 * stride))
            let c3 = Self.outputTransform(Self.load6(src + 3 * stride, stride: 6 * stride))
            let c4 = Self.outputTransform(Self.load6(src + 4 * stride, stride: 6 * stride))
            let c5 = Self.outputTransform(Self.load6(src + 5 * stride, stride: 6 * stride))
            let (y00, y01) = Self.outputTransform((c0.0, c1.0, c2.0, c3.0, c4.0, c5.0))
            let (y10, y11) = Self.outputTransform((c0.1, c1.1, c2.1, c3.1, c4.1, c5.1))
            Self.storeInterleaved(y00 + group.bias, y01 + group.bias, group.target, values: group.values)
            if group.secondRow {
                Self.storeInterleaved(y10 + group.bias, y11 + group.bias, group.target + width, values: group.values)
            }
        }
    }
}
