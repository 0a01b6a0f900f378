// Batch normalisation over (N, C, H, W) (BatchNorm2d) or (N, C) (BatchNorm1d) with PyTorch semantics:
// training mode normalises with the biased batch variance and updates the running statistics with
// momentum 0.1 and the unbiased variance; eval mode normalises with the running statistics.
#if canImport(Glibc)
import Glibc
#endif

public final class BatchNorm: Layer, KeepsOutput, CachesInput, CachesOutput, BackwardInPlace, PooledInputGradient {
    var keepsLargeOutput = false
    /// The activation applied to the output, when the network fused the following layer (FusedActivation.swift).
    var fusedActivation: FusedActivation?
    var cachesOutput: Bool { fusedActivation != nil }
    public let channels: Int
    public let eps: Float
    public let momentum: Float
    public let weight: Parameter?          // (C), gamma; absent when affine = false
    public let bias: Parameter?            // (C), beta
    public let runningMean: Buffer         // (C)
    public let runningVar: Buffer          // (C)
    public let batchesTracked: Buffer      // scalar, int64 in PyTorch
    private var input: Tensor?             // (N, C, H, W) or (N, C), cached for backward
    private var output: Tensor?            // cached when fused: the activation's gradient mask
    private var mean: [Float] = []         // (C) mean used in the last forward
    private var invStd: [Float] = []       // (C) 1/sqrt(var + eps) used in the last forward
    private var lastWasTraining = false
    private var outputStorage = ReusableArray<Float>()   // reused across calls
    var gradientStorage = GradientStorage()

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

    // Both passes run over channel chunks in parallel; the normalised input is recomputed in backward
    // from the cached input and statistics rather than stored, which saves a tensor-sized write.

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        output = nil   // hand the previous output back to its storage
        let y: Tensor
        switch fusedActivation {
        case nil: y = forward(x, training: training, IdentityKernel())
        case .relu: y = forward(x, training: training, ReLUKernel())
        case .leakyReLU(let slope): y = forward(x, training: training, LeakyReLUKernel(slope: slope))
        }
        if fusedActivation != nil { output = y }
        return y
    }

    private func forward<K: ActivationKernel>(_ x: Tensor, training: Bool, _ activation: K) -> Tensor {
        let n = x.batch, c = channels, plane = x.itemCount / c
        let m = n * plane
        var mean = [Float](repeating: 0, count: c), inv = [Float](repeating: 0, count: c)
        var variance = [Double](repeating: 0, count: c)  // biased batch variance per channel
        let eps = self.eps
        if !training {
            for ch in 0..<c {
                mean[ch] = runningMean.value.data[ch]
                inv[ch] = 1 / (runningVar.value.data[ch] + eps).squareRoot()
            }
        }
        let gamma = weight?.value.data ?? [Float](repeating: 1, count: c)
        let beta = bias?.value.data ?? [Float](repeating: 0, count: c)
        let y = x.data.withUnsafeBufferPointer { xp in
        mean.withUnsafeMutableBufferPointer { meanp in
        inv.withUnsafeMutableBufferPointer { invp in
        variance.withUnsafeMutableBufferPointer { varp in
            let xb = xp.baseAddress!, meanb = meanp.baseAddress!, invb = invp.baseAddress!, varb = varp.baseAddress!
            return outputStorage.tensor(x.shape, keepLarge: keepsLargeOutput) { yb, _ in
                Parallel.forEachChunk(c) { _, channelRange in
                    for ch in channelRange {
                        if training {
                            // Two-pass statistics, accumulated in double precision across planes.
                            var s = 0.0
                            for i in 0..<n { s += blockSum(xb + (i * c + ch) * plane, plane) }
                            let mu = s / Double(m)
                            var q = 0.0
                            for i in 0..<n { q += centredSquareSum(xb + (i * c + ch) * plane, plane, mu) }
                            varb[ch] = q / Double(m)
                            meanb[ch] = Float(mu)
                            invb[ch] = Float(1.0 / (q / Double(m) + Double(eps)).squareRoot())
                        }
                        let scale = gamma[ch] * invb[ch], mu = meanb[ch], shift = beta[ch]
                        for i in 0..<n {
                            let base = (i * c + ch) * plane
                            let src = xb + base, dst = yb + base
                            for k in 0..<plane { dst[k] = activation.apply((src[k] - mu) * scale + shift) }
                        }
                    }
                }
            }
        }}}}
        if training {
            for ch in 0..<c {
                let unbiased = m > 1 ? variance[ch] * Double(m) / Double(m - 1) : variance[ch]
                runningMean.value.data[ch] = (1 - momentum) * runningMean.value.data[ch] + momentum * mean[ch]
                runningVar.value.data[ch] = (1 - momentum) * runningVar.value.data[ch] + momentum * Float(unbiased)
            }
            batchesTracked.value.data[0] += 1
        }
        input = x
        self.mean = mean
        invStd = inv
        lastWasTraining = training
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        guard needInputGrad else {
            dy.data.withUnsafeBufferPointer { dp in backward(dp.baseAddress!, dy.shape, into: nil) }
            return Tensor(zeros: [0])
        }
        return dy.data.withUnsafeBufferPointer { dp in
            gradientStorage.tensor(dy.shape) { dxb, _ in backward(dp.baseAddress!, dy.shape, into: dxb) }
        }
    }

    /// Writes the input gradient over `dy` when `dy` is the only owner of its storage.
    func backward(inPlace dy: inout Tensor, needInputGrad: Bool) {
        guard needInputGrad, isUniquelyReferenced(&dy.data) else {
            dy = backward(dy, needInputGrad: needInputGrad)
            return
        }
        let shape = dy.shape
        dy.data.withUnsafeMutableBufferPointer { p in backward(p.baseAddress!, shape, into: p.baseAddress!) }
    }

    /// Accumulates the parameter gradients and writes the input gradient to `dx` (which may be `dy`).
    private func backward(_ dy: UnsafePointer<Float>, _ shape: [Int], into dx: UnsafeMutablePointer<Float>?) {
        guard let x = input else { preconditionFailure("BatchNorm.backward without forward") }
        let y = output ?? x   // only read by a fused activation's mask
        switch fusedActivation {
        case nil: backward(dy, x, y, shape, into: dx, IdentityKernel())
        case .relu: backward(dy, x, y, shape, into: dx, ReLUKernel())
        case .leakyReLU(let slope): backward(dy, x, y, shape, into: dx, LeakyReLUKernel(slope: slope))
        }
    }

    private func backward<K: ActivationKernel>(_ db: UnsafePointer<Float>, _ x: Tensor, _ y: Tensor, _ shape: [Int],
                                               into dxb: UnsafeMutablePointer<Float>?, _ activation: K) {
        let n = shape[0], c = channels, plane = shape.dropFirst().reduce(1, *) / c
        let m = Double(n * plane)
        var sumDy = [Double](repeating: 0, count: c), sumDyXh = [Double](repeating: 0, count: c)
        let gamma = weight?.value.data ?? [Float](repeating: 1, count: c)
        let mean = self.mean, invStd = self.invStd, training = lastWasTraining
        x.data.withUnsafeBufferPointer { xp in
        y.data.withUnsafeBufferPointer { yp in
        sumDy.withUnsafeMutableBufferPointer { sdp in
        sumDyXh.withUnsafeMutableBufferPointer { sdxp in
            let xb = xp.baseAddress!, yb = yp.baseAddress!
            let sdb = sdp.baseAddress!, sdxb = sdxp.baseAddress!
            Parallel.forEachChunk(c) { _, channelRange in
                for ch in channelRange {
                    let mu = mean[ch], iv = invStd[ch]
                    var sDy = 0.0, sDyXc = 0.0
                    for i in 0..<n {
                        let base = (i * c + ch) * plane
                        let sums = gradientSums(db + base, xb + base, plane, mu, activation, output: yb + base)
                        sDy += sums.dy; sDyXc += sums.dyCentred
                    }
                    sdb[ch] = sDy
                    sdxb[ch] = sDyXc * Double(iv)   // sum of dy * xhat
                    guard let dxb else { continue }
                    let scale = gamma[ch] * iv
                    // d/dx of (x - mean) * invStd with batch statistics:
                    // dx = g*invStd * (dy - mean(dy) - xhat * mean(dy*xhat)); eval mode: g*invStd*dy.
                    let meanDy = training ? Float(sDy / m) : 0
                    let xcScale = training ? Float(sDyXc * Double(iv) / m) * iv : 0
                    for i in 0..<n {
                        let base = (i * c + ch) * plane
                        let g = db + base, xs = xb + base, ys = yb + base, out = dxb + base
                        for k in 0..<plane {
                            let masked = activation.gradient(g[k], output: ys[k])
                            out[k] = scale * (masked - meanDy - (xs[k] - mu) * xcScale)
                        }
                    }
                }
            }
        }}}}
        for ch in 0..<c {
            if let w = weight, w.trainable { w.grad.data[ch] += Float(sumDyXh[ch]) }
            if let b = bias, b.trainable { b.grad.data[ch] += Float(sumDy[ch]) }
        }
    }

    public func clearCache() { input = nil; output = nil }
}
