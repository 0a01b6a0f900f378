// Custom image folders (reference 7.7): a class per folder in the normal/anomalous or one-vs-rest layout,
// optionally with ground-truth maps (Data/Folders/CustomFolders.swift); mean and std computed from the
// nominal training images; ImageNet-22k or ImageNet-1k outlier exposure. The runner keeps the general
// defaults.

struct CustomFoldersDefinition: DatasetDefinition {
    let name = "custom"
    var inputHelp: HelpPart { HelpPart(own: "\(name) shorter side 248", shared: SharedDatasetText.shorterSideCrop) }
    var classesHelp: HelpPart { HelpPart(own: "\(name): the class folders in sorted order") }

    var outlierSources: [NoiseMode] { [.imagenet, .imagenet22k] }

    var preprocessings: [PreprocessingKind] { [.aug1, .none] }
    var groundTruthMaps: GroundTruthMapSupport { .optional }

    func itemTransform(for spec: PipelineSpec) -> ItemTransform {
        if spec.hasGroundTruth { return .jointResizeWithMaps }
        return spec.preprocessing == .none ? .squareResize : .shorterSideThenCrop
    }

    /// The folders of the settings' layout (found and checked, not read).
    private func folders(_ settings: Settings) throws -> CustomFolderDataset {
        try CustomFolderDataset(dataDirectory: settings.datadir, layout: settings.oneVsRest ? .oneVsRest : .normalAnomalous,
                                groundTruthMaps: settings.groundTruthMaps)
    }

    var trainsOnTiles: Bool { true }

    func checkFiles(_ settings: Settings) throws { _ = try folders(settings) }

    func classNames(_ settings: Settings) throws -> [String] { try folders(settings).classNames }

    func prepare(_ settings: Settings, nominalClass c: Int, seed: UInt64, log: (String) -> Void) throws -> PreparedDataset {
        var rng = DatasetCatalog.oneOffDraws(seed: seed)
        let data = try folders(settings)
        guard c < data.classNames.count else {
            throw EngineError.invalidArgument("custom: class \(c) does not exist (classes: \(data.classNames.joined(separator: ", ")))")
        }
        let train = try settings.superviseMode == .other ? data.balancedTrainSplit(nominalClass: c, using: &rng)
                                                       : data.trainSplit(nominalClass: c)
        if let tiles = try TileScoring(settings: settings) {
            return try prepareTiles(settings, data: data, train: train, nominalClass: c, tiles: tiles, rng: &rng, log: log)
        }
        let nominalTrain = try data.trainSplit(nominalClass: c)
        // Normalisation constants from the nominal training images at 224x224 (reference 7.7).
        let stats = try ChannelStatistics.meanAndStd(count: nominalTrain.count, channels: 3, resize: .exact(height: 224, width: 224)) {
            try nominalTrain.image(at: $0)
        }
        log("custom: \(train.count) training images of class \(data.classNames[c]); mean \(stats.mean), std \(stats.std)")
        let spec = try PipelineSpec.custom(preprocessing: settings.preprocessing, mean: stats.mean, std: stats.std,
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
        let outliers = settings.drawsOutlierImages
            ? try ImageNetOutlierExposure.outliers(settings, noise: settings.noiseMode, rawShape: spec.rawShape, rng: &rng, log: log) : nil
        return PreparedDataset(
            className: data.classNames[c],
            train: SupervisedTrainingSamples(raw: train, supervisor: try DatasetCatalog.supervisor(settings, outliers: outliers),
                                             pipeline: trainPipe, labelOf: { train.isAnomalous(at: $0) ? 1 - settings.nominalLabel : settings.nominalLabel },
                                             rawShape: spec.rawShape),
            test: PipelineTestSamples(raw: test, pipeline: testPipe, nominalLabel: settings.nominalLabel, originalMaps: originalMaps),
            preprocessing: spec.json)
    }
}

extension CustomFoldersDefinition {
    /// The run on tiles: training and test images read at their own resolution (TiledRunData.swift), the
    /// constants from the nominal images' tiles, outlier images resized to a tile.
    private func prepareTiles(_ settings: Settings, data: CustomFolderDataset, train: FileImageSplit, nominalClass c: Int,
                              tiles: TileScoring, rng: inout RandomSource, log: (String) -> Void) throws -> PreparedDataset {
        let images = try TiledRunData.read(train, indices: Array(0..<train.count), channels: 3, masks: settings.groundTruthMaps)
        let labels = (0..<train.count).map { train.isAnomalous(at: $0) ? 1 : 0 }
        let side = tiles.layout.size
        let outliers = settings.drawsOutlierImages
            ? try ImageNetOutlierExposure.outliers(settings, noise: settings.noiseMode, rawShape: [3, side, side], rng: &rng, log: log) : nil
        let (samples, spec) = try TiledRunData.training(images, labels: labels, settings: settings, scoring: tiles,
                                                        supervisor: try DatasetCatalog.supervisor(settings, outliers: outliers))
        let largest = images.largestSize
        log("custom on tiles: \(train.count) training images of class \(data.classNames[c]) (up to \(largest.height) x \(largest.width)), \(samples.count) tiles of \(side) x \(side) per epoch; mean \(spec.constants.mean), std \(spec.constants.std)")
        let test = try data.testSplit(nominalClass: c)
        let testImages = try TiledRunData.read(test, indices: Array(0..<test.count), channels: 3, masks: false)
        // Maps of the nominal class's test images (all of them in the normal/anomalous layout), at the
        // images' resolution; one-vs-rest test images of other classes are left out, as without tiles.
        let groundTruth: (() throws -> [Int: RawImage])? = settings.groundTruthMaps ? {
            var maps = [Int: RawImage]()
            for i in 0..<test.count where test.classLabels[i] == c {
                if test.groundTruthFiles![i] == nil && test.anomalous[i] {
                    throw EngineError.notFound("custom dataset: the anomalous test image \(test.files[i]) has no ground-truth map; the pixel-level AUC needs maps for all anomalous test images")
                }
                maps[i] = try test.groundTruth(at: i, imageSize: testImages.sizes[i])   // the image is decoded already
            }
            return maps
        } : nil
        let set = TiledTestSet(images: testImages, labels: (0..<test.count).map { test.isAnomalous(at: $0) ? 1 : 0 },
                               scoring: tiles, spec: spec, groundTruth: groundTruth)
        return PreparedDataset(className: data.classNames[c], train: samples, tiledTest: set, preprocessing: spec.json)
    }
}

extension Dataset {
    /// Custom image folders.
    public static let custom = Dataset(CustomFoldersDefinition())
}

extension PipelineDataset {
    /// Custom image folders with ground-truth maps (`-gtms`), "custom_gtm" in the spec's JSON.
    public static let customGT = PipelineDataset(.custom, groundTruthMaps: true)
}

extension PipelineSpec {
    /// Custom image folders (7.7) with mean/std computed by `ChannelStatistics.meanAndStd` (224x224).
    public static func custom(preprocessing: PreprocessingKind = .aug1, mean: [Double], std: [Double],
                              groundTruthMaps: Bool = false, nominalLabel: Int = 0) throws -> PipelineSpec {
        try make(PipelineDataset(.custom, groundTruthMaps: groundTruthMaps), preprocessing, nil, ChannelConstants(mean: mean, std: std),
                 raw: [3, 248, 248], shape: [3, 224, 224], nominalLabel: nominalLabel)
    }
}
