// Max pooling (PyTorch nn.MaxPool2d, no ceil mode, no dilation). Padding counts as -infinity; on ties
// the first maximum in scan order wins, as in PyTorch's CPU kernel, so gradients route identically.

public final class MaxPool2d: Layer {
    public let kernel: Int, stride: Int, padding: Int
    private var argmax: [Int32] = []     // (N, C, OH, OW) index into the input plane
    private var inputShape: [Int] = []

    public init(kernel: Int, stride: Int? = nil, padding: Int = 0) {
        self.kernel = kernel; self.stride = stride ?? kernel; self.padding = padding
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == 4 else { throw EngineError.shapeMismatch("MaxPool2d expects (N, C, H, W), got \(input)") }
        guard padding * 2 <= kernel else { throw EngineError.invalidArgument("MaxPool2d padding must be at most half the kernel") }
        let g = WindowGeometry(channels: input[1], inH: input[2], inW: input[3], kernel: kernel, stride: stride, padding: padding)
        guard g.outH >= 1, g.outW >= 1 else {
            throw EngineError.shapeMismatch("MaxPool2d kernel \(kernel) does not fit a \(input[2])x\(input[3]) input")
        }
        return [input[0], input[1], g.outH, g.outW]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        let n = x.batch, c = x.shape[1], h = x.shape[2], w = x.shape[3]
        let g = WindowGeometry(channels: c, inH: h, inW: w, kernel: kernel, stride: stride, padding: padding)
        let oh = g.outH, ow = g.outW
        var y = Tensor(zeros: [n, c, oh, ow])
        var idx = [Int32](repeating: 0, count: n * c * oh * ow)
        x.data.withUnsafeBufferPointer { xp in
        y.data.withUnsafeMutableBufferPointer { yp in
        idx.withUnsafeMutableBufferPointer { ip in
            let xb = xp.baseAddress!, yb = yp.baseAddress!, ib = ip.baseAddress!
            Parallel.forEachChunk(n * c) { _, range in
                for plane in range {
                    let src = xb + plane * h * w
                    let dst = yb + plane * oh * ow, arg = ib + plane * oh * ow
                    for r in 0..<oh {
                        let h0 = r * self.stride - self.padding
                        for q in 0..<ow {
                            let w0 = q * self.stride - self.padding
                            var best = -Float.infinity, at = -1
                            for kh in 0..<self.kernel {
                                let ih = h0 + kh
                                if ih < 0 || ih >= h { continue }
                                for kw in 0..<self.kernel {
                                    let iw = w0 + kw
                                    if iw < 0 || iw >= w { continue }
                                    let v = src[ih * w + iw]
                                    if v > best || v.isNaN || at < 0 { best = v; at = ih * w + iw }
                                    if v.isNaN { break }
                                }
                            }
                            dst[r * ow + q] = best
                            arg[r * ow + q] = Int32(at)
                        }
                    }
                }
            }
        }}}
        argmax = idx
        inputShape = x.shape
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        var dx = Tensor(zeros: inputShape)
        let planes = inputShape[0] * inputShape[1], hw = inputShape[2] * inputShape[3]
        let ohw = dy.itemCount / max(inputShape[1], 1)
        dy.data.withUnsafeBufferPointer { dp in
        dx.data.withUnsafeMutableBufferPointer { xp in
            for p in 0..<planes {
                for k in 0..<ohw {
                    let a = Int(argmax[p * ohw + k])
                    xp[p * hw + a] += dp[p * ohw + k]
                }
            }
        }}
        return dx
    }

    public func clearCache() { argmax = [] }
}
