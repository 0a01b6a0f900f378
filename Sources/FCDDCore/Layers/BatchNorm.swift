// Batch normalisation over (N, C, H, W) (BatchNorm2d) or (N, C) (BatchNorm1d) with PyTorch semantics:
// training mode normalises with the biased batch variance and updates the running statistics with
// momentum 0.1 and the unbiased variance; eval mode normalises with the running statistics.
#if canImport(Glibc)
import Glibc
#endif

public final class BatchNorm: Layer {
    public let channels: Int
    public let eps: Float
    public let momentum: Float
    public let weight: Parameter?          // (C), gamma; absent when affine = false
    public let bias: Parameter?            // (C), beta
    public let runningMean: Buffer         // (C)
    public let runningVar: Buffer          // (C)
    public let batchesTracked: Buffer      // scalar, int64 in PyTorch
    private var xhat: Tensor?              // normalised input, cached for backward
    private var invStd: [Float] = []       // (C) 1/sqrt(var + eps) used in the last forward
    private var lastWasTraining = false

    public init(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1, affine: Bool = true) {
        self.channels = channels; self.eps = eps; self.momentum = momentum
        weight = affine ? Parameter("weight", Tensor(repeating: 1, shape: [channels])) : nil
        bias = affine ? Parameter("bias", Tensor(zeros: [channels])) : nil
        runningMean = Buffer("running_mean", Tensor(zeros: [channels]))
        runningVar = Buffer("running_var", Tensor(repeating: 1, shape: [channels]))
        batchesTracked = Buffer("num_batches_tracked", Tensor(zeros: []), isInteger: true)
    }

    public var parameters: [Parameter] { [weight, bias].compactMap { $0 } }
    public var buffers: [Buffer] { [runningMean, runningVar, batchesTracked] }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == 2 || input.count == 4, input[1] == channels else {
            throw EngineError.shapeMismatch("BatchNorm(\(channels)) expects (N, \(channels)) or (N, \(channels), H, W), got \(input)")
        }
        return input
    }

    /// Number of values per channel in one batch; BatchNorm in training mode needs more than one.
    public static func valuesPerChannel(_ shape: [Int]) -> Int {
        shape.count == 4 ? shape[0] * shape[2] * shape[3] : shape[0]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = x.batch, c = channels, plane = x.itemCount / c
        let m = n * plane
        var y = Tensor(zeros: x.shape)
        var xh = Tensor(zeros: x.shape)
        var mean = [Float](repeating: 0, count: c), inv = [Float](repeating: 0, count: c)
        x.data.withUnsafeBufferPointer { xp in
            for ch in 0..<c {
                if training {
                    // Two-pass statistics in double precision: the mean first, then centred squares.
                    var s = 0.0
                    for i in 0..<n {
                        let base = (i * c + ch) * plane
                        for k in 0..<plane { s += Double(xp[base + k]) }
                    }
                    let mu = s / Double(m)
                    var q = 0.0
                    for i in 0..<n {
                        let base = (i * c + ch) * plane
                        for k in 0..<plane { let d = Double(xp[base + k]) - mu; q += d * d }
                    }
                    let biasedVar = q / Double(m)
                    let unbiased = m > 1 ? q / Double(m - 1) : biasedVar
                    mean[ch] = Float(mu)
                    inv[ch] = Float(1.0 / (biasedVar + Double(eps)).squareRoot())
                    runningMean.value.data[ch] = (1 - momentum) * runningMean.value.data[ch] + momentum * Float(mu)
                    runningVar.value.data[ch] = (1 - momentum) * runningVar.value.data[ch] + momentum * Float(unbiased)
                } else {
                    mean[ch] = runningMean.value.data[ch]
                    inv[ch] = 1 / (runningVar.value.data[ch] + eps).squareRoot()
                }
            }
        }
        x.data.withUnsafeBufferPointer { xp in
        y.data.withUnsafeMutableBufferPointer { yp in
        xh.data.withUnsafeMutableBufferPointer { hp in
            for ch in 0..<c {
                let g = weight?.value.data[ch] ?? 1, b = bias?.value.data[ch] ?? 0
                let mu = mean[ch], iv = inv[ch]
                for i in 0..<n {
                    let base = (i * c + ch) * plane
                    for k in 0..<plane {
                        let h = (xp[base + k] - mu) * iv
                        hp[base + k] = h
                        yp[base + k] = h * g + b
                    }
                }
            }
        }}}
        if training { batchesTracked.value.data[0] += 1 }
        xhat = xh
        invStd = inv
        lastWasTraining = training
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        guard let xh = xhat else { preconditionFailure("BatchNorm.backward without forward") }
        let n = dy.batch, c = channels, plane = dy.itemCount / c
        let m = Float(n * plane)
        var dx = Tensor(zeros: needInputGrad ? dy.shape : [0])
        dy.data.withUnsafeBufferPointer { dp in
        xh.data.withUnsafeBufferPointer { hp in
        dx.data.withUnsafeMutableBufferPointer { dxp in
            for ch in 0..<c {
                var sumDy = 0.0, sumDyXh = 0.0
                for i in 0..<n {
                    let base = (i * c + ch) * plane
                    for k in 0..<plane {
                        sumDy += Double(dp[base + k])
                        sumDyXh += Double(dp[base + k] * hp[base + k])
                    }
                }
                if let w = weight, w.trainable { w.grad.data[ch] += Float(sumDyXh) }
                if let b = bias, b.trainable { b.grad.data[ch] += Float(sumDy) }
                guard needInputGrad else { continue }
                let g = weight?.value.data[ch] ?? 1
                let scale = g * invStd[ch]
                if lastWasTraining {
                    // d/dx of (x - mean) * invStd with batch statistics:
                    // dx = g*invStd * (dy - mean(dy) - xhat * mean(dy*xhat))
                    let meanDy = Float(sumDy) / m, meanDyXh = Float(sumDyXh) / m
                    for i in 0..<n {
                        let base = (i * c + ch) * plane
                        for k in 0..<plane {
                            dxp[base + k] = scale * (dp[base + k] - meanDy - hp[base + k] * meanDyXh)
                        }
                    }
                } else {
                    for i in 0..<n {
                        let base = (i * c + ch) * plane
                        for k in 0..<plane { dxp[base + k] = scale * dp[base + k] }
                    }
                }
            }
        }}}
        return dx
    }

    public func clearCache() { xhat = nil }
}
