// CIFAR-10 (reference 7.3): 32x32 RGB images in the binary or python release (Data/Formats/), one-vs-rest
// on its ten classes, CIFAR-100 or EMNIST-letters outlier exposure, per-class constants of the original.

struct CIFAR10Definition: DatasetDefinition {
    let name = "cifar10"
    var inputHelp: HelpPart { HelpPart(own: "\(name) 3x32x32", shared: " as stored") }
    var classesHelp: HelpPart { classIndexHelp(DatasetConstants.cifar10Classes) }

    func applyRunnerDefaults(to s: inout Settings) {
        s.net = "FCDD_CNN32_LW3K"; s.batchSize = 20; s.accBatches = 10; s.epochs = 600
        s.optimizer = .adam; s.scheduler = .milestones; s.schedulerParameters = [0.1, 400, 500]
        s.noiseMode = .cifar100; s.gaussStd = 1.2; s.quantile = 0.85
    }

    var outlierSources: [NoiseMode] { [.cifar100, .emnist] }
    var offersOfflineSupervision: Bool { true }

    var preprocessings: [PreprocessingKind] { [.aug1, .aug1BlackCenter, .aug1BlackCenterInverted, .lcn, .none] }

    func itemTransform(for spec: PipelineSpec) -> ItemTransform {
        var augmentation = StoredSizeAugmentation(jitter: 0.01, cropPadding: 4, noise: 0.001)
        switch spec.preprocessing {
        case .aug1: break
        case .aug1BlackCenter: augmentation.blackCenter = .init(inverted: false)
        case .aug1BlackCenterInverted: augmentation.blackCenter = .init(inverted: true)
        default: return .asStored(nil)   // lcn, none: no augmentation
        }
        return .asStored(augmentation)
    }

    func checkFiles(_ settings: Settings) throws {
        for train in [true, false] { _ = try CIFARImageSource.cifar10Files(datadir: settings.datadir, train: train) }
    }

    func classNames(_ settings: Settings) throws -> [String] { DatasetConstants.cifar10Classes }

    func prepare(_ settings: Settings, nominalClass c: Int, seed: UInt64, log: (String) -> Void) throws -> PreparedDataset {
        let names = DatasetConstants.cifar10Classes
        try OneVsRestArchives.checkClass(c, of: settings, classNames: names)
        let splits = OneVsRestArchives.Splits(
            train: try CIFARImageSource.cifar10(datadir: settings.datadir, train: true),
            test: try CIFARImageSource.cifar10(datadir: settings.datadir, train: false),
            spec: try PipelineSpec.cifar10(normalClass: c, preprocessing: settings.preprocessing))
        return try OneVsRestArchives.prepare(settings, nominalClass: c, classNames: names, splits: splits, seed: seed, log: log)
    }
}

extension Dataset {
    /// CIFAR-10.
    public static let cifar10 = Dataset(CIFAR10Definition())
}

extension PipelineSpec {
    /// CIFAR-10 (7.3): aug1 (default), aug1_blackcenter(_inverted), lcn, none.
    public static func cifar10(normalClass: Int, preprocessing: PreprocessingKind = .aug1) throws -> PipelineSpec {
        try make(PipelineDataset(.cifar10), preprocessing, normalClass, DatasetConstants.cifar10(normalClass), raw: [3, 32, 32], shape: [3, 32, 32])
    }
}

extension DatasetConstants {
    /// CIFAR-10 class names in index order.
    public static var cifar10Classes: [String] { cifar10Rows.map { $0.name } }

    /// CIFAR-10 constants (3 channels) of nominal class `index` (0...9).
    public static func cifar10(_ index: Int) throws -> ChannelConstants {
        let r = try row(cifar10Rows, index, "cifar10")
        return ChannelConstants(mean: r.mean, std: r.std, lcnMin: Array(repeating: r.lcnMin, count: 3),
                                lcnMax: Array(repeating: r.lcnMax, count: 3))
    }

    static let cifar10Rows: [(name: String, mean: [Double], std: [Double], lcnMin: Double, lcnMax: Double)] = [
        ("airplane", [0.5256516933441162, 0.5603281855583191, 0.5888723731040955], [0.2502202093601227, 0.24083486199378967, 0.2659735083580017], -28.94083453598571, 13.802961825439636),
        ("automobile", [0.4711322784423828, 0.45446228981018066, 0.4471212327480316], [0.26806357502937317, 0.2658274173736572, 0.2749459445476532], -6.681770233365245, 9.158067708230273),
        ("bird", [0.48923906683921814, 0.49146366119384766, 0.423904687166214], [0.22705480456352234, 0.2209445983171463, 0.24337927997112274], -34.924463588638204, 14.419298165027628),
        ("cat", [0.4954785108566284, 0.45636114478111267, 0.4154069721698761], [0.2568431496620178, 0.25227081775665283, 0.25799375772476196], -10.599172931391799, 11.093187820377565),
        ("deer", [0.47155335545539856, 0.46515223383903503, 0.37797248363494873], [0.21732737123966217, 0.20652702450752258, 0.21182335913181305], -11.945022995801637, 10.628045447867583),
        ("dog", [0.49992093443870544, 0.4646056592464447, 0.4164286255836487], [0.2504253387451172, 0.24374878406524658, 0.2489463835954666], -9.691969487694928, 8.948326776180823),
        ("frog", [0.47001829743385315, 0.43829214572906494, 0.34500396251678467], [0.22888341546058655, 0.21856172382831573, 0.2204199582338333], -9.174940012342555, 13.847014686472365),
        ("horse", [0.5019531846046448, 0.47983652353286743, 0.4167139232158661], [0.2430490106344223, 0.243973046541214, 0.25171563029289246], -6.876682005899029, 12.282371383343161),
        ("ship", [0.4902143180370331, 0.5253947973251343, 0.5546804070472717], [0.24962472915649414, 0.24068884551525116, 0.25149762630462646], -15.603507135507172, 15.2464923804279),
        ("truck", [0.4986417591571808, 0.4852965474128723, 0.4780091941356659], [0.2680525481700897, 0.26910799741744995, 0.2810165584087372], -6.132882973622672, 8.046098172351265),
    ]
}
