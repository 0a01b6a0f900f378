// Layers that move values without arithmetic: nearest 2x upsampling, flatten, view, and adaptive
// average pooling (which torchvision's VGG puts between its features and its classifier).

/// Nearest-neighbour upsampling by 2 (F.interpolate(scale_factor=2), mode "nearest").
public final class UpsampleNearest2x: Layer {
    public init() {}
    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == 4 else { throw EngineError.shapeMismatch("Upsample expects (N, C, H, W), got \(input)") }
        return [input[0], input[1], input[2] * 2, input[3] * 2]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let planes = x.shape[0] * x.shape[1], h = x.shape[2], w = x.shape[3]
        var y = Tensor(zeros: [x.shape[0], x.shape[1], 2 * h, 2 * w])
        x.data.withUnsafeBufferPointer { xp in
        y.data.withUnsafeMutableBufferPointer { yp in
            for p in 0..<planes {
                for r in 0..<(2 * h) {
                    let src = p * h * w + (r / 2) * w, dst = (p * 2 * h + r) * 2 * w
                    for q in 0..<(2 * w) { yp[dst + q] = xp[src + q / 2] }
                }
            }
        }}
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        let planes = dy.shape[0] * dy.shape[1], h = dy.shape[2] / 2, w = dy.shape[3] / 2
        var dx = Tensor(zeros: [dy.shape[0], dy.shape[1], h, w])
        dy.data.withUnsafeBufferPointer { dp in
        dx.data.withUnsafeMutableBufferPointer { xp in
            for p in 0..<planes {
                for r in 0..<(2 * h) {
                    let dst = p * h * w + (r / 2) * w, src = (p * 2 * h + r) * 2 * w
                    for q in 0..<(2 * w) { xp[dst + q / 2] += dp[src + q] }
                }
            }
        }}
        return dx
    }
}

/// Reshapes each batch item to `itemShape` (flatten: `[C*H*W]`; view: `[C, H, W]`).
public final class Reshape: Layer {
    public let itemShape: [Int]
    private var inputShape: [Int] = []
    public init(_ itemShape: [Int]) { self.itemShape = itemShape }

    public func outputShape(for input: [Int]) throws -> [Int] {
        let have = input.dropFirst().reduce(1, *), want = itemShape.reduce(1, *)
        guard have == want else {
            throw EngineError.shapeMismatch("cannot view \(Array(input.dropFirst())) (\(have) values) as \(itemShape)")
        }
        return [input[0]] + itemShape
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        inputShape = x.shape
        return x.reshaped([x.batch] + itemShape)
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor { dy.reshaped(inputShape) }
}

/// Adaptive average pooling to `outH x outW` with PyTorch's bins [floor(i*H/oh), ceil((i+1)*H/oh)).
public final class AdaptiveAvgPool2d: Layer {
    public let outH: Int, outW: Int
    private var inputShape: [Int] = []
    public init(_ outH: Int, _ outW: Int) { self.outH = outH; self.outW = outW }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == 4 else { throw EngineError.shapeMismatch("AdaptiveAvgPool2d expects (N, C, H, W), got \(input)") }
        return [input[0], input[1], outH, outW]
    }

    private func bins(_ i: Int, _ inSize: Int, _ outSize: Int) -> Range<Int> {
        (i * inSize / outSize)..<(((i + 1) * inSize + outSize - 1) / outSize)
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        inputShape = x.shape
        let planes = x.shape[0] * x.shape[1], h = x.shape[2], w = x.shape[3]
        var y = Tensor(zeros: [x.shape[0], x.shape[1], outH, outW])
        for p in 0..<planes {
            for r in 0..<outH {
                let rows = bins(r, h, outH)
                for q in 0..<outW {
                    let cols = bins(q, w, outW)
                    var s: Float = 0
                    for i in rows { for j in cols { s += x.data[p * h * w + i * w + j] } }
                    y.data[(p * outH + r) * outW + q] = s / Float(rows.count * cols.count)
                }
            }
        }
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        let planes = inputShape[0] * inputShape[1], h = inputShape[2], w = inputShape[3]
        var dx = Tensor(zeros: inputShape)
        for p in 0..<planes {
            for r in 0..<outH {
                let rows = bins(r, h, outH)
                for q in 0..<outW {
                    let cols = bins(q, w, outW)
                    let g = dy.data[(p * outH + r) * outW + q] / Float(rows.count * cols.count)
                    for i in rows { for j in cols { dx.data[p * h * w + i * w + j] += g } }
                }
            }
        }
        return dx
    }
}
