// What Conv2d and ConvTranspose2d share: images are split over the engine's workers, each with its
// own column buffer and, in backward, its own partial weight gradient (OpenBLAS runs single-threaded
// inside). Column buffers are the worker pool's scratch memory, which all layers share; partial
// gradients are kept per layer (one weight-sized array per worker, like an optimiser's state).

/// Per-worker scratch memory of one convolution layer.
final class ConvolutionWorkers {
    private var partials: [Float] = []   // (workers, weight count)

    /// Runs `body(range, col)` over `n` images in parallel; `col` has `columnCount` values of scratch.
    func forEachImageChunk(_ n: Int, columnCount: Int,
                           _ body: @escaping (Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
        Parallel.forEachChunk(n, scratchCount: columnCount) { _, range, col in body(range, col) }
    }

    /// The backward pass: runs `body(range, col, dw)` over `n` images in parallel, where `dw` is the
    /// worker's zeroed partial weight gradient of `weightCount` values (nil when `weightCount` is 0),
    /// and adds the partials into `grad` afterwards, in worker order so that results are reproducible.
    func backward(_ n: Int, columnCount: Int, weightCount: Int, into grad: inout Tensor,
                  _ body: @escaping (Range<Int>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>?) -> Void) {
        let workers = min(n, Parallel.threads)
        if partials.count < workers * weightCount {
            partials = [Float](repeating: 0, count: workers * weightCount)
        }
        partials.withUnsafeMutableBufferPointer { pp in
            let pb = pp.baseAddress
            Parallel.forEachChunk(n, maxWorkers: workers, scratchCount: columnCount) { worker, range, col in
                guard weightCount > 0, let pb else { body(range, col, nil); return }
                let dw = pb + worker * weightCount
                dw.initialize(repeating: 0, count: weightCount)
                body(range, col, dw)
            }
            guard weightCount > 0, let pb else { return }
            grad.data.withUnsafeMutableBufferPointer { gp in
                for w in 0..<workers {
                    let dw = pb + w * weightCount
                    for i in 0..<weightCount { gp[i] += dw[i] }
                }
            }
        }
    }
}

/// y[n, c, ...] += b[c] over the (N, C, plane) values at `y`.
func addChannelBias(_ y: UnsafeMutablePointer<Float>, n: Int, channels c: Int, plane: Int, _ b: [Float]) {
    for i in 0..<n {
        for ch in 0..<c {
            let v = b[ch], row = y + (i * c + ch) * plane
            for k in 0..<plane { row[k] += v }
        }
    }
}

/// g[c] += sum over n and spatial positions of dy[n, c, ...]
func accumulateChannelSums(_ dy: Tensor, into g: inout Tensor) {
    let n = dy.batch, c = dy.shape[1], plane = dy.itemCount / max(c, 1)
    dy.data.withUnsafeBufferPointer { dp in
        let db = dp.baseAddress!
        for ch in 0..<c {
            var s: Double = 0
            for i in 0..<n { s += blockSum(db + (i * c + ch) * plane, plane) }
            g.data[ch] += Float(s)
        }
    }
}
