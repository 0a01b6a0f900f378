// ImageNet-30 (reference 7.5): 30 ImageNet-1k classes in torchvision's folder layout (Data/Folders/), the
// shorter side resized to 256 and cropped to 224; ImageNet-22k or ImageNet-1k outlier exposure; the
// original's fixed test order when its file is there.

struct ImageNet30Definition: DatasetDefinition {
    let name = "imagenet"
    var inputHelp: HelpPart { HelpPart(own: "\(name) shorter side 256", shared: SharedDatasetText.shorterSideCrop) }
    var classesHelp: HelpPart { classIndexHelp(ImageNet30.classNames) }

    func applyRunnerDefaults(to s: inout Settings) {
        s.net = "FCDD_CNN224_VGG_NOPT"; s.batchSize = 20; s.accBatches = 10; s.epochs = 600
        s.optimizer = .adam; s.scheduler = .milestones; s.schedulerParameters = [0.1, 400, 500]
        s.gaussStd = 8
    }

    var superviseModes: [SuperviseMode] { [.unsupervised, .other, .noise] }
    var outlierSources: [NoiseMode] { [.imagenet, .imagenet22k] }

    var preprocessings: [PreprocessingKind] { [.aug1] }
    func refusalNote(for preprocessing: PreprocessingKind) -> String { preprocessing == .none ? SharedDatasetText.brokenNone : "" }
    func itemTransform(for spec: PipelineSpec) -> ItemTransform { .shorterSideThenCrop }

    func checkFiles(_ settings: Settings) throws {
        let classes = settings.classes.isEmpty ? Array(ImageNet30.wnids.indices) : settings.classes
        try ImageNet30(dataDirectory: settings.datadir).checkFoldersExist(nominalClasses: classes)
    }

    func classNames(_ settings: Settings) throws -> [String] { ImageNet30.classNames }

    func prepare(_ settings: Settings, nominalClass c: Int, seed: UInt64, log: (String) -> Void) throws -> PreparedDataset {
        var rng = DatasetCatalog.oneOffDraws(seed: seed)
        let data = ImageNet30(dataDirectory: settings.datadir)
        let spec = try PipelineSpec.imagenet(preprocessing: settings.preprocessing)
        let (trainPipe, testPipe) = try DatasetCatalog.pipelines(spec)
        // The dataset's own folders first: a missing ImageNet-30 should not be reported only after
        // walking (or failing on) the outlier pool, which for ImageNet-22k takes hours.
        let train = try data.trainSplit(nominalClass: c)
        let test = try data.testSplit(nominalClass: c)
        let order = try data.testOrder(testCount: test.count)
        let outliers = settings.drawsOutlierImages
            ? try ImageNetOutlierExposure.outliers(settings, noise: settings.noiseMode, rawShape: spec.rawShape, rng: &rng, log: log) : nil
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
    }
}

extension Dataset {
    /// ImageNet-30.
    public static let imagenet = Dataset(ImageNet30Definition())
}

extension PipelineSpec {
    /// ImageNet-30 (7.5): aug1 only.
    public static func imagenet(preprocessing: PreprocessingKind = .aug1) throws -> PipelineSpec {
        try make(PipelineDataset(.imagenet), preprocessing, nil, DatasetConstants.imagenet, raw: [3, 256, 256], shape: [3, 224, 224])
    }
}

extension DatasetConstants {
    /// ImageNet normalisation (A.4), used for ImageNet-30.
    public static let imagenet = ChannelConstants(mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225])
}
