// Max pooling (PyTorch nn.MaxPool2d, no ceil mode, no dilation). Padding counts as -infinity; on ties
// the first maximum in scan order wins, as in PyTorch's CPU kernel, so gradients route identically.

public final class MaxPool2d: Layer, KeepsOutput, PooledInputGradient {
    var keepsLargeOutput = false
    public let kernel: Int, stride: Int, padding: Int
    private var argmax: [Int32] = []     // (N, C, OH, OW) index into the input plane
    private var inputShape: [Int] = []
    private var argmaxStorage = ReusableArray<Int32>()   // reused across calls
    private var outputStorage = ReusableArray<Float>()
    var gradientStorage = GradientStorage()

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
        argmax = []  // hand the previous indices back to their storage
        let pairs = kernel == 2 && stride == 2 && padding == 0
        var y = Tensor(zeros: [0])
        argmax = argmaxStorage.take(n * c * oh * ow, keepLarge: training) { ib in
            y = x.data.withUnsafeBufferPointer { xp in
                let xb = xp.baseAddress!
                return outputStorage.tensor([n, c, oh, ow], keepLarge: keepsLargeOutput) { yb, _ in
                    Parallel.forEachChunk(n * c) { _, range in
                        for plane in range {
                            let src = xb + plane * h * w
                            let dst = yb + plane * oh * ow, arg = ib + plane * oh * ow
                            if pairs {
                                Self.pool2x2(src, w: w, oh: oh, ow: ow, dst, arg)
                            } else {
                                self.poolWindows(src, h: h, w: w, oh: oh, ow: ow, dst, arg)
                            }
                        }
                    }
                }
            }
        }
        inputShape = x.shape
        return y
    }

    /// The common 2x2, stride 2 window without padding: 8 outputs at a time in vectors, with exactly the
    /// general loop's comparisons (a NaN ends the scan of its row). The scalar loop with its branches was
    /// a third of FCDD_CNN28's inference. Rows of at least 8 outputs end with a block that overlaps the one
    /// before it (writing the same values again); shorter rows go one output at a time.
    @inline(__always)
    static func pool2x2(_ src: UnsafePointer<Float>, w: Int, oh: Int, ow: Int,
                        _ dst: UnsafeMutablePointer<Float>, _ arg: UnsafeMutablePointer<Int32>) {
        for r in 0..<oh {
            let top = src + 2 * r * w, out = dst + r * ow, args = arg + r * ow
            let base = Int32(2 * r * w)
            guard ow >= 8 else {
                for q in 0..<ow { pool2x2(top, w: w, base: base, q, out, args) }
                continue
            }
            var q = 0
            while q < ow {
                let start = min(q, ow - 8)
                pool2x2Vector(top + 2 * start, w: w, base: base + Int32(2 * start), out + start, args + start)
                q = start + 8
            }
        }
    }

    /// Output `q` of one row (`top` is the window's upper input row).
    @inline(__always)
    private static func pool2x2(_ top: UnsafePointer<Float>, w: Int, base: Int32, _ q: Int,
                                _ out: UnsafeMutablePointer<Float>, _ args: UnsafeMutablePointer<Int32>) {
        let bottom = top + w
        let a = top[2 * q], b = top[2 * q + 1], c = bottom[2 * q], d = bottom[2 * q + 1]
        var best = a, at = base + Int32(2 * q)
        if !a.isNaN, b > best || b.isNaN { best = b; at = base + Int32(2 * q + 1) }
        if c > best || c.isNaN { best = c; at = base + Int32(w + 2 * q) }
        if !c.isNaN, d > best || d.isNaN { best = d; at = base + Int32(w + 2 * q + 1) }
        out[q] = best
        args[q] = at
    }

    /// Eight outputs of one row: the same four steps as above, lane by lane.
    @inline(__always)
    private static func pool2x2Vector(_ top: UnsafePointer<Float>, w: Int, base: Int32,
                                      _ out: UnsafeMutablePointer<Float>, _ args: UnsafeMutablePointer<Int32>) {
        let upper = UnsafeRawPointer(top).loadUnaligned(as: SIMD16<Float>.self)
        let lower = UnsafeRawPointer(top + w).loadUnaligned(as: SIMD16<Float>.self)
        let a = upper.evenHalf, b = upper.oddHalf, c = lower.evenHalf, d = lower.oddHalf
        let first = SIMD8<Int32>(0, 2, 4, 6, 8, 10, 12, 14) &+ base
        var best = a, at = first
        let takeB = (a .== a) .& ((b .> best) .| (b .!= b))
        best.replace(with: b, where: takeB)
        at.replace(with: first &+ 1, where: takeB)
        let takeC = (c .> best) .| (c .!= c)
        best.replace(with: c, where: takeC)
        at.replace(with: first &+ Int32(w), where: takeC)
        let takeD = (c .== c) .& ((d .> best) .| (d .!= d))
        best.replace(with: d, where: takeD)
        at.replace(with: first &+ Int32(w + 1), where: takeD)
        best.store(to: out)
        UnsafeMutableRawPointer(args).storeBytes(of: at, as: SIMD8<Int32>.self)
    }

    /// Any window: padding reads as -infinity and never wins.
    private func poolWindows(_ src: UnsafePointer<Float>, h: Int, w: Int, oh: Int, ow: Int,
                             _ dst: UnsafeMutablePointer<Float>, _ arg: UnsafeMutablePointer<Int32>) {
        for r in 0..<oh {
            let h0 = r * stride - padding
            for q in 0..<ow {
                let w0 = q * stride - padding
                var best = -Float.infinity, at = -1
                for kh in 0..<kernel {
                    let ih = h0 + kh
                    if ih < 0 || ih >= h { continue }
                    for kw in 0..<kernel {
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

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        let planes = inputShape[0] * inputShape[1], hw = inputShape[2] * inputShape[3]
        let ohw = dy.itemCount / max(inputShape[1], 1)
        return dy.data.withUnsafeBufferPointer { dp in
        argmax.withUnsafeBufferPointer { ap in
            let db = dp.baseAddress!, ab = ap.baseAddress!
            return gradientStorage.tensor(inputShape) { xb, _ in
                Parallel.forEachChunk(planes) { _, range in
                    for p in range {
                        let plane = xb + p * hw, grads = db + p * ohw, args = ab + p * ohw
                        plane.initialize(repeating: 0, count: hw)
                        for k in 0..<ohw { plane[Int(args[k])] += grads[k] }
                    }
                }
            }
        }}
    }

    public func clearCache() { argmax = [] }
}
