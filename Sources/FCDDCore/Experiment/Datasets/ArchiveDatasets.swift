// The datasets that come as archives of small images (reference 7.2-7.3): Fashion-MNIST (IDX) and
// CIFAR-10 (binary or python release), one-vs-rest, with CIFAR-100 or EMNIST-letters outlier exposure
// (6.7). These splits are read into memory once (60 MB for Fashion-MNIST, 180 MB for CIFAR-10).

enum ArchiveDatasets {
    static let fmnistClassNames = DatasetConstants.fmnistClasses
    static let cifar10ClassNames = DatasetConstants.cifar10Classes

    static func prepare(_ config: ExperimentConfig, nominalClass c: Int, rng: inout RandomSource,
                        log: (String) -> Void) throws -> PreparedDataset {
        let preproc = try PreprocessingKind(name: config.preproc)
        let isFMNIST = config.dataset == .fmnist
        let names = isFMNIST ? fmnistClassNames : cifar10ClassNames
        guard (0..<names.count).contains(c) else {
            throw EngineError.invalidArgument("\(config.dataset.rawValue): class \(c) does not exist (0..<\(names.count))")
        }
        let trainAll: ImageSource = isFMNIST ? try IDXImageSource.fashionMNIST(datadir: config.datadir, train: true)
                                             : try CIFARImageSource.cifar10(datadir: config.datadir, train: true)
        let testAll: ImageSource = isFMNIST ? try IDXImageSource.fashionMNIST(datadir: config.datadir, train: false)
                                            : try CIFARImageSource.cifar10(datadir: config.datadir, train: false)
        let spec = isFMNIST ? try PipelineSpec.fmnist(normalClass: c, preprocessing: preproc)
                            : try PipelineSpec.cifar10(normalClass: c, preprocessing: preproc)
        let (trainPipe, testPipe) = try DatasetCatalog.pipelines(spec)

        // Online supervision trains on the nominal class only (`other` included, reference 6.1); offline
        // `other` uses the whole training split with one-vs-rest labels.
        let wholeSplit = config.superviseMode == .other && config.offlineSupervision
        let indices = (0..<trainAll.count).filter { wholeSplit || trainAll.classLabel(at: $0) == c }
        guard !indices.isEmpty else { throw EngineError.notFound("\(config.dataset.rawValue): no training images of class \(c)") }
        let train = ClassSubset(base: trainAll, indices: indices, nominalClass: c)
        let test = ClassSubset(base: testAll, indices: Array(0..<testAll.count), nominalClass: c)

        let noise = try NoiseMode(name: config.noiseMode)
        var outliers: OutlierProvider? = nil
        if noise.isOutlierExposure && config.superviseMode == .noise {
            outliers = try archiveOutliers(config, noise: noise, rawShape: spec.rawShape, rng: &rng, log: log)
        }
        log("\(config.dataset.rawValue): \(train.count) training images (class \(names[c])), \(test.count) test images of all classes")
        let samples = try DatasetCatalog.trainingSamples(
            config, raw: train, distinct: train.count, pipeline: trainPipe, outliers: outliers,
            labelOf: { train.isAnomalous(at: $0) ? 1 - config.nominalLabel : config.nominalLabel },
            rawShape: spec.rawShape, rng: &rng)
        return PreparedDataset(className: names[c], train: samples,
                               test: PipelineTestSamples(raw: test, pipeline: testPipe, nominalLabel: config.nominalLabel, originalMaps: nil),
                               preprocessing: spec.json)
    }

    /// CIFAR-100 train (resized bilinear, gray for 1-channel data) or EMNIST letters (upright, resized).
    static func archiveOutliers(_ config: ExperimentConfig, noise: NoiseMode, rawShape: [Int], rng: inout RandomSource,
                                log: (String) -> Void) throws -> OutlierProvider {
        let pool: ImageSource
        switch noise {
        case .cifar100: pool = try CIFARImageSource.cifar100(datadir: config.datadir, train: true)
        case .emnist: pool = try IDXImageSource.emnistLetters(datadir: config.datadir)
        default:
            throw EngineError.invalidArgument("\(config.dataset.rawValue): outlier exposure from '\(noise.rawValue)' is not offered; use cifar100 or emnist")
        }
        var limited: ImageSource = pool
        if let limit = config.oeLimit, limit < pool.count {
            limited = ClassSubset(base: pool, indices: drawWithoutReplacement(limit, from: pool.count, using: &rng).sorted(), nominalClass: -1)
        }
        log("outlier exposure: \(limited.count) \(noise.rawValue) images")
        return PoolOutliers(pool: limited, rawShape: rawShape) { image, h, w in
            image.height == h && image.width == w ? image : try image.resized(to: .exact(height: h, width: w))
        }
    }
}

/// Some images of a split, with one-vs-rest anomaly flags for `nominalClass`.
struct ClassSubset: AnomalyLabeledSource {
    let base: ImageSource
    let indices: [Int]
    let nominalClass: Int

    var count: Int { indices.count }
    func image(at index: Int) throws -> RawImage { try base.image(at: indices[index]) }
    func classLabel(at index: Int) -> Int { base.classLabel(at: indices[index]) }
    func isAnomalous(at index: Int) -> Bool { classLabel(at: index) != nominalClass }
}
