// Random subsets for dataset limits (`--oe-limit`, reference 6.7) and balanced training sets (7.7),
// drawn through the engine's seeded RandomSource so a seed reproduces the same pool.

/// `k` distinct indices of 0 ..< n, uniformly among all k-subsets, sorted ascending (Floyd's algorithm:
/// O(k) time and memory, so limiting a pool of millions of files stays cheap). `k >= n` gives all.
func drawWithoutReplacement(_ k: Int, from n: Int, using rng: inout RandomSource) -> [Int] {
    if k >= n { return Array(0..<n) }
    var chosen = Set<Int>(minimumCapacity: k)
    for j in (n - k)..<n {
        let t = rng.integer(below: j + 1)
        chosen.insert(chosen.contains(t) ? j : t)
    }
    return chosen.sorted()
}

/// The `limit` of an outlier-exposure pool, validated: nil means no limit, otherwise at least 1.
func checkedLimit(_ limit: Int?, what: String) throws -> Int? {
    if let limit = limit, limit < 1 {
        throw EngineError.invalidArgument("\(what): the limit must be at least 1 (or none), got \(limit)")
    }
    return limit
}
