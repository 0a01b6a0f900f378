// 2-D convolution (PyTorch nn.Conv2d semantics, square kernels, groups = 1) by im2col + sgemm, one
// matrix product per image; images are split over the engine's workers (ConvolutionWorkers.swift).
// 3x3 and 5x5 convolutions with stride 1, padding 1 or 2 and at least 16 channels on both sides run their
// forward pass and input gradient by Winograd F(2x2, 3x3) or F(2x2, 5x5) instead (Winograd.swift); the
// weight gradient stays im2col + sgemm. Convolutions with 1-3 input channels (the first layer) run their forward pass and
// weight gradient as direct kernels where the build has FMA (ThinConvolution*.swift).
import FCDDKernels

public final class Conv2d: Layer, KeepsOutput, CachesInput, PooledInputGradient {
    var keepsLargeOutput = false
    public let inChannels: Int, outChannels: Int
    public let kernel: Int, stride: Int, padding: Int
    public let weight: Parameter          // (OC, C, K, K)
    public let bias: Parameter?           // (OC)
    private var input: Tensor?            // (N, C, H, W), cached for backward
    private var outputStorage = ReusableArray<Float>()   // reused across calls
    var gradientStorage = GradientStorage()
    private var columnStorage = ReusableArray<Float>()   // the shared column matrix of single images
    private let workers = ConvolutionWorkers()
    private var derivedWeights: [Float] = []            // Winograd-transformed or flipped weights of the current pass
    /// What `derivedWeights` holds and the weight version it came from: inference with fixed weights
    /// transforms them once, not on every call (training changes them every step anyway).
    private var derivedFrom: (form: DerivedForm, version: Int)?
    private enum DerivedForm: Equatable { case winograd(transposedFlipped: Bool), flipped }

    /// PyTorch default initialisation: weight and bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    /// fan_in = C*K*K (kaiming_uniform with a = sqrt(5)).
    public init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, padding: Int = 0,
                bias: Bool = true, rng: inout RandomSource) {
        self.inChannels = inChannels; self.outChannels = outChannels
        self.kernel = kernel; self.stride = stride; self.padding = padding
        let bound = 1.0 / Double(inChannels * kernel * kernel).squareRoot()
        weight = Parameter("weight", Initializer.uniform([outChannels, inChannels, kernel, kernel],
                                                         bound: bound, rng: &rng))
        self.bias = bias ? Parameter("bias", Initializer.uniform([outChannels], bound: bound, rng: &rng)) : nil
    }

    public var parameters: [Parameter] { bias.map { [weight, $0] } ?? [weight] }

    func geometry(_ shape: [Int]) -> WindowGeometry {
        WindowGeometry(channels: inChannels, inH: shape[2], inW: shape[3],
                       kernel: kernel, stride: stride, padding: padding)
    }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == 4, input[1] == inChannels else {
            throw EngineError.shapeMismatch("Conv2d(\(inChannels)->\(outChannels)) expects (N, \(inChannels), H, W), got \(input)")
        }
        let g = geometry(input)
        guard g.outH >= 1, g.outW >= 1 else {
            throw EngineError.shapeMismatch("Conv2d kernel \(kernel) does not fit a \(input[2])x\(input[3]) input")
        }
        return [input[0], outChannels, g.outH, g.outW]
    }

    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        if ThinConvolution.applies(geometry(x.shape)) { return forwardThin(x) }
        if x.batch < Parallel.threads && outChannels >= 2 * Parallel.threads {
            return forwardSplittingChannels(x)
        }
        if usesWinograd { return forwardWinograd(x) }
        let g = geometry(x.shape)
        let outChannels = self.outChannels
        let n = x.batch, ohw = g.colCols, inItem = x.itemCount
        let bands = ColumnBands(g)
        let scratchSize = g.isPointwise ? 0 : bands?.scratchCount ?? scratchCount(g)
        let y = x.data.withUnsafeBufferPointer { xp in
        weight.value.data.withUnsafeBufferPointer { wp in
        withBiasValues(bias) { biasValues in
            let xb = xp.baseAddress!, wb = wp.baseAddress!
            // Y (OC, columns) = W (OC, CKK) * columns (CKK, columns), added onto the bias
            let product = { (columns: UnsafePointer<Float>, count: Int, y: UnsafeMutablePointer<Float>) in
                if let biasValues { fillChannelBias(y, channels: outChannels, count: count, stride: ohw, biasValues) }
                sgemm(transA: false, transB: false, m: outChannels, n: count, k: g.colRows,
                      a: wb, lda: g.colRows, b: columns, ldb: count, beta: biasValues == nil ? 0 : 1, c: y, ldc: ohw)
            }
            return outputStorage.tensor([n, outChannels, g.outH, g.outW], keepLarge: keepsLargeOutput) { yb, _ in
                workers.forEachImageChunk(n, columnCount: scratchSize) { range, col in
                    for i in range {
                        let xi = xb + i * inItem, yi = yb + i * outChannels * ohw
                        if let bands {
                            bands.forEachBand(xi, col, fillThinRows: false) { rows, band in
                                product(col, band, yi + rows.lowerBound * g.outW)
                            }
                        } else if g.isPointwise {
                            product(xi, ohw, yi)
                        } else {
                            im2col(xi, g, col)
                            product(col, ohw, yi)
                        }
                    }
                }
            }
        }}}
        input = x  // also in eval mode: gradient heatmaps backpropagate through eval-mode layers
        return y
    }

    /// Few input channels (the first layer): a direct convolution (ThinConvolution.swift), images split
    /// over the workers, or with fewer images than workers each image's output rows.
    private func forwardThin(_ x: Tensor) -> Tensor {
        let thin = ThinConvolution.configured(geometry(x.shape), outChannels: outChannels)
        let g = thin.geometry, n = x.batch, inItem = x.itemCount, outItem = outChannels * g.colCols
        let y = x.data.withUnsafeBufferPointer { xp in
        weight.value.data.withUnsafeBufferPointer { wp in
        withBiasValues(bias) { bb in
            let xb = xp.baseAddress!, wb = wp.baseAddress!
            return outputStorage.tensor([n, outChannels, g.outH, g.outW], keepLarge: keepsLargeOutput) { yb, _ in
                guard n < Parallel.threads else {
                    workers.forEachImageChunk(n, columnCount: thin.scratchCount) { range, padded in
                        for i in range {
                            thin.pad(xb + i * inItem, into: padded)
                            thin.forward(padded, wb, bias: bb, yb + i * outItem, outputRows: 0..<g.outH)
                        }
                    }
                    return
                }
                columnStorage.withScratch(thin.scratchCount) { padded in
                    for i in 0..<n {
                        thin.pad(xb + i * inItem, into: padded)
                        let shared = UnsafePointer(padded)
                        Parallel.forEachChunk(g.outH) { _, rows in
                            thin.forward(shared, wb, bias: bb, yb + i * outItem, outputRows: rows)
                        }
                    }
                }
            }
        }}}
        input = x
        return y
    }

    /// Fewer images than workers (one image from a notebook): each image is unfolded once and the
    /// workers share its product, split over output channels, instead of one worker doing it alone.
    private func forwardSplittingChannels(_ x: Tensor) -> Tensor {
        if usesWinograd { return forwardWinograd(x, sharingWorkers: true) }
        let g = geometry(x.shape)
        let outChannels = self.outChannels, rows = g.colRows
        let n = x.batch, ohw = g.colCols, inItem = x.itemCount
        let y = x.data.withUnsafeBufferPointer { xp in
        weight.value.data.withUnsafeBufferPointer { wp in
        withBiasValues(bias) { biasValues in
            let xb = xp.baseAddress!, wb = wp.baseAddress!
            return outputStorage.tensor([n, outChannels, g.outH, g.outW], keepLarge: keepsLargeOutput) { yb, _ in
                columnStorage.withScratch(g.isPointwise ? 1 : scratchCount(g)) { col in
                    for i in 0..<n {
                        let xi = xb + i * inItem, yi = yb + i * outChannels * ohw
                        var src = UnsafePointer(xi)
                        if !g.isPointwise { Self.unfold(xi, g, col); src = UnsafePointer(col) }
                        let shared = src
                        Parallel.forEachChunk(outChannels) { _, range in
                            let c = yi + range.lowerBound * ohw
                            if let biasValues {
                                fillChannelBias(c, channels: range.count, count: ohw, stride: ohw, biasValues + range.lowerBound)
                            }
                            sgemm(transA: false, transB: false, m: range.count, n: ohw, k: rows,
                                  a: wb + range.lowerBound * rows, lda: rows, b: shared, ldb: ohw,
                                  beta: biasValues == nil ? 0 : 1, c: c, ldc: ohw)
                        }
                    }
                }
            }
        }}}
        input = x
        return y
    }

    public func backward(_ dy: Tensor, needInputGrad: Bool) -> Tensor {
        guard let x = input else { preconditionFailure("Conv2d.backward without forward") }
        let g = geometry(x.shape)
        let outChannels = self.outChannels, inChannels = self.inChannels
        let n = x.batch, ohw = g.colCols, inItem = x.itemCount
        let weightGrad = weight.trainable ? weight : nil, biasGrad = bias.flatMap { $0.trainable ? $0 : nil }
        if weightGrad == nil && biasGrad == nil && !needInputGrad { return Tensor(zeros: [0]) }
        // The input gradient by Winograd: a 3x3 convolution of dY with the flipped, transposed weights.
        let winograd = needInputGrad && usesWinograd
            ? Winograd(kernel: kernel, inChannels: outChannels, outChannels: inChannels, height: g.inH, width: g.inW) : nil
        if let winograd { prepareWinogradWeights(winograd, transposedFlipped: true) }
        // Other stride-1 input gradients as a correlation of dY with the flipped, transposed weights too:
        // dY unfolded with padding k-1-p and one product, instead of a product and a scattered col2im.
        let flipped = needInputGrad && winograd == nil && !g.isPointwise && g.stride == 1 && g.padding < kernel
            ? WindowGeometry(channels: outChannels, inH: g.outH, inW: g.outW, kernel: kernel, stride: 1,
                             padding: kernel - 1 - g.padding) : nil
        if flipped != nil { prepareFlippedWeights() }
        // Few input channels: the weight and bias gradients directly (ThinConvolutionGradient.swift), or
        // without FMA from thin columns as (OC, 32) with the bias gradient in column C*K*K. Either way
        // accumulated per worker behind the scratch that the other steps use.
        let direct = weightGrad != nil && ThinConvolution.applies(g)
            ? ThinConvolution.configured(g, outChannels: outChannels) : nil
        let bands = weightGrad == nil || direct != nil ? nil : ColumnBands(g)
        let thin = bands?.isThin == true
        let columnScratch = max(g.isPointwise ? 0 : scratchCount(g), bands?.scratchCount ?? 0, direct?.scratchCount ?? 0,
                                winograd?.scratchCount ?? 0, flipped.map { scratchCount($0) } ?? 0)
        let thinCount = direct?.gradientAccumulatorCount ?? (thin ? outChannels * ColumnBands.thinRows : 0)
        let run = { (dxb: UnsafeMutablePointer<Float>?) in
            x.data.withUnsafeBufferPointer { xp in
            dy.data.withUnsafeBufferPointer { dyp in
            self.weight.value.data.withUnsafeBufferPointer { wp in
            self.derivedWeights.withUnsafeBufferPointer { up in
                let xb = xp.baseAddress!, dyb = dyp.baseAddress!, wb = wp.baseAddress!, ub = up.baseAddress
                self.workers.backward(n, columnCount: columnScratch + thinCount, weight: weightGrad,
                                      bias: biasGrad) { range, col, dw, db in
                    let thinGrad = col + columnScratch
                    thinGrad.initialize(repeating: 0, count: thinCount)
                    for i in range {
                        let xi = xb + i * inItem, dyi = dyb + i * outChannels * ohw
                        if let db, !thin, direct == nil {
                            accumulateChannelSums(dyi, channels: outChannels, plane: ohw, into: db)
                        }
                        if let direct {
                            direct.pad(xi, into: col)
                            direct.accumulateGradient(col, dyi, into: thinGrad, withBias: db != nil)
                        } else if let dw, let bands {
                            // dW (OC, rows) += sum over bands of dY (OC, band) * columns of the band^T
                            let target = thin ? thinGrad : dw
                            bands.forEachBand(xi, col, fillThinRows: true) { rows, band in
                                sgemm(transA: false, transB: true, m: outChannels, n: bands.rows, k: band,
                                      a: dyi + rows.lowerBound * g.outW, lda: ohw, b: col, ldb: band, beta: 1,
                                      c: target, ldc: bands.rows)
                            }
                        } else if let dw {
                            var src = UnsafePointer(xi)
                            if !g.isPointwise { im2col(xi, g, col); src = UnsafePointer(col) }
                            // dW (OC, CKK) += dY (OC, OHW) * col^T (OHW, CKK)
                            sgemm(transA: false, transB: true, m: outChannels, n: g.colRows, k: ohw,
                                  a: dyi, lda: ohw, b: src, ldb: ohw, beta: 1, c: dw, ldc: g.colRows)
                        }
                        guard let dxb else { continue }
                        let dxi = dxb + i * inItem
                        if let winograd, let ub {
                            winograd.convolve(dyi, ub, bias: nil, dxi, scratch: col)
                        } else if let flipped, let ub {
                            // dX (C, HW) = W' (C, OC*K*K) * unfold(dY) (OC*K*K, HW)
                            Self.unfold(dyi, flipped, col)
                            sgemm(transA: false, transB: false, m: inChannels, n: flipped.colCols, k: flipped.colRows,
                                  a: ub, lda: flipped.colRows, b: col, ldb: flipped.colCols, beta: 0, c: dxi,
                                  ldc: flipped.colCols)
                        } else if g.isPointwise {
                            sgemm(transA: true, transB: false, m: g.colRows, n: ohw, k: outChannels,
                                  a: wb, lda: g.colRows, b: dyi, ldb: ohw, beta: 0, c: dxi, ldc: ohw)
                        } else {
                            // dcol (CKK, OHW) = W^T (CKK, OC) * dY (OC, OHW), folded back onto dX.
                            sgemm(transA: true, transB: false, m: g.colRows, n: ohw, k: outChannels,
                                  a: wb, lda: g.colRows, b: dyi, ldb: ohw, beta: 0, c: col, ldc: ohw)
                            dxi.initialize(repeating: 0, count: inItem)
                            col2im(col, g, dxi)
                        }
                    }
                    if let direct, let dw {
                        direct.addAccumulatedGradient(thinGrad, to: dw, bias: db)
                    } else if thin, let dw {
                        Self.splitThinGradient(thinGrad, g.colRows, outChannels, dw, db)
                    }
                }
            }}}}
        }
        guard needInputGrad else { run(nil); return Tensor(zeros: [0]) }
        return gradientStorage.tensor(x.shape) { dxb, _ in run(dxb) }
    }

    /// Adds a worker's (OC, 32) thin-column gradient to its weight gradient (the first C*K*K columns)
    /// and bias gradient (column C*K*K, the product with the ones row).
    private static func splitThinGradient(_ thin: UnsafePointer<Float>, _ colRows: Int, _ outChannels: Int,
                                          _ dw: UnsafeMutablePointer<Float>, _ db: UnsafeMutablePointer<Float>?) {
        let stride = ColumnBands.thinRows
        for oc in 0..<outChannels {
            for r in 0..<colRows { dw[oc * colRows + r] += thin[oc * stride + r] }
            db?[oc] += thin[oc * stride + colRows]
        }
    }

    public func clearCache() { input = nil }

    /// 3x3 and 5x5 convolutions with stride 1, 'same' padding and enough channels run by Winograd (Winograd.swift).
    private var usesWinograd: Bool {
        Winograd.applies(kernel: kernel, stride: stride, padding: padding,
                         inChannels: inChannels, outChannels: outChannels)
    }

    private func prepareWinogradWeights(_ w: Winograd, transposedFlipped: Bool) {
        let form = DerivedForm.winograd(transposedFlipped: transposedFlipped)
        if let d = derivedFrom, d.form == form, d.version == weight.version, derivedWeights.count == w.weightCount { return }
        derivedFrom = (form, weight.version)
        if derivedWeights.count != w.weightCount {
            derivedWeights = [Float](repeating: 0, count: w.weightCount)
        }
        weight.value.data.withUnsafeBufferPointer { wp in
        derivedWeights.withUnsafeMutableBufferPointer { up in
            w.transformWeights(wp.baseAddress!, transposedFlipped: transposedFlipped, into: up.baseAddress!)
        }}
    }

    /// W' (C, OC*K*K) with W'[c][oc, kh, kw] = W[oc][c][K-1-kh, K-1-kw], into `derivedWeights`.
    private func prepareFlippedWeights() {
        let o = outChannels, c = inChannels, taps = kernel * kernel
        if let d = derivedFrom, d.form == .flipped, d.version == weight.version, derivedWeights.count == o * c * taps { return }
        derivedFrom = (.flipped, weight.version)
        if derivedWeights.count != o * c * taps { derivedWeights = [Float](repeating: 0, count: o * c * taps) }
        weight.value.data.withUnsafeBufferPointer { wp in
        derivedWeights.withUnsafeMutableBufferPointer { up in
            for ic in 0..<c {
                for oc in 0..<o {
                    for t in 0..<taps { up[(ic * o + oc) * taps + t] = wp[(oc * c + ic) * taps + taps - 1 - t] }
                }
            }
        }}
    }

    /// The forward pass by Winograd, images split over the workers (or the workers sharing each image).
    private func forwardWinograd(_ x: Tensor, sharingWorkers: Bool = false) -> Tensor {
        let h = x.shape[2], w = x.shape[3], n = x.batch
        let winograd = Winograd(kernel: kernel, inChannels: inChannels, outChannels: outChannels, height: h, width: w)
        prepareWinogradWeights(winograd, transposedFlipped: false)
        let inItem = x.itemCount, outItem = outChannels * h * w
        let y = x.data.withUnsafeBufferPointer { xp in
        derivedWeights.withUnsafeBufferPointer { up in
        withBiasValues(bias) { bb in
            let xb = xp.baseAddress!, ub = up.baseAddress!
            return outputStorage.tensor([n, outChannels, h, w], keepLarge: keepsLargeOutput) { yb, _ in
                guard !sharingWorkers else {
                    columnStorage.withScratch(winograd.scratchCount) { scratch in
                        for i in 0..<n {
                            winograd.convolveSharingWorkers(xb + i * inItem, ub, bias: bb, yb + i * outItem, scratch: scratch)
                        }
                    }
                    return
                }
                workers.forEachImageChunk(n, columnCount: winograd.scratchCount) { range, scratch in
                    for i in range {
                        winograd.convolve(xb + i * inItem, ub, bias: bb, yb + i * outItem, scratch: scratch)
                    }
                }
            }
        }}}
        input = x
        return y
    }

    /// Scratch floats per worker: the column matrix, and for stride 1 the padded image behind it.
    private func scratchCount(_ g: WindowGeometry) -> Int {
        g.colRows * g.colCols + (g.stride == 1 ? im2colSlack + paddedImageCount(g) : 0)
    }

    /// im2col into `col`, through the faster padded copy when the stride is 1.
    @inline(__always)
    private static func unfold(_ x: UnsafePointer<Float>, _ g: WindowGeometry, _ col: UnsafeMutablePointer<Float>) {
        if g.stride == 1 {
            im2colStride1(x, g, col, padded: col + g.colRows * g.colCols + im2colSlack)
        } else {
            im2col(x, g, col)
        }
    }
}
