// Per-item work (decoding, augmentation, anomaly generation) spread over the engine's threads, with
// errors carried back to the caller instead of trapping in a worker.

extension Parallel {
    /// `transform(i)` for i in 0..<count on `Parallel.threads` workers, results in order. The first error
    /// (by index) is rethrown after all workers finished.
    public static func map<T>(_ count: Int, _ transform: @escaping (Int) throws -> T) throws -> [T] {
        var results = [Result<T, Error>?](repeating: nil, count: count)
        results.withUnsafeMutableBufferPointer { out in
            let out = out
            forEachChunk(count) { _, range in
                for i in range { out[i] = Result { try transform(i) } }
            }
        }
        return try results.map { try $0!.get() }
    }
}
