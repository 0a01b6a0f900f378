// MVTec-AD (reference 7.4): 15 classes of industrial images with defect masks, read once into a 240x240
// cache (Data/Folders/), cropped or resized to 224x224; confetti anomalies by default, outlier exposure
// from the class's own defects (`mvtec`, `mvtec_gt`), per-class constants of the original.

struct MVTecADDefinition: DatasetDefinition {
    let name = "mvtec"
    var inputHelp: HelpPart {
        HelpPart(own: "\(name) resized to \(MVTecAD.cacheSide)x\(MVTecAD.cacheSide) (cached), then 224x224 (a random crop or a resize in training, a resize in testing)")
    }
    var classesHelp: HelpPart { classIndexHelp(MVTecAD.classNames) }

    func applyRunnerDefaults(to s: inout Settings) {
        s.batchSize = 16; s.accBatches = 8; s.weightDecay = 1e-4; s.preprocessing = .lcnaug1
        s.superviseMode = .malformedNormal; s.noiseMode = .confetti; s.gaussStd = 12; s.quantile = 0.99
    }

    var outlierSources: [NoiseMode] { [.mvtec, .mvtecGT] }
    var exclusiveNoiseModes: [NoiseMode] { [.mvtec, .mvtecGT] }
    var exclusiveNoiseModesUse: String { "MVTec-AD's defects" }
    var offersOfflineSupervision: Bool { true }

    var trainsOnTiles: Bool { true }

    func validateExperiment(_ settings: Settings, label: (String) -> String) throws {
        if settings.tileSize != nil && settings.drawsOutlierImages {
            throw EngineError.invalidArgument("\(label("noise_mode")) '\(settings.noiseMode.rawValue)' draws whole defect images, which do not fit tiles; with \(label("tile_size")) use a synthetic noise mode such as confetti (the default)")
        }
        if settings.nominalLabel != 0 {
            // MVTec's labels are fixed (nominal 0); ignoring the option would give the supervisor's
            // anomalies label 0 too and train on a single label.
            throw EngineError.invalidArgument("\(label("nominal_label")) 1 is refused for mvtec (the original transforms MVTec test labels twice and inverts them); use 0")
        }
    }

    var preprocessings: [PreprocessingKind] { [.lcnaug1, .aug1, .lcn, .none] }
    var groundTruthMaps: GroundTruthMapSupport { .always }
    func itemTransform(for spec: PipelineSpec) -> ItemTransform { .cropOrResizeWithMaps }

    func validate(_ spec: PipelineSpec) throws {
        let raw = spec.rawShape
        guard raw[1] == raw[2], raw[1] >= 224 else {
            throw EngineError.invalidArgument("mvtec: raw side must be square and at least 224, got \(raw)")
        }
        if (spec.preprocessing == .lcn || spec.preprocessing == .none) && raw[1] != 224 {
            throw EngineError.invalidArgument("\(spec.summary) has no augmentation and needs raw images of the input size 224, but the raw side is \(raw[1]); use lcnaug1 or aug1")
        }
        guard spec.nominalLabel == 0 else {
            throw EngineError.invalidArgument("mvtec: nominal label 1 is refused (the original transforms MVTec test labels twice and inverts them)")
        }
    }

    func checkFiles(_ settings: Settings) throws { try MVTecADDataset.checkPresent(dataDirectory: settings.datadir) }

    func classNames(_ settings: Settings) throws -> [String] { MVTecAD.classNames }

    func prepare(_ settings: Settings, nominalClass c: Int, seed: UInt64, log: (String) -> Void) throws -> PreparedDataset {
        var rng = DatasetCatalog.oneOffDraws(seed: seed)
        let noise = settings.noiseMode
        let data = try MVTecADDataset(dataDirectory: settings.datadir)
        log("MVTec-AD: \(data.cachePath) (\(data.cacheStatus))")
        if let tiles = try TileScoring(settings: settings) {
            return try prepareTiles(settings, data: data, nominalClass: c, tiles: tiles, log: log)
        }
        let spec = try PipelineSpec.mvtec(normalClass: c, preprocessing: settings.preprocessing, rawSide: MVTecAD.cacheSide)
        let (trainPipe, testPipe) = try DatasetCatalog.pipelines(spec)
        var outliers: OutlierProvider? = nil
        if settings.drawsOutlierImages {
            guard noise == .mvtec || noise == .mvtecGT else {
                throw EngineError.invalidArgument("mvtec: outlier exposure from '\(noise.rawValue)' is not offered; use confetti (default), mvtec or mvtec_gt")
            }
            let pool = try data.outlierSource(classIndex: c, limitPerDefectType: settings.oeLimit,
                                              withGroundTruth: noise == .mvtecGT, using: &rng)
            log("outlier exposure: \(pool.count) defective test images of class \(MVTecAD.classNames[c]) (they stay in the test set, as in the original)")
            outliers = PoolOutliers(pool: pool, rawShape: spec.rawShape) { image, _, _ in image }
        }
        // The training set is repeated 10 times per epoch (reference 7.4).
        let train = try data.trainSplit(classIndex: c, repetitions: MVTecAD.trainingRepetitions)
        let test = try data.testSplit(classIndex: c)
        let masks = try data.originalResolutionMasks(classIndex: c)
        return PreparedDataset(
            className: MVTecAD.classNames[c],
            train: try DatasetCatalog.trainingSamples(settings, raw: train, distinct: train.count / train.repetitions,
                                                      pipeline: trainPipe, outliers: outliers, labelOf: { _ in 0 },
                                                      rawShape: spec.rawShape, rng: &rng),
            test: PipelineTestSamples(raw: test, pipeline: testPipe, nominalLabel: 0, originalMaps: { try masks.mask(at: $0) }),
            preprocessing: spec.json)
    }
}

extension MVTecADDefinition {
    /// The run on tiles: the class's original images (not the 240 x 240 cache) read at their resolution
    /// (TiledRunData.swift), the constants from the training images' tiles, the pixel AUC against the
    /// original masks; confetti anomalies drawn on the tiles.
    private func prepareTiles(_ settings: Settings, data: MVTecADDataset, nominalClass c: Int, tiles: TileScoring,
                              log: (String) -> Void) throws -> PreparedDataset {
        let name = MVTecAD.classNames[c], classDirectory = DirectoryListing.join(data.root, name)
        guard DirectoryListing.kind(of: classDirectory) == .directory else {
            throw EngineError.notFound("MVTec-AD on tiles reads the original images, which the 240x240 cache does not hold: put the class folder at \(classDirectory). \(MVTecAD.layoutDescription(root: data.root))")
        }
        let cls = try data.cachedClass(c)
        let train = FileImageSplit(name: "MVTec-AD \(name) train split", files: cls.trainPaths.map { DirectoryListing.join(classDirectory, $0) },
                                   classLabels: cls.trainPaths.map { _ in MVTecAD.goodDefectID }, anomalous: cls.trainPaths.map { _ in false })
        let images = try TiledRunData.read(train, indices: Array(0..<train.count), channels: 3, masks: false)
        let (samples, spec) = try TiledRunData.training(images, labels: [Int](repeating: 0, count: train.count), settings: settings,
                                                        scoring: tiles, supervisor: try DatasetCatalog.supervisor(settings, outliers: nil))
        let largest = images.largestSize
        log("MVTec-AD on tiles: \(train.count) training images of \(name) (up to \(largest.height) x \(largest.width)), \(samples.count) tiles of \(tiles.layout.size) x \(tiles.layout.size) per epoch")
        let test = FileImageSplit(name: "MVTec-AD \(name) test split", files: cls.testPaths.map { DirectoryListing.join(classDirectory, $0) },
                                  classLabels: cls.testDefectIDs, anomalous: cls.testDefectIDs.map { $0 != MVTecAD.goodDefectID })
        let testImages = try TiledRunData.read(test, indices: Array(0..<test.count), channels: 3, masks: false)
        let masks = try data.originalResolutionMasks(classIndex: c)
        let set = TiledTestSet(images: testImages, labels: cls.testDefectIDs.map { $0 == MVTecAD.goodDefectID ? 0 : 1 }, scoring: tiles,
                               spec: spec, groundTruth: { Dictionary(uniqueKeysWithValues: try (0..<masks.count).map { ($0, try masks.mask(at: $0)) }) })
        return PreparedDataset(className: name, train: samples, tiledTest: set, preprocessing: spec.json)
    }
}

extension Dataset {
    /// MVTec-AD.
    public static let mvtec = Dataset(MVTecADDefinition())
}

extension PipelineSpec {
    /// MVTec-AD (7.4): lcnaug1 (default), aug1; lcn and none only when the raw side is 224.
    public static func mvtec(normalClass: Int, preprocessing: PreprocessingKind = .lcnaug1, rawSide: Int = 240) throws -> PipelineSpec {
        try make(PipelineDataset(.mvtec), preprocessing, normalClass, DatasetConstants.mvtec(normalClass), raw: [3, rawSide, rawSide], shape: [3, 224, 224])
    }
}

extension DatasetConstants {
    /// MVTec-AD class names in index order.
    public static var mvtecClasses: [String] { mvtecRows.map { $0.name } }

    /// MVTec-AD constants (3 channels) of nominal class `index` (0...14).
    public static func mvtec(_ index: Int) throws -> ChannelConstants {
        let r = try row(mvtecRows, index, "mvtec")
        return ChannelConstants(mean: r.mean, std: r.std, lcnMin: r.lcnMin, lcnMax: r.lcnMax)
    }

    static let mvtecRows: [(name: String, mean: [Double], std: [Double], lcnMin: [Double], lcnMax: [Double])] = [
        ("bottle", [0.53453129529953, 0.5307118892669678, 0.5491130352020264], [0.3667600452899933, 0.3666728734970093, 0.34991779923439026],
         [-1.3336724042892456, -1.3107913732528687, -1.2445921897888184], [1.3779616355895996, 1.3779616355895996, 1.3779616355895996]),
        ("cable", [0.326835036277771, 0.41494372487068176, 0.46718254685401917], [0.15321789681911469, 0.21510766446590424, 0.23905669152736664],
         [-2.2404820919036865, -2.3387579917907715, -2.2896201610565186], [4.573435306549072, 4.573435306549072, 4.573435306549072]),
        ("capsule", [0.6953922510147095, 0.6663950085639954, 0.6533040404319763], [0.23858436942100525, 0.2591284513473511, 0.2601949870586395],
         [-3.184587001800537, -3.164201259613037, -3.1392977237701416], [1.6995097398757935, 1.6011602878570557, 1.5209171772003174]),
        ("carpet", [0.36377236247062683, 0.35087138414382935, 0.35671544075012207], [0.14506031572818756, 0.13994529843330383, 0.1276693195104599],
         [-3.0334954261779785, -2.958242416381836, -2.7701096534729004], [6.503103256225586, 5.875098705291748, 5.814228057861328]),
        ("grid", [0.4484519958496094, 0.4484519958496094, 0.4484519958496094], [0.1636597216129303, 0.1636597216129303, 0.1636597216129303],
         [-3.100773334503174, -3.100773334503174, -3.100773334503174], [4.27892541885376, 4.27892541885376, 4.27892541885376]),
        ("hazelnut", [0.2390524297952652, 0.17620408535003662, 0.17206747829914093], [0.1688646823167801, 0.07597383111715317, 0.04383210837841034],
         [-3.6565306186676025, -3.507692813873291, -2.7635035514831543], [18.966819763183594, 21.64590072631836, 26.408710479736328]),
        ("leather", [0.3919542133808136, 0.2631213963031769, 0.22006843984127045], [0.06069392338395119, 0.04061736911535263, 0.0303945429623127],
         [-1.5192601680755615, -2.2068002223968506, -2.3948357105255127], [11.564697265625, 10.976534843444824, 10.378695487976074]),
        ("metal_nut", [0.21368788182735443, 0.23478130996227264, 0.24079132080078125], [0.1602524220943451, 0.18222476541996002, 0.15336430072784424],
         [-1.3207964897155762, -1.2889339923858643, -1.148416519165039], [6.854909896850586, 6.854909896850586, 6.854909896850586]),
        ("pill", [0.30240726470947266, 0.3029524087905884, 0.32861486077308655], [0.30409011244773865, 0.30411985516548157, 0.28656429052352905],
         [-0.9883341193199158, -0.9822461605072021, -0.9288841485977173], [2.290637969970703, 2.4007883071899414, 2.3044068813323975]),
        ("screw", [0.7099748849868774, 0.7099748849868774, 0.7099748849868774], [0.1337062269449234, 0.1337062269449234, 0.1337062269449234],
         [-7.236185073852539, -7.236185073852539, -7.236185073852539], [3.3777384757995605, 3.3777384757995605, 3.3777384757995605]),
        ("tile", [0.4567880630493164, 0.4711957275867462, 0.4482630491256714], [0.12076705694198608, 0.13341768085956573, 0.12879984080791473],
         [-3.2036616802215576, -3.221003532409668, -3.305514335632324], [7.022546768188477, 6.115569114685059, 6.310940742492676]),
        ("toothbrush", [0.19987481832504272, 0.18578395247459412, 0.19361256062984467], [0.22920562326908112, 0.21501320600509644, 0.19536510109901428],
         [-0.8915618658065796, -0.8669204115867615, -0.8002046346664429], [4.4255571365356445, 4.642300128936768, 4.305730819702148]),
        ("transistor", [0.38699793815612793, 0.276934415102005, 0.24219433963298798], [0.20621345937252045, 0.14321941137313843, 0.11695228517055511],
         [-1.9086798429489136, -2.0004451274871826, -1.929288387298584], [5.463134765625, 5.463134765625, 5.463134765625]),
        ("wood", [0.6718143820762634, 0.47696375846862793, 0.35050269961357117], [0.08259467780590057, 0.06751163303852081, 0.04756828024983406],
         [-2.9547364711761475, -3.17536997795105, -3.143850803375244], [5.305514812469482, 4.535006523132324, 3.3618252277374268]),
        ("zipper", [0.4014520049095154, 0.4014520049095154, 0.4014520049095154], [0.32304847240448, 0.32304847240448, 0.32304847240448],
         [-1.2906527519226074, -1.2906527519226074, -1.2906527519226074], [2.515115737915039, 2.515115737915039, 2.515115737915039]),
    ]
}
