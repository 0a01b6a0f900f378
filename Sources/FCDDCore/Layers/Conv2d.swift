// 2-D convolution (PyTorch nn.Conv2d semantics, square kernels, groups = 1) by im2col + sgemm, one
// matrix product per image; images are split over the engine's workers, each with its own column
// buffer and its own partial weight gradient, so OpenBLAS runs single-threaded inside.

public final class Conv2d: Layer {
    public let inChannels: Int, outChannels: Int
    public let kernel: Int, stride: Int, padding: Int
    public let weight: Parameter          // (OC, C, K, K)
    public let bias: Parameter?           // (OC)
    private var input: Tensor?            // (N, C, H, W), cached for backward

    /// PyTorch default initialisation: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    /// fan_in = C*K*K (kaiming_uniform with a = sqrt(5)).
    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, rng: inout RandomSource) {
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
        let bound = 1.0 / Double(inChannels * kernel * kernel).squareRoot()
        weight = Parameter("weight", Initializer.uniform([outChannels, inChannels, kernel, kernel],
                                                         bound: bound, rng: &rng))
        self.bias = bias ? Parameter("bias", Initializer.uniform([outChannels], bound: bound, rng: &rng)) : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    func geometry(_ shape: [Int]) -> WindowGeometry {
        WindowGeometry(channels: inChannels, inH: shape[2], inW: shape[3],
                       kernel: kernel, stride: stride, padding: padding)
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == 4, input[1] == inChannels else {
            throw EngineError.shapeMismatch("Conv2d(\(inChannels)->\(outChannels)) expects (N, \(inChannels), H, W), got \(input)")
        }
        let g = geometry(input)
        guard g.outH >= 1, g.outW >= 1 else {
            throw EngineError.shapeMismatch("Conv2d kernel \(kernel) does not fit a \(input[2])x\(input[3]) input")
        }
        return [input[0], outChannels, g.outH, g.outW]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry(x.shape)
        let outChannels = self.outChannels
        let n = x.batch, ohw = g.colCols, inItem = x.itemCount
        var y = Tensor(zeros: [n, outChannels, g.outH, g.outW])
        let colSize = g.isPointwise ? 0 : g.colRows * ohw
        x.data.withUnsafeBufferPointer { xp in
        y.data.withUnsafeMutableBufferPointer { yp in
        weight.value.data.withUnsafeBufferPointer { wp in
            let xb = xp.baseAddress!, yb = yp.baseAddress!, wb = wp.baseAddress!
            Parallel.forEachChunk(n) { _, range in
                var col = [Float](repeating: 0, count: colSize)
                col.withUnsafeMutableBufferPointer { cp in
                    for i in range {
                        let xi = xb + i * inItem
                        var src = UnsafePointer(xi)
                        if colSize > 0 { im2col(xi, g, cp.baseAddress!); src = UnsafePointer(cp.baseAddress!) }
                        sgemm(transA: false, transB: false, m: outChannels, n: ohw, k: g.colRows,
                              a: wb, lda: g.colRows, b: src, ldb: ohw, beta: 0,
                              c: yb + i * outChannels * ohw, ldc: ohw)
                    }
                }
            }
        }}}
        if let b = bias { addChannelBias(&y, b.value) }
        input = x  // also in eval mode: gradient heatmaps backpropagate through eval-mode layers
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        guard let x = input else { preconditionFailure("Conv2d.backward without forward") }
        let g = geometry(x.shape)
        let outChannels = self.outChannels
        let n = x.batch, ohw = g.colCols, inItem = x.itemCount
        let wantW = weight.trainable
        if let b = bias, b.trainable { accumulateChannelSums(dy, into: &b.grad) }
        var dx = Tensor(zeros: needInputGrad ? x.shape : [0])
        if !wantW && !needInputGrad { return dx }
        let workers = min(n, Parallel.threads)
        let wCount = weight.value.count
        var partials = [[Float]](repeating: [], count: workers)
        let colSize = g.isPointwise ? 0 : g.colRows * ohw
        x.data.withUnsafeBufferPointer { xp in
        dy.data.withUnsafeBufferPointer { dyp in
        dx.data.withUnsafeMutableBufferPointer { dxp in
        weight.value.data.withUnsafeBufferPointer { wp in
        partials.withUnsafeMutableBufferPointer { pp in
            let xb = xp.baseAddress!, dyb = dyp.baseAddress!, wb = wp.baseAddress!
            let dxb = dxp.baseAddress, ppb = pp.baseAddress!
            Parallel.forEachChunk(n, maxWorkers: workers) { worker, range in
                var dw = [Float](repeating: 0, count: wantW ? wCount : 0)
                var col = [Float](repeating: 0, count: max(colSize, needInputGrad ? g.colRows * ohw : 0))
                col.withUnsafeMutableBufferPointer { cp in
                dw.withUnsafeMutableBufferPointer { dwp in
                    for i in range {
                        let xi = xb + i * inItem, dyi = dyb + i * outChannels * ohw
                        if wantW {
                            var src = UnsafePointer(xi)
                            if colSize > 0 { im2col(xi, g, cp.baseAddress!); src = UnsafePointer(cp.baseAddress!) }
                            // dW (OC, CKK) += dY (OC, OHW) * col^T (OHW, CKK)
                            sgemm(transA: false, transB: true, m: outChannels, n: g.colRows, k: ohw,
                                  a: dyi, lda: ohw, b: src, ldb: ohw, beta: 1, c: dwp.baseAddress!, ldc: g.colRows)
                        }
                        if needInputGrad, let dxb = dxb {
                            let dxi = dxb + i * inItem
                            if g.isPointwise {
                                sgemm(transA: true, transB: false, m: g.colRows, n: ohw, k: outChannels,
                                      a: wb, lda: g.colRows, b: dyi, ldb: ohw, beta: 0, c: dxi, ldc: ohw)
                            } else {
                                // dcol (CKK, OHW) = W^T (CKK, OC) * dY (OC, OHW), folded back onto dX.
                                sgemm(transA: true, transB: false, m: g.colRows, n: ohw, k: outChannels,
                                      a: wb, lda: g.colRows, b: dyi, ldb: ohw, beta: 0, c: cp.baseAddress!, ldc: ohw)
                                col2im(cp.baseAddress!, g, dxi)
                            }
                        }
                    }
                }}
                (ppb + worker).pointee = dw
            }
        }}}}}
        if wantW { addPartials(partials, into: &weight.grad) }
        return dx
    }

    public func clearCache() { input = nil }
}

/// Adds the per-worker partial weight gradients into the parameter's gradient.
func addPartials(_ partials: [[Float]], into grad: inout Tensor) {
    grad.data.withUnsafeMutableBufferPointer { gp in
        for part in partials where !part.isEmpty {
            for i in 0..<part.count { gp[i] += part[i] }
        }
    }
}

/// y[n, c, ...] += b[c]
func addChannelBias(_ y: inout Tensor, _ b: Tensor) {
    let n = y.batch, c = y.shape[1], plane = y.itemCount / max(c, 1)
    y.data.withUnsafeMutableBufferPointer { yp in
        for i in 0..<n {
            for ch in 0..<c {
                let v = b.data[ch], base = (i * c + ch) * plane
                for k in 0..<plane { yp[base + k] += v }
            }
        }
    }
}

/// g[c] += sum over n and spatial positions of dy[n, c, ...]
func accumulateChannelSums(_ dy: Tensor, into g: inout Tensor) {
    let n = dy.batch, c = dy.shape[1], plane = dy.itemCount / max(c, 1)
    dy.data.withUnsafeBufferPointer { dp in
        for ch in 0..<c {
            var s: Double = 0
            for i in 0..<n {
                let base = (i * c + ch) * plane
                var t: Float = 0
                for k in 0..<plane { t += dp[base + k] }
                s += Double(t)
            }
            g.data[ch] += Float(s)
        }
    }
}
