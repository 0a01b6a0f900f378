// Batch normalisation over (N, C, H, W) (BatchNorm2d) or (N, C) (BatchNorm1d) with PyTorch semantics:
// training mode normalises with the biased batch variance and updates the running statistics with
// momentum 0.1 and the unbiased variance; eval mode normalises with the running statistics.
#if canImport(Glibc)
import Glibc
#endif
import FCDDKernels

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
        let n = x.batch, c = channels, plane = x.itemCount / c
        let m = n * plane
        var mean = [Float](repeating: 0, count: c), inv = [Float](repeating: 0, count: c)
        var variance = [Double](repeating: 0, count: c)  // biased batch variance per channel
        let eps = self.eps, activation = fusedActivation
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
                        let planes = ChannelPlanes(images: n, channels: c, channel: ch, plane: plane)
                        if training {
                            let stats = channelStatistics(xb, planes)
                            varb[ch] = stats.variance
                            meanb[ch] = Float(stats.mean)
                            invb[ch] = Float(1.0 / (stats.variance + Double(eps)).squareRoot())
                        }
                        normalizeChannel(xb, yb, planes, mean: meanb[ch], scale: gamma[ch] * invb[ch], shift: beta[ch],
                                         activation: activation)
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
        if fusedActivation != nil { output = y }
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
    private func backward(_ db: UnsafePointer<Float>, _ shape: [Int], into dxb: UnsafeMutablePointer<Float>?) {
        guard let x = input else { preconditionFailure("BatchNorm.backward without forward") }
        let y = output ?? x   // only read by a fused activation's mask
        let n = shape[0], c = channels, plane = shape.dropFirst().reduce(1, *) / c
        let m = Double(n * plane)
        var sumDy = [Double](repeating: 0, count: c), sumDyXh = [Double](repeating: 0, count: c)
        let gamma = weight?.value.data ?? [Float](repeating: 1, count: c)
        let mean = self.mean, invStd = self.invStd, training = lastWasTraining, activation = fusedActivation
        x.data.withUnsafeBufferPointer { xp in
        y.data.withUnsafeBufferPointer { yp in
        sumDy.withUnsafeMutableBufferPointer { sdp in
        sumDyXh.withUnsafeMutableBufferPointer { sdxp in
            let xb = xp.baseAddress!, yb = yp.baseAddress!
            let sdb = sdp.baseAddress!, sdxb = sdxp.baseAddress!
            Parallel.forEachChunk(c) { _, channelRange in
                for ch in channelRange {
                    let planes = ChannelPlanes(images: n, channels: c, channel: ch, plane: plane)
                    let mu = mean[ch], iv = invStd[ch]
                    let (sDy, sDyXc) = channelGradientSums(db, xb, output: yb, planes, mean: mu, activation: activation)
                    sdb[ch] = sDy
                    sdxb[ch] = sDyXc * Double(iv)   // sum of dy * xhat
                    guard let dxb else { continue }
                    // d/dx of (x - mean) * invStd with batch statistics:
                    // dx = g*invStd * (dy - mean(dy) - xhat * mean(dy*xhat)); eval mode: g*invStd*dy.
                    channelInputGradient(db, xb, output: yb, dxb, planes, scale: gamma[ch] * iv,
                                         meanDy: training ? Float(sDy / m) : 0, mean: mu,
                                         xcScale: training ? Float(sDyXc * Double(iv) / m) * iv : 0, activation: activation)
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
