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
    /// split over channels, so `scratch` is shared by all of them.
    func convolveSharingWorkers(_ x: UnsafePointer<Float>, _ u: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                _ y: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>) {
        // Small images (blocks under 256 tiles, FCDD_CNN32_LW3K's and FCDD_CNN28_W's layers) have phases
        // of tens of microseconds, where a helper that starts late keeps the caller waiting: their
        // channels go in up to four parts per worker, which the workers take as they become free (LW3K
        // at batch 1 with 2 threads, 1,024 to 1,185 img/s). Large blocks (VGG) keep one part per worker:
        // their phases are long enough, and thinner products were slower (37-39 to 32-36 img/s).
        let partsPerWorker = blockTiles < 256 ? 4 : 1
        convolve(x, u, bias: bias, y, scratch: scratch) { count, body in
            // Parts of 32 channels or more: thinner products lose more than the balance gains.
            Parallel.forEachPart(count, partsPerWorker: partsPerWorker, minimumPart: 32) { range in body(range) }
        }
    }
}
