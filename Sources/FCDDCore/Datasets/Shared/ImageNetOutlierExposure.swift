// Outlier exposure from ImageNet (reference 6.7) for the datasets of large RGB images (ImageNet-30,
// Pascal VOC, custom folders): the pools of Data/Folders/ImageNetOutliers.swift brought to the dataset's
// raw shape as the original's sources do.

enum ImageNetOutlierExposure {
    /// ImageNet-22k (square raw shape requested, shorter side resized as the original) or ImageNet-1k
    /// validation images without the classes whose names contain one of `excludedWords` (a dataset's
    /// own classes, which would not be outliers).
    static func outliers(_ settings: Settings, noise: NoiseMode, rawShape: [Int], excludedWords: [String] = [],
                         rng: inout RandomSource, log: (String) -> Void) throws -> OutlierProvider {
        switch noise {
        case .imagenet22k:
            let pool = try ImageNetOutliers.imageNet22k(dataDirectory: settings.datadir, limit: settings.oeLimit,
                                                        blackImageSide: rawShape[1], using: &rng)
            log("outlier exposure: \(pool.count) ImageNet-22k images")
            return PoolOutliers(pool: pool, rawShape: rawShape) { image, side, _ in try image.resized(to: .shorterSide(side)) }
        case .imagenet:
            let pool = try ImageNetOutliers.imageNet1kValidation(dataDirectory: settings.datadir, excludingClassesNamed: excludedWords,
                                                                 limit: settings.oeLimit, using: &rng)
            log("outlier exposure: \(pool.count) ImageNet-1k validation images")
            return PoolOutliers(pool: pool, rawShape: rawShape) { image, h, w in try image.resized(to: .exact(height: h, width: w)) }
        default:
            throw EngineError.invalidArgument("\(settings.dataset.rawValue): outlier exposure from '\(noise.rawValue)' is not offered; use imagenet22k or imagenet")
        }
    }
}
