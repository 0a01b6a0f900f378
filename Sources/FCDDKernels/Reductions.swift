// Sums over contiguous runs of float32 values, vectorised (SIMD8) within blocks of `sumBlock` values
// and accumulated in double precision across blocks: batch statistics of large planes (224x224) stay
// accurate without paying for double arithmetic per value.

/// Values per float partial sum.
let sumBlock = 1024

/// Sum of `count` values.
public func blockSum(_ p: UnsafePointer<Float>, _ count: Int) -> Double {
    var total = 0.0, start = 0
    while start < count {
        let end = min(count, start + sumBlock)
        var acc = SIMD8<Float>(), k = start
        while k + 8 <= end { acc += SIMD8(loadingFrom: p + k); k += 8 }
        var tail: Float = 0
        while k < end { tail += p[k]; k += 1 }
        total += Double(acc.sum() + tail)
        start = end
    }
    return total
}

/// Sum of `(p[k] - mean)^2` over `count` values.
public func centredSquareSum(_ p: UnsafePointer<Float>, _ count: Int, _ mean: Double) -> Double {
    let mu = Float(mean), muv = SIMD8<Float>(repeating: Float(mean))
    var total = 0.0, start = 0
    while start < count {
        let end = min(count, start + sumBlock)
        var acc = SIMD8<Float>(), k = start
        while k + 8 <= end {
            let d = SIMD8(loadingFrom: p + k) - muv
            acc += d * d; k += 8
        }
        var tail: Float = 0
        while k < end { let d = p[k] - mu; tail += d * d; k += 1 }
        total += Double(acc.sum() + tail)
        start = end
    }
    return total
}

/// Sums of `g` and of `g * (x - mean)` over `count` values, where `g` is `dy` masked by the activation
/// `kernel` given that activation's output `y` (BatchNorm fused with its activation; the identity
/// kernel ignores `y`).
@inline(__always)
func gradientSums<K: ActivationKernel>(_ dy: UnsafePointer<Float>, _ x: UnsafePointer<Float>, _ count: Int,
                                       _ mean: Float, _ kernel: K, output y: UnsafePointer<Float>)
    -> (dy: Double, dyCentred: Double) {
    let muv = SIMD8<Float>(repeating: mean)
    var totalDy = 0.0, totalDyXc = 0.0, start = 0
    while start < count {
        let end = min(count, start + sumBlock)
        var accDy = SIMD8<Float>(), accDyXc = SIMD8<Float>(), k = start
        while k + 8 <= end {
            let g = kernel.gradient(SIMD8(loadingFrom: dy + k),
                                    output: SIMD8(loadingFrom: y + k))
            let xc = SIMD8(loadingFrom: x + k) - muv
            accDy += g; accDyXc += g * xc; k += 8
        }
        var tailDy: Float = 0, tailDyXc: Float = 0
        while k < end {
            let g = kernel.gradient(dy[k], output: y[k])
            tailDy += g; tailDyXc += g * (x[k] - mean); k += 1
        }
        totalDy += Double(accDy.sum() + tailDy)
        totalDyXc += Double(accDyXc.sum() + tailDyXc)
        start = end
    }
    return (totalDy, totalDyXc)
}
