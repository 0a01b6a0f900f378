// Max pooling (PyTorch nn.MaxPool2d, no ceil mode, no dilation). Padding counts as -infinity; on ties
// the first maximum in scan order wins, as in PyTorch's CPU kernel, so gradients route identically.
// The loops over one plane are FCDDKernels/MaxPoolKernels.swift.
import FCDDKernels

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
        var y = Tensor(zeros: [0])
        argmax = argmaxStorage.take(n * c * oh * ow, keepLarge: training) { ib in
            y = x.data.withUnsafeBufferPointer { xp in
                let xb = xp.baseAddress!
                return outputStorage.tensor([n, c, oh, ow], keepLarge: keepsLargeOutput) { yb, _ in
                    Parallel.forEachChunk(n * c) { _, range in
                        for plane in range {
                            let src = xb + plane * h * w
                            let dst = yb + plane * oh * ow, arg = ib + plane * oh * ow
                            maxPoolPlane(src, g, dst, arg)
                        }
                    }
                }
            }
        }
        inputShape = x.shape
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        let planes = inputShape[0] * inputShape[1], hw = inputShape[2] * inputShape[3]
        let ohw = dy.itemCount / max(inputShape[1], 1)
        return dy.data.withUnsafeBufferPointer { dp in
        argmax.withUnsafeBufferPointer { ap in
            let db = dp.baseAddress!, ab = ap.baseAddress!
            return gradientStorage.tensor(inputShape) { xb, _ in
                Parallel.forEachChunk(planes) { _, range in
                    for p in range { maxPoolGradientPlane(db + p * ohw, ab + p * ohw, count: ohw, xb + p * hw, planeCount: hw) }
                }
            }
        }}
    }

    public func clearCache() { argmax = [] }
}
