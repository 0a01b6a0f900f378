// The datasets that come as archives of small images (reference 7.2-7.3: Fashion-MNIST, CIFAR-10) share
// their assembly: one-vs-rest on the archive's classes, with CIFAR-100 or EMNIST-letters outlier exposure
// (6.7). Their definitions give the splits, read into memory once (60 MB for Fashion-MNIST, 180 MB for
// CIFAR-10), and the spec.

enum OneVsRestArchives {
    /// The archive's training and test splits of a dataset and the item-pipeline spec of class `c`.
    struct Splits {
        var train: ImageSource
        var test: ImageSource
        var spec: PipelineSpec
    }

    /// Refuses a class outside the archive's (before anything is read).
    static func checkClass(_ c: Int, of settings: Settings, classNames names: [String]) throws {
        guard (0..<names.count).contains(c) else {
            throw EngineError.invalidArgument("\(settings.dataset.rawValue): class \(c) does not exist (0..<\(names.count))")
        }
    }

    /// The data of the run of nominal class `c`.
    static func prepare(_ settings: Settings, nominalClass c: Int, classNames names: [String], splits: Splits, seed: UInt64,
                        log: (String) -> Void) throws -> PreparedDataset {
        var rng = DatasetCatalog.oneOffDraws(seed: seed)
        let (trainAll, testAll, spec) = (splits.train, splits.test, splits.spec)
        let (trainPipe, testPipe) = try DatasetCatalog.pipelines(spec)

        // Online supervision trains on the nominal class only (`other` included, reference 6.1); offline
        // `other` uses the whole training split with one-vs-rest labels.
        let wholeSplit = settings.superviseMode == .other && settings.offlineSupervision
        let indices = (0..<trainAll.count).filter { wholeSplit || trainAll.classLabel(at: $0) == c }
        guard !indices.isEmpty else { throw EngineError.notFound("\(settings.dataset.rawValue): no training images of class \(c)") }
        let train = ClassSubset(base: trainAll, indices: indices, nominalClass: c)
        let test = ClassSubset(base: testAll, indices: Array(0..<testAll.count), nominalClass: c)

        let noise = settings.noiseMode
        var outliers: OutlierProvider? = nil
        if settings.drawsOutlierImages {
            outliers = try archiveOutliers(settings, noise: noise, rawShape: spec.rawShape, rng: &rng, log: log)
        }
        log("\(settings.dataset.rawValue): \(train.count) training images (class \(names[c])), \(test.count) test images of all classes")
        let samples = try DatasetCatalog.trainingSamples(
            settings, raw: train, distinct: train.count, pipeline: trainPipe, outliers: outliers,
            labelOf: { train.isAnomalous(at: $0) ? 1 - settings.nominalLabel : settings.nominalLabel },
            rawShape: spec.rawShape, rng: &rng)
        return PreparedDataset(className: names[c], train: samples,
                               test: PipelineTestSamples(raw: test, pipeline: testPipe, nominalLabel: settings.nominalLabel, originalMaps: nil),
                               preprocessing: spec.json)
    }

    /// CIFAR-100 train (resized bilinear, gray for 1-channel data) or EMNIST letters (upright, resized).
    static func archiveOutliers(_ settings: Settings, noise: NoiseMode, rawShape: [Int], rng: inout RandomSource,
                                log: (String) -> Void) throws -> OutlierProvider {
        let pool: ImageSource
        switch noise {
        case .cifar100: pool = try CIFARImageSource.cifar100(datadir: settings.datadir, train: true)
        case .emnist: pool = try IDXImageSource.emnistLetters(datadir: settings.datadir)
        default:
            throw EngineError.invalidArgument("\(settings.dataset.rawValue): outlier exposure from '\(noise.rawValue)' is not offered; use cifar100 or emnist")
        }
        var limited: ImageSource = pool
        if let limit = settings.oeLimit, limit < pool.count {
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
