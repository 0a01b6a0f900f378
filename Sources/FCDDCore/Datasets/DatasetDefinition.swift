// Everything the engine knows about one dataset, in one place: its name, the defaults of its runner, its
// files on disk, what it offers of the original's options (preprocessing, outlier exposure, offline
// supervision, supervise modes) and its own checks, its item transform and constants, its class names and
// how a run's data are assembled. Every part of the engine asks the definition (through `Dataset`)
// instead of switching on dataset names, so that adding a dataset means writing its definition file and
// adding it to DatasetRegistry.swift, and nothing else.

/// A dataset's part of a help text that lists every dataset: its own words ("fmnist 1x28x28") and words it
/// may share with others ("as stored"), written once after all that share them ("fmnist 1x28x28 and cifar10
/// 3x32x32 as stored"). Shared words start with their separator (" as stored", ", then a crop").
struct HelpPart {
    var own: String
    var shared: String = ""
}

/// Whether the items of a dataset carry ground-truth maps.
enum GroundTruthMapSupport {
    /// No pixel annotations.
    case never
    /// Only when asked for (custom folders with `-gtms`, `fs.FCDD.fit(..., gtmaps=...)`).
    case optional
    /// Always (MVTec-AD's masks, all zero for defect-free images).
    case always
}

/// The definition of one dataset. The defaults below are what most datasets have; a definition states
/// only where it differs.
protocol DatasetDefinition {
    // MARK: name and help

    /// The name of `-d`, of the runner's defaults in the schema and of item-pipeline specs in snapshots.
    var name: String { get }
    /// Whether `-d` offers the dataset (the in-memory images of `fs.FCDD.fit` are registered for their
    /// item pipeline only).
    var offeredByDatasetOption: Bool { get }
    /// Whether the engine generates the data (nothing is read from `datadir`).
    var generatedByEngine: Bool { get }
    /// Its part of the schema's help on `dataset`: how its images reach the network.
    var inputHelp: HelpPart { get }
    /// Its part of the schema's help on `classes`: its class indices.
    var classesHelp: HelpPart { get }

    // MARK: settings

    /// Changes Settings' general defaults (reference 9.1) to those of the dataset's runner (9.2).
    func applyRunnerDefaults(to settings: inout Settings)
    /// The supervise modes the dataset's runner accepts.
    var superviseModes: [SuperviseMode] { get }
    /// The outlier-exposure noise modes the dataset's runner reads from disk (supervise mode `noise`).
    var outlierSources: [NoiseMode] { get }
    /// Noise modes made from this dataset's own files, which therefore no other dataset can use.
    var exclusiveNoiseModes: [NoiseMode] { get }
    /// What those noise modes use, for the message that refuses them with another dataset.
    var exclusiveNoiseModesUse: String { get }
    /// Whether `--offline-supervision` exists for the dataset.
    var offersOfflineSupervision: Bool { get }
    /// Whether experiments can train and test on tiles of its images at their own resolution (`tile_size`).
    var trainsOnTiles: Bool { get }
    /// Checks of an experiment's settings that only this dataset has, after the common ones
    /// (SettingsValidation.swift); `label` gives a setting's name with its option.
    func validateExperiment(_ settings: Settings, label: (String) -> String) throws

    // MARK: item pipeline

    /// The preprocessing names (`--preproc`) the dataset offers, the default first where it has one.
    var preprocessings: [PreprocessingKind] { get }
    /// Why a preprocessing the original has is not offered, as " (reason)", or "".
    func refusalNote(for preprocessing: PreprocessingKind) -> String
    /// Whether its items carry ground-truth maps.
    var groundTruthMaps: GroundTruthMapSupport { get }
    /// Whether its runs build item pipelines of their own: false where a run uses another dataset's
    /// (the synthetic textures use the in-memory images' pipeline), so that no spec names it.
    var hasOwnItemPipeline: Bool { get }
    /// The shared transform that turns a raw image into the network input for `spec`.
    func itemTransform(for spec: PipelineSpec) -> ItemTransform
    /// Checks of a spec that only this dataset has (sizes, labels), after the common ones (PipelineSpec.validate).
    func validate(_ spec: PipelineSpec) throws

    // MARK: data

    /// Whether the dataset's files are where its reader looks (names, not contents); throws `.notFound`
    /// naming what is missing and the layout expected (Prerequisites.swift).
    func checkFiles(_ settings: Settings) throws
    /// Class names in class-index order.
    func classNames(_ settings: Settings) throws -> [String]
    /// The data of one run: training samples with the online supervisor, the test split, the spec.
    func prepare(_ settings: Settings, nominalClass: Int, seed: UInt64, log: (String) -> Void) throws -> PreparedDataset
}

extension DatasetDefinition {
    var offeredByDatasetOption: Bool { true }
    var generatedByEngine: Bool { false }
    func applyRunnerDefaults(to settings: inout Settings) {}
    var superviseModes: [SuperviseMode] { SuperviseMode.allCases }
    var outlierSources: [NoiseMode] { [] }
    var exclusiveNoiseModes: [NoiseMode] { [] }
    var exclusiveNoiseModesUse: String { "" }
    var offersOfflineSupervision: Bool { false }
    var trainsOnTiles: Bool { false }
    func validateExperiment(_ settings: Settings, label: (String) -> String) throws {}
    func refusalNote(for preprocessing: PreprocessingKind) -> String { "" }
    var groundTruthMaps: GroundTruthMapSupport { .never }
    var hasOwnItemPipeline: Bool { true }
    func validate(_ spec: PipelineSpec) throws {}

    /// "<name> 0-<last>" (or "<name> 0" for one class): the classes help of a fixed class list.
    func classIndexHelp(_ classNames: [String]) -> HelpPart {
        HelpPart(own: name, shared: classNames.count == 1 ? " 0" : " 0-\(classNames.count - 1)")
    }
}

/// Words several definitions use.
enum SharedDatasetText {
    /// Why the original's `none` is not offered for ImageNet-30 and Pascal VOC (reference Q8).
    static let brokenNone = " (the original's 'none' indexes the normalisation constants by class and is broken)"
    /// The crop of the shorter-side transform (ItemTransform.shorterSideThenCrop) in the dataset help.
    static let shorterSideCrop = ", then a 224x224 crop (random in training, centred in testing)"
}
