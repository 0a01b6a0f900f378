// The folder-based datasets assembled for a run: MVTec-AD (7.4), ImageNet-30 (7.5), Pascal VOC 2007
// (7.6) and custom image folders (7.7), with their default outlier-exposure sources (6.7).

enum FolderDatasets {
    static func prepare(_ settings: Settings, nominalClass c: Int, rng: inout RandomSource,
                        log: (String) -> Void) throws -> PreparedDataset {
        let preproc = settings.preprocessing
        let noise = settings.noiseMode
        let usesOE = noise.isOutlierExposure && settings.superviseMode == .noise
        switch settings.dataset {
        case .mvtec:
            let data = try MVTecADDataset(dataDirectory: settings.datadir)
            log("MVTec-AD: \(data.cachePath) (\(data.cacheStatus))")
            let spec = try PipelineSpec.mvtec(normalClass: c, preprocessing: preproc, rawSide: 240)
            let (trainPipe, testPipe) = try DatasetCatalog.pipelines(spec)
            var outliers: OutlierProvider? = nil
            if usesOE {
                guard noise == .mvtec || noise == .mvtecGT else {
                    throw EngineError.invalidArgument("mvtec: outlier exposure from '\(noise.rawValue)' is not offered; use confetti (default), mvtec or mvtec_gt")
                }
                let pool = try data.outlierSource(classIndex: c, limitPerDefectType: settings.oeLimit,
                                                  withGroundTruth: noise == .mvtecGT, using: &rng)
                log("outlier exposure: \(pool.count) defective test images of class \(MVTecAD.classNames[c]) (they stay in the test set, as in the original)")
                outliers = PoolOutliers(pool: pool, rawShape: spec.rawShape) { image, _, _ in image }
            }
            // The training set is repeated 10 times per epoch (reference 7.4).
            let train = try data.trainSplit(classIndex: c, repetitions: 10)
            let test = try data.testSplit(classIndex: c)
            let masks = try data.originalResolutionMasks(classIndex: c)
            return PreparedDataset(
                className: MVTecAD.classNames[c],
                train: try DatasetCatalog.trainingSamples(settings, raw: train, distinct: train.count / train.repetitions,
                                                          pipeline: trainPipe, outliers: outliers, labelOf: { _ in 0 },
                                                          rawShape: spec.rawShape, rng: &rng),
                test: PipelineTestSamples(raw: test, pipeline: testPipe, nominalLabel: 0, originalMaps: { try masks.mask(at: $0) }),
                preprocessing: spec.json)

        case .imagenet:
            let data = ImageNet30(dataDirectory: settings.datadir)
            let spec = try PipelineSpec.imagenet(preprocessing: preproc)
            let (trainPipe, testPipe) = try DatasetCatalog.pipelines(spec)
            // The dataset's own folders first: a missing ImageNet-30 should not be reported only after
            // walking (or failing on) the outlier pool, which for ImageNet-22k takes hours.
            let train = try data.trainSplit(nominalClass: c)
            let test = try data.testSplit(nominalClass: c)
            let order = try data.testOrder(testCount: test.count)
            let outliers = usesOE ? try imageNetOutliers(settings, noise: noise, rawShape: spec.rawShape, rng: &rng, log: log) : nil
            log(order.note)
            return PreparedDataset(
                className: ImageNet30.classNames[c],
                train: SupervisedTrainingSamples(raw: train, supervisor: try DatasetCatalog.supervisor(settings, outliers: outliers),
                                                 pipeline: trainPipe,
                                                 labelOf: { train.isAnomalous(at: $0) ? 1 - settings.nominalLabel : settings.nominalLabel },
                                                 rawShape: spec.rawShape),
                test: PipelineTestSamples(raw: test, pipeline: testPipe, nominalLabel: settings.nominalLabel, originalMaps: nil,
                                          order: order.permutation),
                preprocessing: spec.json)

        case .pascalvoc:
            guard c == 0 else { throw EngineError.invalidArgument("pascalvoc has only class 0 (horse)") }
            let data = PascalVOC2007(dataDirectory: settings.datadir)
            let spec = try PipelineSpec.pascalVOC(preprocessing: preproc, nominalLabel: settings.nominalLabel)
            let (trainPipe, testPipe) = try DatasetCatalog.pipelines(spec)
            let train = try data.trainSplit()
            let testSplit = try data.testSplit()   // checked before the outlier pool, as for ImageNet-30
            let outliers = usesOE ? try imageNetOutliers(settings, noise: noise, rawShape: spec.rawShape, rng: &rng, log: log) : nil
            let stretch: (RawImage) -> RawImage = { $0.contrastStretched() }
            var samples = SupervisedTrainingSamples(raw: train, supervisor: try DatasetCatalog.supervisor(settings, outliers: outliers),
                                                    pipeline: trainPipe, labelOf: { _ in settings.nominalLabel }, rawShape: spec.rawShape)
            samples.keptImageAdjustment = stretch
            var test = PipelineTestSamples(raw: testSplit, pipeline: testPipe, nominalLabel: settings.nominalLabel, originalMaps: nil)
            test.keptImageAdjustment = stretch
            return PreparedDataset(className: "horse", train: samples, test: test, preprocessing: spec.json)

        case .custom:
            let data = try CustomFolderDataset(dataDirectory: settings.datadir, layout: settings.oneVsRest ? .oneVsRest : .normalAnomalous,
                                               groundTruthMaps: settings.groundTruthMaps)
            guard c < data.classNames.count else {
                throw EngineError.invalidArgument("custom: class \(c) does not exist (classes: \(data.classNames.joined(separator: ", ")))")
            }
            let train = try settings.superviseMode == .other ? data.balancedTrainSplit(nominalClass: c, using: &rng)
                                                           : data.trainSplit(nominalClass: c)
            let nominalTrain = try data.trainSplit(nominalClass: c)
            // Normalisation constants from the nominal training images at 224x224 (reference 7.7).
            let stats = try ChannelStatistics.meanAndStd(count: nominalTrain.count, channels: 3, resize: .exact(height: 224, width: 224)) {
                try nominalTrain.image(at: $0)
            }
            log("custom: \(train.count) training images of class \(data.classNames[c]); mean \(stats.mean), std \(stats.std)")
            let spec = try PipelineSpec.custom(preprocessing: preproc, mean: stats.mean, std: stats.std,
                                               groundTruthMaps: settings.groundTruthMaps, nominalLabel: settings.nominalLabel)
            let (trainPipe, testPipe) = try DatasetCatalog.pipelines(spec)
            let test = try data.testSplit(nominalClass: c)
            var originalMaps: ((Int) throws -> RawImage?)? = nil
            if settings.groundTruthMaps {
                // Maps of the nominal class's test images (all test images in the normal/anomalous layout);
                // one-vs-rest test images of other classes are left out of the pixel AUC, as in the original.
                let (indices, maps) = try data.originalResolutionTestMaps(nominalClass: c)
                var byIndex = [Int: RawImage]()
                for (i, m) in zip(indices, maps) { byIndex[i] = m }
                originalMaps = { byIndex[$0] }
            }
            // After the dataset's own files (and maps) are known to be complete, as for ImageNet-30.
            let outliers = usesOE ? try imageNetOutliers(settings, noise: noise, rawShape: spec.rawShape, rng: &rng, log: log) : nil
            return PreparedDataset(
                className: data.classNames[c],
                train: SupervisedTrainingSamples(raw: train, supervisor: try DatasetCatalog.supervisor(settings, outliers: outliers),
                                                 pipeline: trainPipe, labelOf: { train.isAnomalous(at: $0) ? 1 - settings.nominalLabel : settings.nominalLabel },
                                                 rawShape: spec.rawShape),
                test: PipelineTestSamples(raw: test, pipeline: testPipe, nominalLabel: settings.nominalLabel, originalMaps: originalMaps),
                preprocessing: spec.json)

        default:
            preconditionFailure("not a folder dataset")
        }
    }

    /// ImageNet-22k (square raw shape requested, shorter side resized as the original) or ImageNet-1k
    /// validation images (VOC class names excluded) as outlier exposure.
    static func imageNetOutliers(_ settings: Settings, noise: NoiseMode, rawShape: [Int], rng: inout RandomSource,
                                 log: (String) -> Void) throws -> OutlierProvider {
        switch noise {
        case .imagenet22k:
            let pool = try ImageNetOutliers.imageNet22k(dataDirectory: settings.datadir, limit: settings.oeLimit,
                                                        blackImageSide: rawShape[1], using: &rng)
            log("outlier exposure: \(pool.count) ImageNet-22k images")
            return PoolOutliers(pool: pool, rawShape: rawShape) { image, side, _ in try image.resized(to: .shorterSide(side)) }
        case .imagenet:
            let words = settings.dataset == .pascalvoc ? ImageNetOutliers.vocClassNames : []
            let pool = try ImageNetOutliers.imageNet1kValidation(dataDirectory: settings.datadir, excludingClassesNamed: words,
                                                                 limit: settings.oeLimit, using: &rng)
            log("outlier exposure: \(pool.count) ImageNet-1k validation images")
            return PoolOutliers(pool: pool, rawShape: rawShape) { image, h, w in try image.resized(to: .exact(height: h, width: w)) }
        default:
            throw EngineError.invalidArgument("\(settings.dataset.rawValue): outlier exposure from '\(noise.rawValue)' is not offered; use imagenet22k or imagenet")
        }
    }
}
