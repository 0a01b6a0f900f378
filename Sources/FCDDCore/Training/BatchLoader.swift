// Shuffled mini-batches with per-sample work (decoding, anomalies, augmentation) spread over the
// engine's threads. Each sample gets its own generator derived from (seed, epoch, position), so a run
// is reproducible whatever the thread count, and no generator is shared between threads.

public struct BatchLoader {
    public let source: TrainingSampleSource
    public let batchSize: Int
    public let shuffle: Bool
    public let seed: UInt64
    /// The arrays of the last batch, written again for the next one once the step has dropped it.
    private var imageStorage = ReusableArray<Float>(), groundTruthStorage = ReusableArray<Float>()

    public init(source: TrainingSampleSource, batchSize: Int, shuffle: Bool = true, seed: UInt64) throws {
        guard batchSize >= 1 else { throw EngineError.invalidArgument("batch size must be >= 1, got \(batchSize)") }
        guard source.count >= 1 else { throw EngineError.invalidArgument("the training set is empty") }
        self.source = source; self.batchSize = batchSize; self.shuffle = shuffle; self.seed = seed
    }

    /// Batches per epoch; the last one may be smaller (no drop_last, as in the original).
    public var batchesPerEpoch: Int { (source.count + batchSize - 1) / batchSize }

    /// The sample order of `epoch`: a fresh Fisher-Yates permutation per epoch when shuffling.
    public func order(epoch: Int) -> [Int] {
        guard shuffle else { return Array(0..<source.count) }
        var rng = RandomSource(seed: mixSeed(seed, 0x5EED_0F_0D3E, UInt64(epoch)))
        return rng.permutation(source.count)
    }

    /// Batch `b` (0-based) of an epoch's `order`.
    public mutating func batch(_ b: Int, of order: [Int], epoch: Int) throws -> Batch {
        try batch(b..<(b + 1), of: order, epoch: epoch)
    }

    /// Batches `batches` of an epoch's `order` as one batch (gradient accumulation): the same samples as
    /// the batches one by one, concatenated, written straight into one array.
    public mutating func batch(_ batches: Range<Int>, of order: [Int], epoch: Int) throws -> Batch {
        let start = batches.lowerBound * batchSize, end = min(order.count, batches.upperBound * batchSize)
        precondition(start < end, "batch index out of range")
        let shape = source.itemShape
        let per = shape.reduce(1, *), hw = shape[1] * shape[2]
        let source = self.source, seed = self.seed
        let samples = try Parallel.map(end - start) { k -> TrainingSample in
            let position = start + k
            var rng = RandomSource(seed: mixSeed(seed, UInt64(epoch), UInt64(position)))
            let s = try source.sample(at: order[position], rng: &rng)
            guard s.image.count == per else {
                throw EngineError.shapeMismatch("training sample \(order[position]) has \(s.image.count) values, expected \(shape)")
            }
            if source.hasGroundTruth, s.groundTruth?.count != hw {
                throw EngineError.shapeMismatch("training sample \(order[position]) lacks a \(shape[1]) x \(shape[2]) ground-truth map")
            }
            return s
        }
        let n = samples.count
        /// Writes each sample's `values` (`count` of them) to `p`, one sample after the other.
        func gather(into p: UnsafeMutablePointer<Float>, _ count: Int, _ values: (TrainingSample) -> [Float]) {
            for (k, s) in samples.enumerated() { values(s).withUnsafeBufferPointer { (p + k * count).update(from: $0.baseAddress!, count: count) } }
        }
        let images = imageStorage.tensor([n] + shape) { p, _ in gather(into: p, per) { $0.image } }
        let groundTruth = source.hasGroundTruth
            ? groundTruthStorage.tensor([n, 1, shape[1], shape[2]]) { p, _ in gather(into: p, hw) { $0.groundTruth! } } : nil
        return Batch(images: images, labels: samples.map { $0.label }, groundTruth: groundTruth)
    }
}

/// Combines seeds and counters into one well-mixed 64-bit seed (SplitMix64 finaliser per part).
public func mixSeed(_ parts: UInt64...) -> UInt64 {
    var h: UInt64 = 0x243F_6A88_85A3_08D3
    for p in parts {
        var z = h ^ (p &+ 0x9E37_79B9_7F4A_7C15)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        h = z ^ (z >> 31)
    }
    return h
}
