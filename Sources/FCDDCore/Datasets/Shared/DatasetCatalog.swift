// What a run asks of its dataset (reference 7.1-7.7): the class names and, for one nominal class, the
// prepared data, both from the dataset's definition; and the pieces every definition assembles its data
// from (the online supervisor, the item pipelines). The settings were checked against what each dataset
// offers before (SettingsValidation.swift).

public enum DatasetCatalog {
    /// Class names of the configured dataset, in index order.
    public static func classNames(_ settings: Settings) throws -> [String] {
        try settings.dataset.definition.classNames(settings)
    }

    /// The data of the run of nominal class `c`; `seed` is the run's.
    public static func prepare(_ settings: Settings, nominalClass c: Int, seed: UInt64,
                               log: (String) -> Void) throws -> PreparedDataset {
        try settings.dataset.definition.prepare(settings, nominalClass: c, seed: seed, log: log)
    }

    /// The source of the one-off draws of a run's data (outlier-exposure limits, resampling), apart from
    /// the draws of training.
    static func oneOffDraws(seed: UInt64) -> RandomSource { RandomSource(seed: mixSeed(seed, 0xDA7A)) }

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

extension Settings {
    /// Whether the run's anomalies include outlier images read from disk (supervise mode `noise` with an
    /// outlier-exposure noise mode).
    var drawsOutlierImages: Bool { noiseMode.isOutlierExposure && superviseMode == .noise }
}
