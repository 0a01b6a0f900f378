// Loads and stores of 8-float vectors for the vector kernels (Winograd, the thin convolutions, max
// pooling, the sums of Reductions.swift): whole vectors at any alignment, and row tails as the first
// `count` lanes without touching memory past them.

extension SIMD8 where Scalar == Float {
    /// The 8 floats at `p`.
    @inlinable @inline(__always)
    public init(loadingFrom p: UnsafePointer<Float>) {
        self = UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    /// The first `count` floats at `p` and zeros after them (all 8 when `count` >= 8).
    @inlinable @inline(__always)
    public init(loadingFrom p: UnsafePointer<Float>, count: Int) {
        if count >= 8 { self.init(loadingFrom: p); return }
        self.init()
        // One short copy instead of a lane-by-lane insert: the tails of 7-tile rows are most rows of a
        // 14 x 14 image's Winograd transforms.
        withUnsafeMutableBytes(of: &self) { $0.baseAddress!.copyMemory(from: p, byteCount: count * 4) }
    }

    /// Stores the 8 lanes at `p`.
    @inlinable @inline(__always)
    public func store(to p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: SIMD8<Float>.self)
    }

    /// Stores the first `count` lanes at `p` (all 8 when `count` >= 8).
    @inlinable @inline(__always)
    public func store(to p: UnsafeMutablePointer<Float>, count: Int) {
        if count >= 8 { store(to: p); return }
        withUnsafeBytes(of: self) { UnsafeMutableRawPointer(p).copyMemory(from: $0.baseAddress!, byteCount: count * 4) }
    }
}
