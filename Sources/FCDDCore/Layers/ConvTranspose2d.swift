// Transposed 2-D convolution (PyTorch nn.ConvTranspose2d, square kernel, groups = 1, dilation 1).
// Forward is the input-gradient of a convolution: W^T times the image, folded with col2im.
import FCDDKernels

public final class ConvTranspose2d: Layer, KeepsOutput, CachesInput, PooledInputGradient {
    var keepsLargeOutput = false
    public let inChannels: Int, outChannels: Int
    public let kernel: Int, stride: Int, padding: Int, outputPadding: Int
    public let weight: Parameter          // (C, OC, K, K) as in PyTorch
    public let bias: Parameter?           // (OC)
    private var input: Tensor?
    private var outputStorage = ReusableArray<Float>()   // reused across calls
    var gradientStorage = GradientStorage()
    private let workers = ConvolutionWorkers()

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
        let inChannels = self.inChannels, outChannels = self.outChannels
        let n = x.batch, ihw = x.shape[2] * x.shape[3], inItem = x.itemCount
        let outPlane = g.inH * g.inW, outItem = outChannels * outPlane
        let y = x.data.withUnsafeBufferPointer { xp in
        weight.value.data.withUnsafeBufferPointer { wp in
        withBiasValues(bias) { biasValues in
            let xb = xp.baseAddress!, wb = wp.baseAddress!
            return outputStorage.tensor([n, outChannels, g.inH, g.inW], keepLarge: keepsLargeOutput) { yb, _ in
                workers.forEachImageChunk(n, columnCount: g.colRows * ihw) { range, col in
                    for i in range {
                        // col (OC*K*K, IH*IW) = W^T (OC*K*K, C) * x (C, IH*IW)
                        sgemm(transA: true, transB: false, m: g.colRows, n: ihw, k: inChannels,
                              a: wb, lda: g.colRows, b: xb + i * inItem, ldb: ihw, beta: 0, c: col, ldc: ihw)
                        let yi = yb + i * outItem
                        if let biasValues {
                            fillChannelBias(yi, channels: outChannels, count: outPlane, stride: outPlane, biasValues)
                        } else {
                            yi.initialize(repeating: 0, count: outItem)
                        }
                        col2im(col, g, yi)
                    }
                }
            }
        }}}
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
        let biasGrad = bias.flatMap { $0.trainable ? $0 : nil }
        if !wantW && !needInputGrad && biasGrad == nil { return Tensor(zeros: [0]) }
        let run = { (dxb: UnsafeMutablePointer<Float>?) in
            x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
            self.weight.value.data.withUnsafeBufferPointer { wp in
                let xb = xp.baseAddress!, dyb = dyp.baseAddress!, wb = wp.baseAddress!
                self.workers.backward(n, columnCount: g.colRows * ihw, weight: wantW ? self.weight : nil, bias: biasGrad) { range, col, dw, db in
                    for i in range {
                        if let db { accumulateChannelSums(dyb + i * outItem, channels: self.outChannels, plane: outItem / self.outChannels, into: db) }
                        if dw == nil && dxb == nil { continue }
                        im2col(dyb + i * outItem, g, col)
                        if let dw {
                            // dW (C, OC*K*K) += x (C, IH*IW) * dcol^T
                            sgemm(transA: false, transB: true, m: inChannels, n: g.colRows, k: ihw,
                                  a: xb + i * inItem, lda: ihw, b: col, ldb: ihw, beta: 1, c: dw, ldc: g.colRows)
                        }
                        if let dxb {
                            // dx (C, IH*IW) = W (C, OC*K*K) * dcol (OC*K*K, IH*IW)
                            sgemm(transA: false, transB: false, m: inChannels, n: ihw, k: g.colRows,
                                  a: wb, lda: g.colRows, b: col, ldb: ihw, beta: 0, c: dxb + i * inItem, ldc: ihw)
                        }
                    }
                }
            }}}
        }
        guard needInputGrad else { run(nil); return Tensor(zeros: [0]) }
        return gradientStorage.tensor(x.shape) { dxb, _ in run(dxb) }
    }

    public func clearCache() { input = nil }
}
