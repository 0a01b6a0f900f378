// The few derived draws that preprocessing and artificial anomalies need on top of `RandomSource`
// (integers, coins, a permutation), so that every random choice goes through the one seeded stream.

#if canImport(Glibc)
import Glibc
#endif

extension RandomSource {
    /// Uniform integer in `0..<n` (n >= 1), by multiply-shift on 64 random bits; the bias is below 2^-40
    /// for the sizes used here, far under anything measurable.
    public mutating func integer(below n: Int) -> Int {
        precondition(n >= 1)
        return Int(next().multipliedFullWidth(by: UInt64(n)).high)
    }

    /// A coin that is true with probability `p` (Python `random.random() < p`).
    public mutating func bernoulli(_ p: Double) -> Bool { nextDouble() < p }

    /// Adds `scale * N(0, 1)` to every element, using both outputs of each Box-Muller pair (half the
    /// transcendental calls of `normal()` per value; same distribution).
    public mutating func addNormalNoise(to values: UnsafeMutableBufferPointer<Float>, scale: Float) {
        var i = 0
        while i < values.count {
            var u1 = nextDouble()
            while u1 <= 0 { u1 = nextDouble() }
            let radius = (-2 * log(u1)).squareRoot(), angle = 2 * Double.pi * nextDouble()
            values[i] += scale * Float(radius * cos(angle))
            if i + 1 < values.count { values[i + 1] += scale * Float(radius * sin(angle)) }
            i += 2
        }
    }

    /// A uniformly random permutation of `0..<n` (Fisher-Yates), like `torch.randperm(n)`.
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n > 1 {
            for i in stride(from: n - 1, to: 0, by: -1) { p.swapAt(i, integer(below: i + 1)) }
        }
        return p
    }
}
