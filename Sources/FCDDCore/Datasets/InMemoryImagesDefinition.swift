// The in-memory images of `fs.FCDD.fit` (Detector/): arrays of any size, 1 or 3 channels, optionally with
// ground-truth maps, with constants computed from the training images. Not a dataset `-d` offers, but a
// dataset of the item pipelines: the detector's model files and the synthetic textures' runs name it
// ("generic", "generic_gtm") in their specs.

struct InMemoryImagesDefinition: DatasetDefinition {
    let name = "generic"
    var offeredByDatasetOption: Bool { false }
    var inputHelp: HelpPart { HelpPart(own: "") }   // not listed: -d does not offer it
    var classesHelp: HelpPart { HelpPart(own: "") }

    var preprocessings: [PreprocessingKind] { [.lcnaug1, .aug1, .lcn, .none] }
    var groundTruthMaps: GroundTruthMapSupport { .optional }
    func itemTransform(for spec: PipelineSpec) -> ItemTransform { .resizedToInput }

    // Nothing is read from disk: an experiment cannot name these images (`-d` does not offer them).
    private var notAnExperimentDataset: EngineError {
        .invalidArgument("\(name): the in-memory images of fs.FCDD.fit are not a dataset of experiments; use one of \(Dataset.choiceNames.joined(separator: ", "))")
    }
    func checkFiles(_ settings: Settings) throws { throw notAnExperimentDataset }
    func classNames(_ settings: Settings) throws -> [String] { throw notAnExperimentDataset }
    func prepare(_ settings: Settings, nominalClass: Int, seed: UInt64, log: (String) -> Void) throws -> PreparedDataset {
        throw notAnExperimentDataset
    }
}

extension Dataset {
    /// The in-memory images of `fs.FCDD.fit`.
    public static let generic = Dataset(InMemoryImagesDefinition())
}

extension PipelineSpec {
    /// Arbitrary in-memory images of one size (`channels x height x width`, 1 or 3 channels), with
    /// constants from `ChannelStatistics` (mean/std for aug1/none, LCN range for lcnaug1/lcn). Raw images
    /// of another size (`rawHeight x rawWidth`) are first resized to the input size (PIL bilinear).
    public static func generic(preprocessing: PreprocessingKind, channels: Int, height: Int, width: Int,
                               rawHeight: Int? = nil, rawWidth: Int? = nil, constants: ChannelConstants,
                               groundTruthMaps: Bool = false) throws -> PipelineSpec {
        try make(PipelineDataset(.generic, groundTruthMaps: groundTruthMaps), preprocessing, nil, constants,
                 raw: [channels, rawHeight ?? height, rawWidth ?? width], shape: [channels, height, width])
    }
}
