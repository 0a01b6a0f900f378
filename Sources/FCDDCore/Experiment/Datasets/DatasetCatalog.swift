// How the dataset of a run is assembled for one nominal class (reference 7.1-7.7): the raw splits from
// the readers, the online supervisor with its noise or outlier-exposure source (6.2-6.7), and the
// dataset's item pipelines. The settings were checked against what each dataset offers before
// (SettingsValidation.swift).

public enum DatasetCatalog {
    /// Class names of the configured dataset, in index order.
    public static func classNames(_ settings: Settings) throws -> [String] {
        switch settings.dataset {
        case .synthetic: return SyntheticTexture.allCases.map { $0.name }
        case .fmnist: return ArchiveDatasets.fmnistClassNames
        case .cifar10: return ArchiveDatasets.cifar10ClassNames
        case .mvtec: return MVTecAD.classNames
        case .imagenet: return ImageNet30.classNames
        case .pascalvoc: return ["horse"]
        case .custom:
            return try CustomFolderDataset(dataDirectory: settings.datadir, layout: settings.oneVsRest ? .oneVsRest : .normalAnomalous,
                                           groundTruthMaps: settings.groundTruthMaps).classNames
        }
    }

    public static func prepare(_ settings: Settings, nominalClass c: Int, seed: UInt64,
                               log: (String) -> Void) throws -> PreparedDataset {
        var rng = RandomSource(seed: mixSeed(seed, 0xDA7A))   // one-off draws: OE limits, resampling
        switch settings.dataset {
        case .synthetic: return try SyntheticSetup.prepare(settings, nominalClass: c, seed: seed, log: log)
        case .fmnist, .cifar10: return try ArchiveDatasets.prepare(settings, nominalClass: c, rng: &rng, log: log)
        case .mvtec, .imagenet, .pascalvoc, .custom:
            return try FolderDatasets.prepare(settings, nominalClass: c, rng: &rng, log: log)
        }
    }

    /// The online supervisor of the settings with its outlier source (nil for synthetic noise).
    static func supervisor(_ settings: Settings, outliers: OutlierProvider?) throws -> OnlineSupervisor {
        try OnlineSupervisor(mode: settings.superviseMode,
                             noise: settings.noiseMode,
                             anomalousLabel: 1 - settings.nominalLabel, outliers: outliers)
    }

    /// Pipelines and spec checks shared by all datasets.
    static func pipelines(_ spec: PipelineSpec) throws -> (train: ItemPipeline, test: ItemPipeline) {
        (try ItemPipeline(spec: spec, training: true), try ItemPipeline(spec: spec, training: false))
    }
}

/// The embedded synthetic dataset: textured surfaces (32x32 RGB), the generic item pipeline with LCN
/// constants computed from the nominal training images, confetti-style artificial anomalies by default.
enum SyntheticSetup {
    static func prepare(_ settings: Settings, nominalClass c: Int, seed: UInt64, log: (String) -> Void) throws -> PreparedDataset {
        guard let texture = SyntheticTexture(rawValue: c) else {
            throw EngineError.invalidArgument("synthetic dataset: class \(c) does not exist (0 fabric, 1 wood, 2 tiles)")
        }
        // The data are a function of the dataset seed only (not the run seed), like a dataset on disk.
        let train = try SyntheticTextureSource(texture: texture, train: true, seed: 2021)
        let test = try SyntheticTextureSource(texture: texture, train: false, seed: 2021)
        let side = SyntheticTextureSource.side
        let preproc = settings.preprocessing
        let constants = try ChannelStatistics.constants(for: preproc, count: train.count, channels: 3) { try train.image(at: $0) }
        let spec = try PipelineSpec.generic(preprocessing: preproc, channels: 3, height: side, width: side, constants: constants)
        let (trainPipe, testPipe) = try DatasetCatalog.pipelines(spec)
        log("synthetic textures '\(texture.name)': \(train.count) nominal training images, \(test.count) test images (\(test.count - 100) with defects)")
        var rng = RandomSource(seed: mixSeed(seed, 0x0FF1))
        let trainSamples = try DatasetCatalog.trainingSamples(settings, raw: train, distinct: train.count, pipeline: trainPipe,
                                                              outliers: nil, labelOf: { _ in settings.nominalLabel },
                                                              rawShape: [3, side, side], rng: &rng)
        let testSamples = PipelineTestSamples(raw: SyntheticLabels(source: test), pipeline: testPipe,
                                              nominalLabel: settings.nominalLabel,
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
