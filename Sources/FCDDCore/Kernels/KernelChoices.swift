// Which kernel a layer uses, and how it is split over the engine's workers: the runtime switches
// (EngineRuntime.swift) applied to the kernels of FCDDKernels, which know nothing of threads or settings.
import FCDDKernels

extension ThinConvolution {
    /// Stride-1 convolutions whose columns would have fewer than 32 rows, when the runtime configuration
    /// enables the direct kernels.
    static func applies(_ g: WindowGeometry) -> Bool {
        EngineRuntime.configuration.thinConvolutions && fits(g, thinRows: ColumnBands.thinRows)
    }

    /// The direct kernels for `g` with the configured band size of the weight gradient.
    static func configured(_ g: WindowGeometry, outChannels: Int) -> ThinConvolution {
        ThinConvolution(geometry: g, outChannels: outChannels,
                        gradientBandPixels: EngineRuntime.configuration.thinGradientBandPixels)
    }
}

extension Winograd {
    /// One image shared by the engine's workers (one image from a notebook): each phase of a block is
    /// split, the transforms over channels and the products over the transformed tile's points, so
    /// `scratch` is shared by all of them.
    func convolveSharingWorkers(_ x: UnsafePointer<Float>, _ u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                _ y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        // One part per worker: four parts per worker, taken as workers become free, measured no faster
        // (FCDD_CNN28_W at batch 1 with 2 threads 3,247-3,380 against 3,459-3,596 img/s).
        convolve(x, u, bias: bias, y, scratch: scratch) { count, body in
            Parallel.forEachChunk(count) { _, range in body(range) }
        }
    }
}
