// What Conv2d and ConvTranspose2d share: images are split over the engine's workers, each with its
// own column buffer and, in backward, its own partial weight gradient (OpenBLAS runs single-threaded
// inside). Column buffers are the worker pool's scratch memory, which all layers share; partial
// gradients are kept per layer (one weight-sized array per worker, like an optimiser's state).
import FCDDKernels

/// Per-worker scratch memory of one convolution layer.
final class ConvolutionWorkers {
    private var partials: [Float] = []   // (workers, weight count)

    /// Runs `body(range, col)` over `n` images in parallel; `col` has `columnCount` values of scratch.
    func forEachImageChunk(_ n: Int, columnCount: Int,
                           _ body: @escaping (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        Parallel.forEachChunk(n, scratchCount: columnCount) { _, range, col in body(range, col) }
    }

    /// The backward pass: runs `body(range, col, dw, db)` over `n` images in parallel, where `dw` and
    /// `db` are the worker's zeroed partial gradients of `weight` and `bias` (nil for those not given),
    /// and adds the partials into their gradients afterwards, in worker order so that results are
    /// reproducible.
    func backward(_ n: Int, columnCount: Int, weight: Parameter?, bias: Parameter?,
                  _ body: @escaping (Range<Int>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?,
                                     UnsafeMutablePointer<Float>?) -> Void) {
        let workers = min(n, Parallel.threads)
        let weightCount = weight?.value.count ?? 0, biasCount = bias?.value.count ?? 0
        let perWorker = weightCount + biasCount
        if partials.count < workers * perWorker {
            partials = [Float](repeating: 0, count: workers * perWorker)
        }
        partials.withUnsafeMutableBufferPointer { pp in
            let pb = pp.baseAddress
            Parallel.forEachChunk(n, maxWorkers: workers, scratchCount: columnCount) { worker, range, col in
                guard perWorker > 0, let pb else { body(range, col, nil, nil); return }
                let dw = pb + worker * perWorker
                dw.initialize(repeating: 0, count: perWorker)
                body(range, col, weightCount > 0 ? dw : nil, biasCount > 0 ? dw + weightCount : nil)
            }
            guard perWorker > 0, let pb else { return }
            for (parameter, offset, count) in [(weight, 0, weightCount), (bias, weightCount, biasCount)] {
                guard let parameter, count > 0 else { continue }
                parameter.grad.data.withUnsafeMutableBufferPointer { gp in
                    for w in 0..<workers {
                        let partial = pb + w * perWorker + offset
                        for i in 0..<count { gp[i] += partial[i] }
                    }
                }
            }
        }
    }
}

/// db[c] += sum of one image's output gradient over channel c's plane (`dy` is (C, plane)).
func accumulateChannelSums(_ dy: UnsafePointer<Float>, channels: Int, plane: Int, into db: UnsafeMutablePointer<Float>) {
    for c in 0..<channels { db[c] += Float(blockSum(dy + c * plane, plane)) }
}

/// Runs `body` with the bias values, or nil for a layer without bias.
func withBiasValues<R>(_ bias: Parameter?, _ body: (UnsafePointer<Float>?) -> R) -> R {
    guard let bias else { return body(nil) }
    return bias.value.data.withUnsafeBufferPointer { body($0.baseAddress) }
}

/// Sets the `channels` rows of `count` values at `y` (`stride` apart) to their channel's bias, so that
/// a product with beta = 1 (or a col2im) adds onto the bias instead of onto zeros that another pass
/// then shifts by the bias.
func fillChannelBias(_ y: UnsafeMutablePointer<Float>, channels: Int, count: Int, stride: Int,
                     _ bias: UnsafePointer<Float>) {
    for c in 0..<channels { (y + c * stride).update(repeating: bias[c], count: count) }
}
