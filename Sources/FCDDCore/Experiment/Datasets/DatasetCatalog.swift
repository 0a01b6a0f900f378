// Which dataset a run uses and how it is assembled for one nominal class (reference 7.1-7.7): the raw
// splits from the readers, the online supervisor with its noise or outlier-exposure source (6.2-6.7), and
// the dataset's item pipelines. Offline supervision, when asked for, is rejected where the original
// rejects it; everywhere else the anomalies are generated online (see the README).

public enum DatasetCatalog {
    /// Class names of the configured dataset, in index order.
    public static func classNames(_ config: ExperimentConfig) throws -> [String] {
        switch config.dataset {
        case .synthetic: return SyntheticTexture.allCases.map { $0.name }
        case .fmnist: return ArchiveDatasets.fmnistClassNames
        case .cifar10: return ArchiveDatasets.cifar10ClassNames
        case .mvtec: return MVTecAD.classNames
        case .imagenet: return ImageNet30.classNames
        case .pascalvoc: return ["horse"]
        case .custom:
            return try CustomFolderDataset(dataDirectory: config.datadir, layout: config.oneVsRest ? .oneVsRest : .normalAnomalous,
                                           groundTruthMaps: config.groundTruthMaps).classNames
        }
    }

    public static func prepare(_ config: ExperimentConfig, nominalClass c: Int, seed: UInt64,
                               log: (String) -> Void) throws -> PreparedDataset {
        try checkSupervision(config)
        var rng = RandomSource(seed: mixSeed(seed, 0xDA7A))   // one-off draws: OE limits, resampling
        switch config.dataset {
        case .synthetic: return try SyntheticSetup.prepare(config, nominalClass: c, seed: seed, log: log)
        case .fmnist, .cifar10: return try ArchiveDatasets.prepare(config, nominalClass: c, rng: &rng, log: log)
        case .mvtec, .imagenet, .pascalvoc, .custom:
            return try FolderDatasets.prepare(config, nominalClass: c, rng: &rng, log: log)
        }
    }

    static func checkSupervision(_ config: ExperimentConfig) throws {
        let noise = try NoiseMode(name: config.noiseMode)
        let mode = try SuperviseMode(name: config.superviseMode.rawValue)
        if noise == .outlierExposure {
            throw EngineError.invalidArgument("noise mode 'outlier_exposure' uses the images given to fs.FCDD.fit (oe_data, known anomalies); experiments name an outlier dataset instead (cifar100, emnist, imagenet, imagenet22k, mvtec, mvtec_gt)")
        }
        if config.offlineSupervision {
            guard [.synthetic, .fmnist, .cifar10, .mvtec].contains(config.dataset) else {
                throw EngineError.invalidArgument("--offline-supervision is not available for \(config.dataset.rawValue) (as in the original: only fmnist, cifar10 and mvtec, and here synthetic)")
            }
            guard noise != .mvtec && noise != .mvtecGT else {
                throw EngineError.invalidArgument("noise modes 'mvtec' and 'mvtec_gt' work with online supervision only")
            }
        }
        if (mode == .malformedNormal || mode == .malformedNormalGT) && noise.isOutlierExposure {
            throw EngineError.invalidArgument("supervise mode '\(mode.rawValue)' adds synthetic noise to nominal images and needs a synthetic noise mode (confetti, gaussian, uniform, blob, mixed_blob, solid), not '\(noise.rawValue)'")
        }
        if (noise == .mvtec || noise == .mvtecGT) && config.dataset != .mvtec {
            throw EngineError.invalidArgument("noise mode '\(noise.rawValue)' uses MVTec-AD defects and only works with -d mvtec")
        }
        if config.dataset == .synthetic && mode == .noise && noise.isOutlierExposure {
            throw EngineError.invalidArgument("the synthetic dataset has no outlier-exposure source for noise mode '\(noise.rawValue)'; use a synthetic noise mode such as confetti")
        }
        if config.dataset == .mvtec && config.nominalLabel != 0 {
            // Checked here because MVTec's labels are fixed below (nominal 0); ignoring the option would
            // give the supervisor's anomalies label 0 too and train on a single label.
            throw EngineError.invalidArgument("mvtec: nominal label 1 is refused (the original transforms MVTec test labels twice and inverts them); use nominal_label 0")
        }
        if config.dataset == .imagenet && (mode == .malformedNormal || mode == .malformedNormalGT) {
            throw EngineError.invalidArgument("imagenet supports the supervise modes unsupervised, other and noise (as the original)")
        }
    }

    /// The online supervisor for `config` with its outlier source (nil for synthetic noise).
    static func supervisor(_ config: ExperimentConfig, outliers: OutlierProvider?) throws -> OnlineSupervisor {
        try OnlineSupervisor(mode: try SuperviseMode(name: config.superviseMode.rawValue),
                             noise: try NoiseMode(name: config.noiseMode),
                             anomalousLabel: 1 - config.nominalLabel, outliers: outliers)
    }

    /// Pipelines and spec checks shared by all datasets.
    static func pipelines(_ spec: PipelineSpec) throws -> (train: ItemPipeline, test: ItemPipeline) {
        (try ItemPipeline(spec: spec, training: true), try ItemPipeline(spec: spec, training: false))
    }
}

/// The embedded synthetic dataset: textured surfaces (32x32 RGB), the generic item pipeline with LCN
/// constants computed from the nominal training images, confetti-style artificial anomalies by default.
enum SyntheticSetup {
    static func prepare(_ config: ExperimentConfig, nominalClass c: Int, seed: UInt64, log: (String) -> Void) throws -> PreparedDataset {
        guard let texture = SyntheticTexture(rawValue: c) else {
            throw EngineError.invalidArgument("synthetic dataset: class \(c) does not exist (0 fabric, 1 wood, 2 tiles)")
        }
        // The data are a function of the dataset seed only (not the run seed), like a dataset on disk.
        let train = try SyntheticTextureSource(texture: texture, train: true, seed: 2021)
        let test = try SyntheticTextureSource(texture: texture, train: false, seed: 2021)
        let side = SyntheticTextureSource.side
        let preproc = try PreprocessingKind(name: config.preproc)
        let constants = try ChannelStatistics.constants(for: preproc, count: train.count, channels: 3) { try train.image(at: $0) }
        let spec = try PipelineSpec.generic(preprocessing: preproc, channels: 3, height: side, width: side, constants: constants)
        let (trainPipe, testPipe) = try DatasetCatalog.pipelines(spec)
        log("synthetic textures '\(texture.name)': \(train.count) nominal training images, \(test.count) test images (\(test.count - 100) with defects)")
        var rng = RandomSource(seed: mixSeed(seed, 0x0FF1))
        let trainSamples = try DatasetCatalog.trainingSamples(config, raw: train, distinct: train.count, pipeline: trainPipe,
                                                              outliers: nil, labelOf: { _ in config.nominalLabel },
                                                              rawShape: [3, side, side], rng: &rng)
        let testSamples = PipelineTestSamples(raw: SyntheticLabels(source: test), pipeline: testPipe,
                                              nominalLabel: config.nominalLabel,
                                              originalMaps: { try test.groundTruth(at: $0)! })
        return PreparedDataset(className: texture.name, train: trainSamples, test: testSamples, preprocessing: spec.json)
    }
}

/// Synthetic test images are anomalous when they carry a defect.
struct SyntheticLabels: AnomalyLabeledSource {
    let source: SyntheticTextureSource
    var count: Int { source.count }
    func image(at index: Int) throws -> RawImage { try source.image(at: index) }
    func classLabel(at index: Int) -> Int { source.classLabel(at: index) }
    func isAnomalous(at index: Int) -> Bool { source.classLabel(at: index) != 0 }
    var hasGroundTruth: Bool { true }
    func groundTruth(at index: Int) throws -> RawImage? { try source.groundTruth(at: index) }
}
