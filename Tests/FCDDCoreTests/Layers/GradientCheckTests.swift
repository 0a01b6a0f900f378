import XCTest
@testable import FCDDCore

/// Central finite differences for every layer type: the analytic input and parameter gradients of
/// `sum(w * layer(x))` (w a fixed random weighting) must match numeric derivatives. Inputs are drawn
/// away from kinks (ReLU at 0, pooling ties) so that the numeric derivative is well defined.
final class GradientCheckTests: XCTestCase {
    var rng = RandomSource(seed: 7)

    /// Values in ±[0.1, 1] with distinct magnitudes, so no ReLU kink or pooling tie is within reach of eps.
    func input(_ shape: [Int]) -> Tensor {
        var t = Tensor(zeros: shape)
        let count = t.count
        var magnitudes = (0..<count).map { 0.1 + 0.9 * Float($0) / Float(max(count, 1)) }
        for i in stride(from: count - 1, to: 0, by: -1) {
            magnitudes.swapAt(i, Int(rng.next() % UInt64(i + 1)))
        }
        for i in 0..<count { t.data[i] = (rng.next() & 1 == 0 ? 1 : -1) * magnitudes[i] }
        return t
    }

    func objective(_ layer: Layer, _ x: Tensor, _ w: Tensor, training: Bool) -> Double {
        let y = layer.forward(x, training: training)
        var s = 0.0
        for i in 0..<y.count { s += Double(y.data[i]) * Double(w.data[i]) }
        return s
    }

    func check(_ layer: Layer, inputShape: [Int], training: Bool = true, eps: Float = 1e-2, tol: Double = 2e-2,
               file: StaticString = #filePath, line: UInt = #line) throws {
        let x = input(inputShape)
        let outShape = try layer.outputShape(for: inputShape)
        let w = input(outShape)
        for p in layer.parameters { p.zeroGrad() }
        _ = layer.forward(x, training: training)
        let dx = layer.backward(w, needInputGrad: true)
        // Parameter gradients are read before the numeric probes run more forwards.
        let analytic = layer.parameters.map { $0.grad.data }

        func numeric(_ get: () -> Float, _ set: (Float) -> Void) -> Double {
            let v = get()
            set(v + eps); let up = objective(layer, x, w, training: training)
            set(v - eps); let down = objective(layer, x, w, training: training)
            set(v)
            return (up - down) / (2 * Double(eps))
        }
        func compare(_ a: Float, _ n: Double, _ what: String) {
            let err = abs(Double(a) - n)
            XCTAssertLessThanOrEqual(err, tol * max(1, abs(n)), "\(type(of: layer)) \(what): analytic \(a) numeric \(n)",
                                     file: file, line: line)
        }
        var probe = x
        for i in stride(from: 0, to: x.count, by: max(1, x.count / 23)) {
            let base = probe.data[i]
            probe.data[i] = base + eps; let up = objective(layer, probe, w, training: training)
            probe.data[i] = base - eps; let down = objective(layer, probe, w, training: training)
            probe.data[i] = base
            compare(dx.data[i], (up - down) / (2 * Double(eps)), "d input[\(i)]")
        }
        for (k, p) in layer.parameters.enumerated() {
            for i in stride(from: 0, to: p.value.count, by: max(1, p.value.count / 17)) {
                let n = numeric({ p.value.data[i] }, { p.value.data[i] = $0 })
                compare(analytic[k][i], n, "d \(p.name)[\(i)]")
            }
        }
    }

    func testConv2d() throws {
        try check(Conv2d(3, 4, kernel: 3, stride: 1, padding: 1, rng: &rng), inputShape: [2, 3, 6, 6])
        try check(Conv2d(2, 3, kernel: 5, stride: 2, padding: 2, rng: &rng), inputShape: [2, 2, 7, 7])
        try check(Conv2d(4, 1, kernel: 1, bias: false, rng: &rng), inputShape: [3, 4, 5, 5])
    }

    func testConvTranspose2d() throws {
        try check(ConvTranspose2d(3, 2, kernel: 5, padding: 2, rng: &rng), inputShape: [2, 3, 4, 4])
        try check(ConvTranspose2d(2, 3, kernel: 3, stride: 2, padding: 1, outputPadding: 1, rng: &rng), inputShape: [2, 2, 3, 3])
        try check(ConvTranspose2d(2, 2, kernel: 5, padding: 3, rng: &rng), inputShape: [1, 2, 8, 8])
    }

    func testBatchNorm() throws {
        try check(BatchNorm(3, eps: 1e-4), inputShape: [4, 3, 3, 3], eps: 1e-3)
        try check(BatchNorm(5, eps: 1e-4), inputShape: [6, 5], eps: 1e-3)
        try check(BatchNorm(3, eps: 1e-4, affine: false), inputShape: [4, 3, 2, 2], eps: 1e-3)
        try check(BatchNorm(3), inputShape: [2, 3, 2, 2], training: false)
    }

    func testMaxPool() throws {
        try check(MaxPool2d(kernel: 2), inputShape: [2, 2, 6, 6])
        try check(MaxPool2d(kernel: 3, stride: 2, padding: 1), inputShape: [2, 2, 7, 7])
    }

    func testActivations() throws {
        try check(LeakyReLU(), inputShape: [2, 3, 4, 4], eps: 1e-2)
        try check(ReLU(), inputShape: [2, 3, 4, 4], eps: 1e-2)
        try check(Sigmoid(), inputShape: [2, 3, 4, 4], eps: 1e-2)
    }

    func testLinearAndReshaping() throws {
        try check(Linear(12, 5, rng: &rng), inputShape: [3, 12])
        try check(Linear(6, 4, bias: false, rng: &rng), inputShape: [2, 6])
        try check(UpsampleNearest2x(), inputShape: [2, 2, 3, 3])
        try check(Reshape([2, 3, 2]), inputShape: [2, 12])
        try check(AdaptiveAvgPool2d(3, 3), inputShape: [2, 2, 7, 7])
    }
}
