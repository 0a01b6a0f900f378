// Pascal VOC 2007 for the "Clever Hans" experiment (reference 7.6): the horse images of the train split
// as the one nominal class (Data/Folders/PascalVOC.swift), square-resized to 224 so that the watermarks
// stay, nominal label 1, ImageNet-1k outlier exposure without the VOC classes, and the contrast stretch of
// the images the supervisor keeps.

struct PascalVOCDefinition: DatasetDefinition {
    let name = "pascalvoc"
    var inputHelp: HelpPart { HelpPart(own: "\(name) resized to 224x224") }
    var classesHelp: HelpPart { classIndexHelp(PascalVOCDefinition.classes) }

    /// The one class: images with a horse.
    static let classes = ["horse"]
    /// The VOC class names: ImageNet-1k classes whose names contain one are no outliers for VOC.
    static let outlierExclusions = [
        "person", "bird", "cat", "cow", "dog", "horse", "sheep", "aeroplane", "bicycle", "boat", "bus",
        "car", "motorbike", "train", "bottle", "chair", "table", "plant", "sofa", "tv", "monitor",
    ]

    func applyRunnerDefaults(to s: inout Settings) {
        s.net = "FCDD_CNN224_VGG_NOPT"; s.batchSize = 20; s.accBatches = 10; s.epochs = 600
        s.optimizer = .adam; s.scheduler = .milestones; s.schedulerParameters = [0.1, 400, 500]
        s.noiseMode = .imagenet; s.gaussStd = 8; s.quantile = 0.99; s.nominalLabel = 1
    }

    var outlierSources: [NoiseMode] { [.imagenet, .imagenet22k] }

    var preprocessings: [PreprocessingKind] { [.aug1] }
    func refusalNote(for preprocessing: PreprocessingKind) -> String { preprocessing == .none ? SharedDatasetText.brokenNone : "" }
    func itemTransform(for spec: PipelineSpec) -> ItemTransform { .squareResizeThenCrop }

    func checkFiles(_ settings: Settings) throws { try PascalVOC2007(dataDirectory: settings.datadir).checkListsExist() }

    func classNames(_ settings: Settings) throws -> [String] { PascalVOCDefinition.classes }

    func prepare(_ settings: Settings, nominalClass c: Int, seed: UInt64, log: (String) -> Void) throws -> PreparedDataset {
        var rng = DatasetCatalog.oneOffDraws(seed: seed)
        guard c == 0 else { throw EngineError.invalidArgument("pascalvoc has only class 0 (horse)") }
        let data = PascalVOC2007(dataDirectory: settings.datadir)
        let spec = try PipelineSpec.pascalVOC(preprocessing: settings.preprocessing, nominalLabel: settings.nominalLabel)
        let (trainPipe, testPipe) = try DatasetCatalog.pipelines(spec)
        let train = try data.trainSplit()
        let testSplit = try data.testSplit()   // checked before the outlier pool, as for ImageNet-30
        let outliers = settings.drawsOutlierImages
            ? try ImageNetOutlierExposure.outliers(settings, noise: settings.noiseMode, rawShape: spec.rawShape,
                                                   excludedWords: PascalVOCDefinition.outlierExclusions, rng: &rng, log: log)
            : nil
        let stretch: (RawImage) -> RawImage = { $0.contrastStretched() }
        var samples = SupervisedTrainingSamples(raw: train, supervisor: try DatasetCatalog.supervisor(settings, outliers: outliers),
                                                pipeline: trainPipe, labelOf: { _ in settings.nominalLabel }, rawShape: spec.rawShape)
        samples.keptImageAdjustment = stretch
        var test = PipelineTestSamples(raw: testSplit, pipeline: testPipe, nominalLabel: settings.nominalLabel, originalMaps: nil)
        test.keptImageAdjustment = stretch
        return PreparedDataset(className: PascalVOCDefinition.classes[0], train: samples, test: test, preprocessing: spec.json)
    }
}

extension Dataset {
    /// Pascal VOC 2007.
    public static let pascalvoc = Dataset(PascalVOCDefinition())
}

extension PipelineSpec {
    /// Pascal VOC (7.6): aug1 only; nominal label 1 by default.
    public static func pascalVOC(preprocessing: PreprocessingKind = .aug1, nominalLabel: Int = 1) throws -> PipelineSpec {
        try make(PipelineDataset(.pascalvoc), preprocessing, nil, DatasetConstants.pascalVOC, raw: [3, 224, 224], shape: [3, 224, 224],
                 nominalLabel: nominalLabel)
    }
}

extension DatasetConstants {
    /// Pascal VOC normalisation (A.4).
    public static let pascalVOC = ChannelConstants(mean: [0.4469, 0.4227, 0.3906], std: [0.2691, 0.2659, 0.2789])
}
