// Allocation and splitting helpers for the layers' hot loops.

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
