// The loops of BatchNorm over one channel of an (N, C, plane) batch: two-pass statistics, normalising
// (with the fused activation applied on the way out) and the gradients. BatchNorm (FCDDCore) owns the
// parameters, running statistics and threading; it calls these once per channel.

/// The activation a BatchNorm applies to its own output (when the network fused the following layer).
public enum FusedActivation: Equatable {
    case relu
    case leakyReLU(slope: Float)
}

/// One channel of an (N, C, plane) batch: value `k` of image `i` is at `(i * channels + channel) * plane + k`.
public struct ChannelPlanes {
    public let images: Int, channels: Int, channel: Int, plane: Int

    public init(images: Int, channels: Int, channel: Int, plane: Int) {
        self.images = images; self.channels = channels; self.channel = channel; self.plane = plane
    }

    @inline(__always) func offset(_ image: Int) -> Int { (image * channels + channel) * plane }
    var count: Int { images * plane }
}

/// Mean and biased variance of one channel: sums in double precision across planes, two passes.
public func channelStatistics(_ x: UnsafePointer<Float>, _ p: ChannelPlanes) -> (mean: Double, variance: Double) {
    var s = 0.0
    for i in 0..<p.images { s += blockSum(x + p.offset(i), p.plane) }
    let mean = s / Double(p.count)
    var q = 0.0
    for i in 0..<p.images { q += centredSquareSum(x + p.offset(i), p.plane, mean) }
    return (mean, q / Double(p.count))
}

/// y = activation((x - mean) * scale + shift) over one channel.
public func normalizeChannel(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ p: ChannelPlanes,
                             mean: Float, scale: Float, shift: Float, activation: FusedActivation?) {
    func run<K: ActivationKernel>(_ kernel: K) {
        for i in 0..<p.images {
            let src = x + p.offset(i), dst = y + p.offset(i)
            for k in 0..<p.plane { dst[k] = kernel.apply((src[k] - mean) * scale + shift) }
        }
    }
    switch activation {
    case nil: run(IdentityKernel())
    case .relu: run(ReLUKernel())
    case .leakyReLU(let slope): run(LeakyReLUKernel(slope: slope))
    }
}

/// Sums over one channel of `g` and of `g * (x - mean)`, where `g` is `dy` masked by the activation
/// given its output `y` (ignored without an activation).
public func channelGradientSums(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                                _ p: ChannelPlanes, mean: Float, activation: FusedActivation?) -> (dy: Double, dyCentred: Double) {
    func run<K: ActivationKernel>(_ kernel: K) -> (dy: Double, dyCentred: Double) {
        var sDy = 0.0, sDyXc = 0.0
        for i in 0..<p.images {
            let o = p.offset(i)
            let sums = gradientSums(dy + o, x + o, p.plane, mean, kernel, output: y + o)
            sDy += sums.dy; sDyXc += sums.dyCentred
        }
        return (sDy, sDyXc)
    }
    switch activation {
    case nil: return run(IdentityKernel())
    case .relu: return run(ReLUKernel())
    case .leakyReLU(let slope): return run(LeakyReLUKernel(slope: slope))
    }
}

/// dx = scale * (g - meanDy - (x - mean) * xcScale) over one channel, `g` as in `channelGradientSums`;
/// `dx` may be `dy`.
public func channelInputGradient(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, output y: UnsafePointer<Float>,
                                 _ dx: UnsafeMutablePointer<Float>, _ p: ChannelPlanes, scale: Float, meanDy: Float,
                                 mean: Float, xcScale: Float, activation: FusedActivation?) {
    func run<K: ActivationKernel>(_ kernel: K) {
        for i in 0..<p.images {
            let o = p.offset(i)
            let g = dy + o, xs = x + o, ys = y + o, out = dx + o
            for k in 0..<p.plane {
                let masked = kernel.gradient(g[k], output: ys[k])
                out[k] = scale * (masked - meanDy - (xs[k] - mean) * xcScale)
            }
        }
    }
    switch activation {
    case nil: run(IdentityKernel())
    case .relu: run(ReLUKernel())
    case .leakyReLU(let slope): run(LeakyReLUKernel(slope: slope))
    }
}

// The activations as specialisable kernels, so that the loops compile once per activation without a
// branch per value.

protocol ActivationKernel {
    /// The activation of a normalised value.
    func apply(_ v: Float) -> Float
    /// The incoming gradient `g` masked by the activation, given its output `y`.
    func gradient(_ g: Float, output y: Float) -> Float
    func gradient(_ g: SIMD8<Float>, output y: SIMD8<Float>) -> SIMD8<Float>
}

struct IdentityKernel: ActivationKernel {
    @inline(__always) func apply(_ v: Float) -> Float { v }
    @inline(__always) func gradient(_ g: Float, output y: Float) -> Float { g }
    @inline(__always) func gradient(_ g: SIMD8<Float>, output y: SIMD8<Float>) -> SIMD8<Float> { g }
}

struct ReLUKernel: ActivationKernel {
    @inline(__always) func apply(_ v: Float) -> Float { v > 0 ? v : 0 }
    @inline(__always) func gradient(_ g: Float, output y: Float) -> Float { y > 0 ? g : 0 }
    @inline(__always) func gradient(_ g: SIMD8<Float>, output y: SIMD8<Float>) -> SIMD8<Float> {
        SIMD8<Float>().replacing(with: g, where: y .> 0)
    }
}

struct LeakyReLUKernel: ActivationKernel {
    let slope: Float
    @inline(__always) func apply(_ v: Float) -> Float { v > 0 ? v : v * slope }
    @inline(__always) func gradient(_ g: Float, output y: Float) -> Float { y > 0 ? g : g * slope }
    @inline(__always) func gradient(_ g: SIMD8<Float>, output y: SIMD8<Float>) -> SIMD8<Float> {
        (g * slope).replacing(with: g, where: y .> 0)
    }
}
