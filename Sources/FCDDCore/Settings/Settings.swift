// The settings of a training run, typed: what `fcdd-swift train` runs (an experiment over a dataset's
// classes and repetitions) and what `fs.FCDD` trains (a detector on arrays). Both build their network,
// optimiser and training loop from these values in one place (Training/TrainingSession.swift).
//
// The property initialisers are the general defaults of the original's runners (reference 9.1). Which
// fields each context reads, their names, command-line options, ranges and help are listed once in
// SettingsSchema.swift; the per-dataset and per-profile defaults in RunnerDefaults.swift; how given
// values and defaults combine in SettingsResolution.swift; the checks across fields in
// SettingsValidation.swift.

/// Where settings are used: an experiment (`fcdd-swift train`, `fcdd_experiment_run`) or the in-memory
/// detector (`fs.FCDD`, `fcdd_detector_*`).
public enum SettingsContext: String, CaseIterable {
    case experiment, detector
}

public struct Settings: Equatable {
    // The data (experiments read datasets from disk; the detector gets arrays).
    public var dataset = Dataset.synthetic
    public var datadir = "data/datasets"
    /// Nominal classes to run; empty: every class of the dataset.
    public var classes: [Int] = []
    /// Repetitions per class (`it_0 ..< it_{it-1}`); repetition i uses seed + i.
    public var iterations = 5
    public var oneVsRest = false
    public var groundTruthMaps = false
    /// The label of nominal samples (0; Pascal VOC's runner uses 1).
    public var nominalLabel = 0

    // The network.
    public var net = "FCDD_CNN224_VGG_F"
    public var objective = Objective.fcdd
    public var bias = true
    /// torchvision's ImageNet vgg11_bn weights, its .pth checkpoint or safetensors (for FCDD_CNN224_VGG and _VGG_F).
    public var vggWeights: String?

    // Training.
    public var epochs = 200
    public var batchSize = 128
    /// Loader batches concatenated per optimiser step.
    public var accBatches = 1
    public var optimizer = OptimizerKind.sgd
    public var learningRate = 1e-3
    public var weightDecay = 1e-6
    public var scheduler = ScheduleKind.lambda
    /// `--lr-sched-param`: lambda [GAMMA], milestones [GAMMA, M1, M2, ...].
    public var schedulerParameters = [0.985]
    public var seed = 0
    /// Engine worker threads; nil: one per core.
    public var threads: Int?
    /// Snapshot to resume from (`--load`).
    public var load: String?

    // Artificial anomalies and preprocessing.
    public var preprocessing = PreprocessingKind.aug1
    public var superviseMode = SuperviseMode.noise
    public var noiseMode = NoiseMode.imagenet22k
    /// Distinct outlier-exposure samples (MVTec: per defect type); nil: no limit.
    public var oeLimit: Int?
    public var offlineSupervision = false

    // Tiles of large images (fs.FCDD): the network's input side, the step between tiles, and how the
    // tiles' scores make the image's; nil tile size: images are resized to the network's size.
    public var tileSize: Int?
    public var tileStride: Int?
    public var tileScore = TileScore.max
    public var tileTopK = 3

    // Heatmaps, evaluation and output.
    /// Std of the receptive-field Gaussian (heatmaps and the ground-truth loss).
    public var gaussStd = 10.0
    /// Quantile of the heatmap normalisation in pictures and overlays.
    public var quantile = 0.97
    /// Largest tile side of the overview pictures.
    public var resdown = 64
    public var blurHeatmaps = false
    /// The experiment's root folder; `{t}` becomes the start time YYYYmmddHHMMSS.
    public var logdir = "data/results/fcdd_{t}"
    /// Appended to `logdir` (default `_<dataset>_` when `logdir` holds `{t}`).
    public var logdirSuffix = ""
    /// Write into an experiment folder that already holds files (`--overwrite`); without it that is an error.
    public var overwrite = false
    /// Free text stored with the configuration.
    public var readme = ""
    /// Log root of an earlier experiment whose paper-picture samples are drawn again.
    public var vizIds: String?

    // The detector's own (PyOD's conventions).
    /// Share of anomalies assumed in the training data; sets the detector's threshold.
    public var contamination = 0.1
    /// 0 silent, 1 progress bar, 2 also a line per epoch.
    public var verbose = 1

    public init() {}

    /// The optimiser of these settings (momentum, Nesterov and Adam's betas as in the original).
    public var optimizerSettings: OptimizerSettings {
        OptimizerSettings(kind: optimizer, learningRate: learningRate, weightDecay: weightDecay)
    }

    /// The learning-rate schedule (`scheduler` with `lr_sched_param`; valid after validation). Errors name
    /// the parameters as `label`.
    public func schedule(label: String = "lr_sched_param") throws -> LearningRateSchedule {
        try LearningRateSchedule(kind: scheduler, parameters: schedulerParameters, field: label)
    }

    /// The seed of repetition `iteration` (the original runs repetitions unseeded; here seed + i).
    public func runSeed(iteration: Int) -> UInt64 { UInt64(seed) &+ UInt64(iteration) }

    /// `logdir + logdirSuffix` with `{t}` replaced by `time` (YYYYmmddHHMMSS).
    public func experimentDirectory(startTime time: String) -> String {
        (logdir + logdirSuffix).replacing("{t}", with: time)
    }
}
