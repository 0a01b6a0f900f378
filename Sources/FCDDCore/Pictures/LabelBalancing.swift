// `balance_labels(data, labels, err=False)` of the original (training/__init__.py): the global heatmap
// reference keeps equally many samples of both labels by dropping randomly chosen samples of the more
// frequent one (`random.sample`); with a single label the data is returned unchanged. Here the draw comes
// from a seeded RandomSource, so pictures are reproducible.

enum LabelBalancing {
    /// Indices (ascending) of the samples kept. Throws for more than two distinct labels.
    static func keptIndices(labels: [Int], random: inout RandomSource) throws -> [Int] {
        let distinct = Set(labels).sorted()
        guard distinct.count <= 2 else {
            throw EngineError.invalidArgument("label balancing: binary labels required, found \(distinct)")
        }
        guard distinct.count == 2 else { return Array(labels.indices) }
        let first = labels.indices.filter { labels[$0] == distinct[0] }
        let second = labels.indices.filter { labels[$0] == distinct[1] }
        var majority = first.count > second.count ? first : second
        let excess = abs(first.count - second.count)
        // Partial Fisher-Yates: the first `excess` entries become a uniform random sample.
        for i in 0..<excess {
            let j = i + uniformIndex(below: majority.count - i, using: &random)
            majority.swapAt(i, j)
        }
        let removed = Set(majority.prefix(excess))
        return labels.indices.filter { !removed.contains($0) }
    }

    /// The balanced batch items of `data`.
    static func balanced(_ data: Tensor, labels: [Int], random: inout RandomSource) throws -> Tensor {
        guard data.batch == labels.count else {
            throw EngineError.shapeMismatch("label balancing: \(data.batch) samples but \(labels.count) labels")
        }
        return TileProcessing.select(data, try keptIndices(labels: labels, random: &random))
    }
}

/// Uniform integer in 0..<n from the engine's generator (Lemire's multiply-shift; bias < n / 2^64).
func uniformIndex(below n: Int, using random: inout RandomSource) -> Int {
    precondition(n > 0)
    return Int(random.next().multipliedFullWidth(by: UInt64(n)).high)
}
