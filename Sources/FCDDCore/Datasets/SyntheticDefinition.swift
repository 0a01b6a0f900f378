// The embedded synthetic dataset (`-d synthetic`, the default): textured surfaces of 32x32 RGB that the
// engine generates itself (Data/Synthetic/), so a first run needs no download. Not a dataset of the
// original. Its runs use the in-memory images' item pipeline with LCN constants computed from the nominal
// training images, and MVTec-style artificial anomalies by default.

struct SyntheticDefinition: DatasetDefinition {
    let name = "synthetic"
    var generatedByEngine: Bool { true }
    var inputHelp: HelpPart { HelpPart(own: "\(name) 3x\(SyntheticTextureSource.side)x\(SyntheticTextureSource.side)") }
    var classesHelp: HelpPart {
        HelpPart(own: "\(name) " + SyntheticTexture.allCases.map { "\($0.rawValue) \($0.name)" }.joined(separator: ", "))
    }

    func applyRunnerDefaults(to s: inout Settings) {
        // Not a runner of the original: MVTec-style anomalies on 32x32 textures, trained briefly so that
        // the main job finishes in a few minutes on two cores.
        s.net = "FCDD_CNN32_S"; s.batchSize = 64; s.epochs = 20; s.learningRate = 1e-2
        s.schedulerParameters = [0.98]; s.preprocessing = .lcnaug1
        s.superviseMode = .malformedNormal; s.noiseMode = .confetti
        s.gaussStd = 1.2; s.quantile = 0.99; s.iterations = 1
    }

    var offersOfflineSupervision: Bool { true }

    // The in-memory images' pipeline: their preprocessing names and transform.
    var preprocessings: [PreprocessingKind] { Dataset.generic.definition.preprocessings }
    var hasOwnItemPipeline: Bool { false }
    func itemTransform(for spec: PipelineSpec) -> ItemTransform { .resizedToInput }

    func checkFiles(_ settings: Settings) throws {}

    func classNames(_ settings: Settings) throws -> [String] { SyntheticTexture.allCases.map { $0.name } }

    func prepare(_ settings: Settings, nominalClass c: Int, seed: UInt64, log: (String) -> Void) throws -> PreparedDataset {
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
                                              originalMaps: { try test.groundTruth(at: $0) })
        return PreparedDataset(className: texture.name, train: trainSamples, test: testSamples, preprocessing: spec.json)
    }
}

extension Dataset {
    /// The embedded synthetic textures.
    public static let synthetic = Dataset(SyntheticDefinition())
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
