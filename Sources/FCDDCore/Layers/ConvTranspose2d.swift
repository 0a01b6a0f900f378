// Transposed 2-D convolution (PyTorch nn.ConvTranspose2d, square kernel, groups = 1, dilation 1).
// Forward is the input-gradient of a convolution: W^T times the image, folded with col2im.

public final class ConvTranspose2d: Layer {
    public let inChannels: Int, outChannels: Int
    public let kernel: Int, stride: Int, padding: Int, outputPadding: Int
    public let weight: Parameter          // (C, OC, K, K) as in PyTorch
    public let bias: Parameter?           // (OC)
    private var input: Tensor?

    /// PyTorch default initialisation; note that PyTorch takes fan_in from weight dimension 1, i.e.
    /// fan_in = OC*K*K for transposed convolutions.
    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                outputPadding: Int = 0, bias: Bool = true, rng: inout RandomSource) {
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding; self.outputPadding = outputPadding
        let bound = 1.0 / Double(outChannels * kernel * kernel).squareRoot()
        weight = Parameter("weight", Initializer.uniform([inChannels, outChannels, kernel, kernel],
                                                         bound: bound, rng: &rng))
        self.bias = bias ? Parameter("bias", Initializer.uniform([outChannels], bound: bound, rng: &rng)) : nil
    }

    /// torch.nn.init.xavier_uniform_ with `gain`: U(-b, b), b = gain*sqrt(6/(fan_in+fan_out)), where for
    /// the (C, OC, K, K) weight fan_in = OC*K*K and fan_out = C*K*K.
    public func xavierUniform(gain: Double, rng: inout RandomSource) {
        let kk = kernel * kernel
        let bound = gain * (6.0 / Double(outChannels * kk + inChannels * kk)).squareRoot()
        weight.value = Initializer.uniform(weight.value.shape, bound: bound, rng: &rng)
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    private func outSize(_ i: Int) -> Int { (i - 1) * stride - 2 * padding + kernel + outputPadding }

    /// The geometry of the equivalent forward convolution that maps the output back onto the input.
    private func geometry(_ shape: [Int]) -> WindowGeometry {
        WindowGeometry(channels: outChannels, inH: outSize(shape[2]), inW: outSize(shape[3]),
                       kernel: kernel, stride: stride, padding: padding, outH: shape[2], outW: shape[3])
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == 4, input[1] == inChannels else {
            throw EngineError.shapeMismatch("ConvTranspose2d(\(inChannels)->\(outChannels)) expects (N, \(inChannels), H, W), got \(input)")
        }
        let oh = outSize(input[2]), ow = outSize(input[3])
        guard oh >= 1, ow >= 1 else { throw EngineError.shapeMismatch("ConvTranspose2d output would be empty for \(input)") }
        return [input[0], outChannels, oh, ow]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let g = geometry(x.shape)
        let inChannels = self.inChannels
        let n = x.batch, ihw = x.shape[2] * x.shape[3], inItem = x.itemCount
        let outItem = outChannels * g.inH * g.inW
        var y = Tensor(zeros: [n, outChannels, g.inH, g.inW])
        x.data.withUnsafeBufferPointer { xp in
        y.data.withUnsafeMutableBufferPointer { yp in
        weight.value.data.withUnsafeBufferPointer { wp in
            let xb = xp.baseAddress!, yb = yp.baseAddress!, wb = wp.baseAddress!
            Parallel.forEachChunk(n) { _, range in
                var col = [Float](repeating: 0, count: g.colRows * ihw)
                col.withUnsafeMutableBufferPointer { cp in
                    for i in range {
                        // col (OC*K*K, IH*IW) = W^T (OC*K*K, C) * x (C, IH*IW)
                        sgemm(transA: true, transB: false, m: g.colRows, n: ihw, k: inChannels,
                              a: wb, lda: g.colRows, b: xb + i * inItem, ldb: ihw, beta: 0,
                              c: cp.baseAddress!, ldc: ihw)
                        col2im(cp.baseAddress!, g, yb + i * outItem)
                    }
                }
            }
        }}}
        if let b = bias { addChannelBias(&y, b.value) }
        input = x
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        guard let x = input else { preconditionFailure("ConvTranspose2d.backward without forward") }
        let g = geometry(x.shape)
        let inChannels = self.inChannels
        let n = x.batch, ihw = x.shape[2] * x.shape[3], inItem = x.itemCount
        let outItem = dy.itemCount
        let wantW = weight.trainable
        if let b = bias, b.trainable { accumulateChannelSums(dy, into: &b.grad) }
        var dx = Tensor(zeros: needInputGrad ? x.shape : [0])
        if !wantW && !needInputGrad { return dx }
        let workers = min(n, Parallel.threads)
        let wCount = weight.value.count
        var partials = [[Float]](repeating: [], count: workers)
        x.data.withUnsafeBufferPointer { xp in
        dy.data.withUnsafeBufferPointer { dyp in
        dx.data.withUnsafeMutableBufferPointer { dxp in
        weight.value.data.withUnsafeBufferPointer { wp in
        partials.withUnsafeMutableBufferPointer { pp in
            let xb = xp.baseAddress!, dyb = dyp.baseAddress!, wb = wp.baseAddress!
            let dxb = dxp.baseAddress, ppb = pp.baseAddress!
            Parallel.forEachChunk(n, maxWorkers: workers) { worker, range in
                var dw = [Float](repeating: 0, count: wantW ? wCount : 0)
                var col = [Float](repeating: 0, count: g.colRows * ihw)
                col.withUnsafeMutableBufferPointer { cp in
                dw.withUnsafeMutableBufferPointer { dwp in
                    for i in range {
                        im2col(dyb + i * outItem, g, cp.baseAddress!)
                        if wantW {
                            // dW (C, OC*K*K) += x (C, IH*IW) * dcol^T
                            sgemm(transA: false, transB: true, m: inChannels, n: g.colRows, k: ihw,
                                  a: xb + i * inItem, lda: ihw, b: cp.baseAddress!, ldb: ihw, beta: 1,
                                  c: dwp.baseAddress!, ldc: g.colRows)
                        }
                        if needInputGrad, let dxb = dxb {
                            // dx (C, IH*IW) = W (C, OC*K*K) * dcol (OC*K*K, IH*IW)
                            sgemm(transA: false, transB: false, m: inChannels, n: ihw, k: g.colRows,
                                  a: wb, lda: g.colRows, b: cp.baseAddress!, ldb: ihw, beta: 0,
                                  c: dxb + i * inItem, ldc: ihw)
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
