import XCTest
@testable import FCDDCore
@testable import FCDDKernels

/// The speed paths against plain definitions: Winograd 3x3 and 5x5 convolutions against a direct sum (sizes
/// with odd edges, tails of the eight-tile groups, single pixels), BatchNorm fused with its
/// activation against the two layers run separately (bit for bit), and the vectorised 2x2 max pool
/// against the scan-order rule.
final class FastPathTests: XCTestCase {
    var rng = RandomSource(seed: 11)

    func random(_ shape: [Int]) -> Tensor {
        var t = Tensor(zeros: shape)
        for i in 0..<t.count { t.data[i] = Float(rng.uniform(-1, 1)) }
        return t
    }

    /// y[n, o, r, c] = b[o] + sum over i, kh, kw of w[o, i, kh, kw] x[n, i, r + kh - p, c + kw - p]
    /// ('same' padding p = (k - 1) / 2 of a k x k kernel).
    func directConvolution(_ x: Tensor, _ w: Tensor, _ b: [Float]?) -> Tensor {
        let n = x.shape[0], ci = x.shape[1], h = x.shape[2], wd = x.shape[3], co = w.shape[0]
        let k = w.shape[2], p = (k - 1) / 2
        var y = Tensor(zeros: [n, co, h, wd])
        for s in 0..<n { for o in 0..<co { for r in 0..<h { for c in 0..<wd {
            var acc = Double(b?[o] ?? 0)
            for i in 0..<ci { for kh in 0..<k { for kw in 0..<k {
                let rr = r + kh - p, cc = c + kw - p
                guard rr >= 0, rr < h, cc >= 0, cc < wd else { continue }
                acc += Double(w.data[((o * ci + i) * k + kh) * k + kw]) * Double(x.data[((s * ci + i) * h + rr) * wd + cc])
            }}}
            y.data[((s * co + o) * h + r) * wd + c] = Float(acc)
        }}}}
        return y
    }

    /// dx[n, i, r, c] = sum over o, kh, kw of w[o, i, kh, kw] dy[n, o, r - kh + p, c - kw + p] (stride 1).
    func directInputGradient(_ dy: Tensor, _ w: Tensor, inChannels ci: Int, inH h: Int, inW wd: Int,
                             kernel k: Int = 3, padding p: Int = 1) -> Tensor {
        let n = dy.shape[0], co = dy.shape[1], oh = dy.shape[2], ow = dy.shape[3]
        var dx = Tensor(zeros: [n, ci, h, wd])
        for s in 0..<n { for i in 0..<ci { for r in 0..<h { for c in 0..<wd {
            var acc = 0.0
            for o in 0..<co { for kh in 0..<k { for kw in 0..<k {
                let rr = r - kh + p, cc = c - kw + p
                guard rr >= 0, rr < oh, cc >= 0, cc < ow else { continue }
                acc += Double(w.data[((o * ci + i) * k + kh) * k + kw]) * Double(dy.data[((s * co + o) * oh + rr) * ow + cc])
            }}}
            dx.data[((s * ci + i) * h + r) * wd + c] = Float(acc)
        }}}}
        return dx
    }

    func testWinogradConvolutionMatchesTheDirectSum() throws {
        for k in [3, 5] {
            try checkWinogradConvolution(kernel: k)
        }
    }

    func checkWinogradConvolution(kernel k: Int) throws {
        let cases = [(7, 9, true), (1, 1, false), (2, 2, true), (6, 34, false), (17, 3, true)] + (k == 5 ? [(14, 14, true)] : [])
        for (h, w, bias) in cases {
            let conv = Conv2d(16, 18, kernel: k, padding: (k - 1) / 2, bias: bias, rng: &rng)
            XCTAssertTrue(Winograd.applies(kernel: k, stride: 1, padding: (k - 1) / 2, inChannels: 16, outChannels: 18))
            let x = random([3, 16, h, w])
            let y = conv.forward(x, training: true)
            let expected = directConvolution(x, conv.weight.value, conv.bias?.value.data)
            assertClose(y.data, expected.data, rtol: 1e-4, atol: 1e-5, "forward \(k)x\(k), \(h)x\(w)")
            let dy = random(y.shape)
            let dx = conv.backward(dy, needInputGrad: true)
            let expectedDx = directInputGradient(dy, conv.weight.value, inChannels: 16, inH: h, inW: w,
                                                 kernel: k, padding: (k - 1) / 2)
            assertClose(dx.data, expectedDx.data, rtol: 1e-4, atol: 1e-5, "input gradient \(k)x\(k), \(h)x\(w)")
            // One image with several workers: they share each phase of its convolution, and the image
            // comes out bit for bit as it does in a batch (a server's answer equals the detector's).
            EngineRuntime.with({ $0.threads = 2 }) {
                let batch = conv.forward(x, training: false).items(0..<1).data
                let single = conv.forward(x.items(0..<1), training: false)
                assertClose(single.data, expected.items(0..<1).data, rtol: 1e-4, atol: 1e-5, "one image \(k)x\(k), \(h)x\(w)")
                XCTAssertEqual(single.data, batch, "one image alone and in a batch, \(k)x\(k), \(h)x\(w)")
            }
        }
    }

    /// The Winograd-transformed weights are kept between calls while the weights stay the same, and made
    /// again when they change in place (an optimiser step), are replaced (loaded weights), or when a
    /// backward pass needed the flipped form in between.
    func testTransformedWeightsFollowEveryChangeOfTheWeights() throws {
        let conv = Conv2d(16, 16, kernel: 3, padding: 1, bias: true, rng: &rng)
        let x = random([2, 16, 6, 6])
        func check(_ what: String) {
            let y = conv.forward(x, training: false)
            let expected = directConvolution(x, conv.weight.value, conv.bias?.value.data)
            assertClose(y.data, expected.data, rtol: 1e-4, atol: 1e-5, what)
        }
        check("first call")
        check("second call, kept weights")
        conv.weight.value.data.withUnsafeMutableBufferPointer { w in for k in w.indices { w[k] *= -0.5 } }
        check("after an in-place change")
        conv.weight.value.data[7] += 3
        check("after one element changed")
        conv.weight.value = random(conv.weight.value.shape)
        check("after the weights were replaced")
        let y = conv.forward(x, training: true)
        _ = conv.backward(random(y.shape), needInputGrad: true)   // derives the transposed, flipped form
        check("after a backward pass")
    }

    func testStride1InputGradientByFlippedWeightsMatchesTheDirectSum() throws {
        for (k, p, h, w) in [(5, 2, 14, 14), (5, 0, 9, 7), (3, 2, 5, 6), (2, 1, 4, 5)] {
            let conv = Conv2d(3, 4, kernel: k, padding: p, rng: &rng)
            let x = random([2, 3, h, w])
            let y = conv.forward(x, training: true)
            let dy = random(y.shape)
            let dx = conv.backward(dy, needInputGrad: true)
            let expected = directInputGradient(dy, conv.weight.value, inChannels: 3, inH: h, inW: w, kernel: k, padding: p)
            assertClose(dx.data, expected.data, rtol: 1e-4, atol: 1e-5, "k \(k) p \(p) \(h)x\(w)")
        }
    }

    func testLargeImagesUnfoldedInBandsGiveTheSameConvolution() throws {
        for (h, w) in [(9, 11), (13, 8)] {
            let x = random([2, 3, h, w])
            let dy = Tensor(shape: [2, 6, h, w], data: (0..<(2 * 6 * h * w)).map { Float(($0 * 37) % 11) - 5 })
            var weightGradients = [[Float]]()
            for bandColumns in [1 << 20, 16, 40] {   // whole images, bands of 1 row, bands of 3-5 rows
                EngineRuntime.with({ $0.bandColumns = bandColumns }) {
                    var seeded = RandomSource(seed: 5)   // the same weights each time
                    let conv = Conv2d(3, 6, kernel: 3, padding: 1, rng: &seeded)
                    let y = conv.forward(x, training: true)
                    let expected = directConvolution(x, conv.weight.value, conv.bias?.value.data)
                    assertClose(y.data, expected.data, rtol: 1e-4, atol: 1e-5, "forward \(h)x\(w), \(bandColumns)")
                    _ = conv.backward(dy, needInputGrad: false)
                    weightGradients.append(conv.weight.grad.data)
                }
            }
            for dw in weightGradients.dropFirst() {
                assertClose(dw, weightGradients[0], rtol: 1e-5, atol: 1e-5, "weight gradient \(h)x\(w)")
            }
        }
    }

    func testBatchNormFusedWithItsActivationEqualsTheSeparateLayers() throws {
        for makeActivation in [{ ReLU() as Layer }, { LeakyReLU(slope: 0.01) as Layer }] {
            let separate: [Layer] = [BatchNorm(5, eps: 1e-4), makeActivation()]
            let fused: [Layer] = [BatchNorm(5, eps: 1e-4), makeActivation()]
            Network.planFusion(fused)
            XCTAssertNotNil((fused[0] as! BatchNorm).fusedActivation)
            for training in [true, false] {
                var x = random([4, 5, 6, 7])
                x.data[3] = 0   // values at the kink
                var outputs = [Tensor](), gradients = [Tensor]()
                for layers in [separate, fused] {
                    let y = layers[1].forward(layers[0].forward(x, training: training), training: training)
                    var g = Tensor(shape: y.shape, data: (0..<y.count).map { Float(($0 * 7919) % 13) - 6 })
                    for layer in layers.reversed() { Network.backwardStep(layer, &g, needInputGrad: true) }
                    outputs.append(y)
                    gradients.append(g)
                }
                XCTAssertEqual(outputs[0].data, outputs[1].data, "forward, training \(training)")
                XCTAssertEqual(gradients[0].data, gradients[1].data, "input gradient, training \(training)")
                let norms = [separate[0], fused[0]].map { $0.parameters.map { $0.grad.data } }
                XCTAssertEqual(norms[0], norms[1], "parameter gradients")
            }
        }
    }

    func testInPlaceBackwardLeavesAGradientOthersHoldUntouched() {
        let relu = ReLU()
        _ = relu.forward(Tensor(shape: [1, 4], data: [-1, 2, -3, 4]), training: true)
        var g = Tensor(shape: [1, 4], data: [1, 1, 1, 1])
        let held = g
        Network.backwardStep(relu, &g, needInputGrad: true)
        XCTAssertEqual(g.data, [0, 1, 0, 1])
        XCTAssertEqual(held.data, [1, 1, 1, 1])
    }

    /// The vectorised 2x2 max pool against the scan-order rule: first maximum wins on ties, a NaN ends
    /// the scan of its row; values (bit for bit, NaN included) and the routed gradients.
    func testTwoByTwoMaxPoolInVectorsFollowsTheScanOrderRule() {
        for (h, w) in [(2, 2), (4, 14), (3, 16), (6, 23), (2, 34), (5, 40)] {
            var x = Tensor(zeros: [2, 3, h, w])
            for i in 0..<x.count {
                let u = rng.uniform(0, 1)
                x.data[i] = u < 0.05 ? .nan : u < 0.1 ? -.infinity : Float(Int(u * 5))   // ties and NaNs
            }
            let pool = MaxPool2d(kernel: 2)
            let y = pool.forward(x, training: true)
            let dy = Tensor(shape: y.shape, data: (0..<y.count).map { Float($0 + 1) })
            let dx = pool.backward(dy, needInputGrad: true)
            let oh = h / 2, ow = w / 2
            var expectedDx = [Float](repeating: 0, count: x.count)
            for plane in 0..<6 {
                for r in 0..<oh { for q in 0..<ow {
                    // The general loop's scan: rows top to bottom, a NaN ends its row.
                    var best = -Float.infinity, at = -1
                    for kh in 0..<2 {
                        for kw in 0..<2 {
                            let index = plane * h * w + (2 * r + kh) * w + 2 * q + kw
                            let v = x.data[index]
                            if v > best || v.isNaN || at < 0 { best = v; at = index }
                            if v.isNaN { break }
                        }
                    }
                    let o = plane * oh * ow + r * ow + q
                    XCTAssertEqual(y.data[o].bitPattern, best.bitPattern, "\(h)x\(w) output \(o)")
                    expectedDx[at] += dy.data[o]
                }}
            }
            XCTAssertEqual(dx.data, expectedDx, "\(h)x\(w) gradient routing")
        }
    }
}
