import XCTest
@testable import FCDDCore
@testable import FCDDKernels

/// First-layer convolutions (1-3 input channels): the direct kernel (ThinConvolution.swift) and the
/// im2col path with the bias written before the product, and the weight and bias gradients both direct
/// (ThinConvolutionGradient.swift) and from columns padded to 32 rows with a ones row (ColumnBands.swift),
/// all against plain sums. Shapes cover
/// row tails of every vector count, both block shapes (rows of a multiple of 32 pixels or not), channel
/// counts that are not multiples of 3 or 4, bias or none, 5x5 kernels and paddings 0-2.
final class ThinConvolutionTests: XCTestCase {
    var rng = RandomSource(seed: 23)

    /// (input channels, height, width, kernel, padding, output channels, bias)
    let shapes = [(3, 32, 32, 3, 1, 8, true), (1, 28, 28, 5, 2, 6, true), (3, 9, 50, 3, 0, 5, false),
                  (2, 5, 3, 3, 1, 4, true), (3, 7, 60, 3, 1, 7, true), (1, 4, 9, 3, 1, 1, true),
                  // rows of a multiple of 32 pixels: blocks of 3 channels x 32 pixels, channel tails of 1 and 2
                  (1, 6, 64, 3, 1, 7, false), (1, 3, 96, 5, 2, 4, true), (3, 4, 32, 3, 0, 5, true)]

    func random(_ shape: [Int]) -> Tensor {
        var t = Tensor(zeros: shape)
        for i in 0..<t.count { t.data[i] = Float(rng.uniform(-1, 1)) }
        return t
    }

    /// Sums over the window of every output value (stride 1), in doubles; visits (n, o, r, c, i, kh, kw,
    /// input value) for each in-bounds tap.
    func forEachTap(_ x: Tensor, _ w: Tensor, padding p: Int, _ body: (Int, Int, Int, Int, Int, Int, Int, Double) -> Void) {
        let n = x.shape[0], ci = x.shape[1], h = x.shape[2], wd = x.shape[3], co = w.shape[0], k = w.shape[2]
        let oh = h + 2 * p - k + 1, ow = wd + 2 * p - k + 1
        for s in 0..<n { for o in 0..<co { for r in 0..<oh { for c in 0..<ow {
            for i in 0..<ci { for kh in 0..<k { for kw in 0..<k {
                let rr = r + kh - p, cc = c + kw - p
                guard rr >= 0, rr < h, cc >= 0, cc < wd else { continue }
                body(s, o, r, c, i, kh, kw, Double(x.data[((s * ci + i) * h + rr) * wd + cc]))
            }}}
        }}}}
    }

    func directForward(_ conv: Conv2d, _ x: Tensor) throws -> Tensor {
        let shape = try conv.outputShape(for: x.shape), k = conv.kernel, ci = conv.inChannels
        var acc = [Double](repeating: 0, count: shape.reduce(1, *))
        let plane = shape[2] * shape[3]
        for i in 0..<acc.count { acc[i] = Double(conv.bias?.value.data[(i / plane) % shape[1]] ?? 0) }
        forEachTap(x, conv.weight.value, padding: conv.padding) { s, o, r, c, i, kh, kw, v in
            acc[((s * shape[1] + o) * shape[2] + r) * shape[3] + c] +=
                Double(conv.weight.value.data[((o * ci + i) * k + kh) * k + kw]) * v
        }
        return Tensor(shape: shape, data: acc.map { Float($0) })
    }

    /// dW[o, i, kh, kw] = sum of dy[n, o, r, c] * x[n, i, r + kh - p, c + kw - p]; db[o] = sum of dy[n, o].
    func directGradients(_ conv: Conv2d, _ x: Tensor, _ dy: Tensor) -> ([Float], [Float]) {
        let k = conv.kernel, ci = conv.inChannels, co = conv.outChannels, oh = dy.shape[2], ow = dy.shape[3]
        var dw = [Double](repeating: 0, count: conv.weight.value.count), db = [Double](repeating: 0, count: co)
        forEachTap(x, conv.weight.value, padding: conv.padding) { s, o, r, c, i, kh, kw, v in
            dw[((o * ci + i) * k + kh) * k + kw] += Double(dy.data[((s * co + o) * oh + r) * ow + c]) * v
        }
        for (j, g) in dy.data.enumerated() { db[(j / (oh * ow)) % co] += Double(g) }
        return (dw.map { Float($0) }, db.map { Float($0) })
    }

    func testForwardMatchesTheDirectSumWithAndWithoutTheDirectKernel() throws {
        for (ci, h, w, k, p, co, bias) in shapes {
            let conv = Conv2d(ci, co, kernel: k, padding: p, bias: bias, rng: &rng)
            let x = random([3, ci, h, w])
            let expected = try directForward(conv, x)
            for direct in [true, false] {
                EngineRuntime.with({ $0.thinConvolutions = direct }) {
                    let name = "\(ci)x\(h)x\(w) k\(k) p\(p) -> \(co), direct \(direct)"
                    XCTAssertEqual(ThinConvolution.applies(conv.geometry(x.shape)), direct, name)
                    assertClose(conv.forward(x, training: true).data, expected.data, rtol: 1e-5, atol: 1e-5, name)
                    // One image with several workers: they share its rows (direct) or output channels.
                    EngineRuntime.with({ $0.threads = 2 }) {
                        let single = conv.forward(x.items(1..<2), training: false)
                        assertClose(single.data, expected.items(1..<2).data, rtol: 1e-5, atol: 1e-5, "one image, " + name)
                    }
                }
            }
        }
    }

    /// dX[n, i, r + kh - p, c + kw - p] += W[o, i, kh, kw] * dy[n, o, r, c].
    func directInputGradient(_ conv: Conv2d, _ x: Tensor, _ dy: Tensor) -> [Float] {
        let k = conv.kernel, ci = conv.inChannels, co = conv.outChannels, h = x.shape[2], w = x.shape[3]
        let oh = dy.shape[2], ow = dy.shape[3]
        var dx = [Double](repeating: 0, count: x.count)
        let p = conv.padding
        forEachTap(x, conv.weight.value, padding: p) { s, o, r, c, i, kh, kw, _ in
            let weight = Double(conv.weight.value.data[((o * ci + i) * k + kh) * k + kw])
            let gradient = Double(dy.data[((s * co + o) * oh + r) * ow + c])
            let row: Int = r + kh - p, column: Int = c + kw - p
            dx[((s * ci + i) * h + row) * w + column] += weight * gradient
        }
        return dx.map { Float($0) }
    }

    /// The direct gradient kernel (bands of a few rows or whole images) and, without it, the columns
    /// padded to 32 rows (whole images or bands); the input gradient computed in the same pass shares
    /// the workers' scratch with them.
    func testWeightAndBiasGradientsMatchTheDirectSums() throws {
        var variants = [(false, 1 << 20), (false, 16)]   // (direct, band size): whole images, bands of a few rows
        if EngineRuntime.configuration.thinConvolutions { variants += [(true, 1 << 20), (true, 16)] }
        for (ci, h, w, k, p, co, bias) in shapes {
            for (direct, band) in variants {
                EngineRuntime.with({ $0.thinConvolutions = direct; $0.bandColumns = band; $0.thinGradientBandPixels = band }) {
                    let conv = Conv2d(ci, co, kernel: k, padding: p, bias: bias, rng: &rng)
                    let x = random([3, ci, h, w])
                    let y = conv.forward(x, training: true)
                    XCTAssertTrue(ThinConvolution.applies(conv.geometry(x.shape)) || ColumnBands(conv.geometry(x.shape))!.isThin)
                    let dy = random(y.shape)
                    let dx = conv.backward(dy, needInputGrad: h % 2 == 0)
                    let (dw, db) = directGradients(conv, x, dy)
                    let name = "\(ci)x\(h)x\(w) k\(k) p\(p) -> \(co), direct \(direct), bands of \(band)"
                    assertClose(conv.weight.grad.data, dw, rtol: 1e-4, atol: 1e-4, "weight, " + name)
                    if let b = conv.bias { assertClose(b.grad.data, db, rtol: 1e-4, atol: 1e-4, "bias, " + name) }
                    if h % 2 == 0 {
                        assertClose(dx.data, directInputGradient(conv, x, dy), rtol: 1e-4, atol: 1e-4, "input, " + name)
                    }
                }
            }
        }
    }

    func testFrozenWeightsStillGiveTheBiasGradient() throws {
        let conv = Conv2d(3, 5, kernel: 3, padding: 1, rng: &rng)
        conv.weight.trainable = false
        let x = random([2, 3, 6, 7])
        let dy = random(try conv.outputShape(for: x.shape))
        _ = conv.forward(x, training: true)
        _ = conv.backward(dy, needInputGrad: false)
        assertClose(conv.bias!.grad.data, directGradients(conv, x, dy).1, rtol: 1e-5, atol: 1e-5, "bias")
        XCTAssertEqual(conv.weight.grad.data, [Float](repeating: 0, count: conv.weight.value.count))
    }
}
