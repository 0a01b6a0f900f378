// Fashion-MNIST (reference 7.2): 28x28 gray images in IDX files (Data/Formats/), one-vs-rest on its ten
// classes, CIFAR-100 or EMNIST-letters outlier exposure, per-class constants of the original.

struct FashionMNISTDefinition: DatasetDefinition {
    let name = "fmnist"
    var inputHelp: HelpPart { HelpPart(own: "\(name) 1x28x28", shared: " as stored") }
    var classesHelp: HelpPart { classIndexHelp(DatasetConstants.fmnistClasses) }

    func applyRunnerDefaults(to s: inout Settings) {
        s.net = "FCDD_CNN28_W"; s.epochs = 400; s.learningRate = 1e-2; s.schedulerParameters = [0.98]
        s.preprocessing = .lcnaug1; s.noiseMode = .cifar100; s.gaussStd = 1.2; s.quantile = 0.85
    }

    var outlierSources: [NoiseMode] { [.cifar100, .emnist] }
    var offersOfflineSupervision: Bool { true }

    var preprocessings: [PreprocessingKind] { [.lcnaug1, .lcn, .aug1, .none] }

    func itemTransform(for spec: PipelineSpec) -> ItemTransform {
        switch spec.preprocessing {
        case .lcnaug1: return .asStored(StoredSizeAugmentation(cropPadding: 2))
        case .aug1: return .asStored(StoredSizeAugmentation(jitter: 0.1, cropPadding: 3, noise: 0.01))
        default: return .asStored(nil)   // lcn, none: no augmentation
        }
    }

    func checkFiles(_ settings: Settings) throws {
        for train in [true, false] { _ = try IDXImageSource.fashionMNISTFiles(datadir: settings.datadir, train: train) }
    }

    func classNames(_ settings: Settings) throws -> [String] { DatasetConstants.fmnistClasses }

    func prepare(_ settings: Settings, nominalClass c: Int, seed: UInt64, log: (String) -> Void) throws -> PreparedDataset {
        let names = DatasetConstants.fmnistClasses
        try OneVsRestArchives.checkClass(c, of: settings, classNames: names)
        let splits = OneVsRestArchives.Splits(
            train: try IDXImageSource.fashionMNIST(datadir: settings.datadir, train: true),
            test: try IDXImageSource.fashionMNIST(datadir: settings.datadir, train: false),
            spec: try PipelineSpec.fmnist(normalClass: c, preprocessing: settings.preprocessing))
        return try OneVsRestArchives.prepare(settings, nominalClass: c, classNames: names, splits: splits, seed: seed, log: log)
    }
}

extension Dataset {
    /// Fashion-MNIST.
    public static let fmnist = Dataset(FashionMNISTDefinition())
}

extension PipelineSpec {
    /// Fashion-MNIST (7.2): lcnaug1 (default), lcn, aug1, none.
    public static func fmnist(normalClass: Int, preprocessing: PreprocessingKind = .lcnaug1) throws -> PipelineSpec {
        try make(PipelineDataset(.fmnist), preprocessing, normalClass, DatasetConstants.fmnist(normalClass), raw: [1, 28, 28], shape: [1, 28, 28])
    }
}

extension DatasetConstants {
    /// F-MNIST class names in index order.
    public static var fmnistClasses: [String] { fmnistRows.map { $0.name } }

    /// F-MNIST constants (1 channel) of nominal class `index` (0...9).
    public static func fmnist(_ index: Int) throws -> ChannelConstants {
        let r = try row(fmnistRows, index, "fmnist")
        return ChannelConstants(mean: [r.mean], std: [r.std], lcnMin: [r.lcnMin], lcnMax: [r.lcnMax])
    }

    static let fmnistRows: [(name: String, mean: Double, std: Double, lcnMin: Double, lcnMax: Double)] = [
        ("t-shirt/top", 0.3256056010723114, 0.35073918104171753, -2.681239128112793, 24.85430908203125),
        ("trouser", 0.22290456295013428, 0.34353047609329224, -2.5778584480285645, 11.169795989990234),
        ("pullover", 0.376699835062027, 0.3586803078651428, -2.808171510696411, 19.133548736572266),
        ("dress", 0.25889596343040466, 0.3542196452617645, -1.9533653259277344, 18.65673065185547),
        ("coat", 0.3853232264518738, 0.37631189823150635, -2.6103856563568115, 19.166685104370117),
        ("sandal", 0.1367349475622177, 0.26310813426971436, -1.2358522415161133, 28.463092803955078),
        ("shirt", 0.3317836821079254, 0.3392786681652069, -3.251605987548828, 24.196823120117188),
        ("sneaker", 0.16769391298294067, 0.29478660225868225, -1.0814440250396729, 16.878812789916992),
        ("bag", 0.35355499386787415, 0.3652712106704712, -3.6560964584350586, 11.3502836227417),
        ("ankle boot", 0.30119451880455017, 0.37053292989730835, -1.3859291076660156, 11.426650047302246),
    ]
}
