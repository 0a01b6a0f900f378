// Allocation and splitting helpers for the layers' hot loops. Zero-filling a fresh multi-megabyte
// tensor costs a full memory pass (plus page faults) that is wasted when every value is written next,
// so layers that overwrite their whole output allocate it uninitialised.

extension Tensor {
    /// A tensor of `shape` whose values are produced by `fill`, which must write every one of them.
    @inline(__always)
    static func filled(shape: [Int], _ fill: (UnsafeMutablePointer<Float>, Int) -> Void) -> Tensor {
        let count = shape.reduce(1, *)
        let data = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            if count > 0 { fill(buffer.baseAddress!, count) }
            initialized = count
        }
        return Tensor(shape: shape, data: data)
    }
}

/// Below this many values per worker an elementwise pass is not worth waking helper threads for.
let elementwiseGrain = 1 << 15

/// Runs `body(range)` over `0..<count` in contiguous pieces, in parallel when the pass is large enough.
@inline(__always)
func forEachElementChunk(_ count: Int, _ body: @escaping (Range<Int>) -> Void) {
    let workers = min(Parallel.threads, max(1, count / elementwiseGrain))
    if workers <= 1 {
        if count > 0 { body(0..<count) }
        return
    }
    Parallel.forEachChunk(count, maxWorkers: workers) { _, range in body(range) }
}
