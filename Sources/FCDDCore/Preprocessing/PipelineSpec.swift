// What defines a dataset's item pipelines (reference 7.2-7.7): dataset kind, preprocessing name,
// per-channel constants, raw and network input shapes, nominal label. It holds no I/O, so a snapshot can
// store it (as JSON) and re-create the test transform later. The factories reject the combinations the
// original does not offer (or offers only broken, reference table 11, Q2 and Q8).

/// The dataset an item pipeline belongs to.
public enum DatasetKind: String, CaseIterable {
    case fmnist, cifar10, mvtec, imagenet, pascalvoc, custom
    /// Custom image folders with ground-truth maps (`-gtms`).
    case customGT = "custom_gtm"
    /// In-memory data of any size with constants computed from the training data.
    case generic
    /// In-memory data with ground-truth maps (`fs.FCDD.fit(..., gtmaps=...)`).
    case genericGT = "generic_gtm"
}

/// `--preproc`.
public enum PreprocessingKind: String, CaseIterable {
    case lcnaug1, lcn, aug1
    case aug1BlackCenter = "aug1_blackcenter"
    case aug1BlackCenterInverted = "aug1_blackcenter_inverted"
    case none
}

/// The parameters of one dataset's train and test item pipelines.
public struct PipelineSpec: Equatable {
    public var dataset: DatasetKind
    public var preprocessing: PreprocessingKind
    /// Nominal class index for table datasets (F-MNIST, CIFAR-10, MVTec), else nil.
    public var normalClass: Int?
    public var constants: ChannelConstants
    /// Raw image shape (C, H, W) the supervisor works on; H and W are 0 where images keep their own size.
    public var rawShape: [Int]
    /// Network input shape (C, H, W).
    public var shape: [Int]
    /// 0 (default) or 1 (labels and GT maps swapped, Pascal VOC's default).
    public var nominalLabel: Int

    public var channels: Int { shape[0] }
    /// Whether items carry ground-truth maps.
    public var hasGroundTruth: Bool { dataset == .mvtec || dataset == .customGT || dataset == .genericGT }

    // MARK: factories

    /// Fashion-MNIST (7.2): lcnaug1 (default), lcn, aug1, none.
    public static func fmnist(normalClass: Int, preprocessing: PreprocessingKind = .lcnaug1) throws -> PipelineSpec {
        try make(.fmnist, preprocessing, normalClass, DatasetConstants.fmnist(normalClass), raw: [1, 28, 28], shape: [1, 28, 28])
    }

    /// CIFAR-10 (7.3): aug1 (default), aug1_blackcenter(_inverted), lcn, none.
    public static func cifar10(normalClass: Int, preprocessing: PreprocessingKind = .aug1) throws -> PipelineSpec {
        try make(.cifar10, preprocessing, normalClass, DatasetConstants.cifar10(normalClass), raw: [3, 32, 32], shape: [3, 32, 32])
    }

    /// MVTec-AD (7.4): lcnaug1 (default), aug1; lcn and none only when the raw side is 224.
    public static func mvtec(normalClass: Int, preprocessing: PreprocessingKind = .lcnaug1, rawSide: Int = 240) throws -> PipelineSpec {
        try make(.mvtec, preprocessing, normalClass, DatasetConstants.mvtec(normalClass), raw: [3, rawSide, rawSide], shape: [3, 224, 224])
    }

    /// ImageNet-30 (7.5): aug1 only.
    public static func imagenet(preprocessing: PreprocessingKind = .aug1) throws -> PipelineSpec {
        try make(.imagenet, preprocessing, nil, DatasetConstants.imagenet, raw: [3, 256, 256], shape: [3, 224, 224])
    }

    /// Pascal VOC (7.6): aug1 only; nominal label 1 by default.
    public static func pascalVOC(preprocessing: PreprocessingKind = .aug1, nominalLabel: Int = 1) throws -> PipelineSpec {
        try make(.pascalvoc, preprocessing, nil, DatasetConstants.pascalVOC, raw: [3, 224, 224], shape: [3, 224, 224], nominalLabel: nominalLabel)
    }

    /// Custom image folders (7.7) with mean/std computed by `ChannelStatistics.meanAndStd` (224x224).
    public static func custom(preprocessing: PreprocessingKind = .aug1, mean: [Double], std: [Double],
                              groundTruthMaps: Bool = false, nominalLabel: Int = 0) throws -> PipelineSpec {
        try make(groundTruthMaps ? .customGT : .custom, preprocessing, nil, ChannelConstants(mean: mean, std: std),
                 raw: [3, 248, 248], shape: [3, 224, 224], nominalLabel: nominalLabel)
    }

    /// Arbitrary in-memory images of one size (`channels x height x width`, 1 or 3 channels), with
    /// constants from `ChannelStatistics` (mean/std for aug1/none, LCN range for lcnaug1/lcn). Raw images
    /// of another size (`rawHeight x rawWidth`) are first resized to the input size (PIL bilinear).
    public static func generic(preprocessing: PreprocessingKind, channels: Int, height: Int, width: Int,
                               rawHeight: Int? = nil, rawWidth: Int? = nil, constants: ChannelConstants,
                               groundTruthMaps: Bool = false) throws -> PipelineSpec {
        try make(groundTruthMaps ? .genericGT : .generic, preprocessing, nil, constants,
                 raw: [channels, rawHeight ?? height, rawWidth ?? width], shape: [channels, height, width])
    }

    static func make(_ dataset: DatasetKind, _ preprocessing: PreprocessingKind, _ normalClass: Int?,
                     _ constants: ChannelConstants, raw: [Int], shape: [Int], nominalLabel: Int = 0) throws -> PipelineSpec {
        let spec = PipelineSpec(dataset: dataset, preprocessing: preprocessing, normalClass: normalClass,
                                constants: constants, rawShape: raw, shape: shape, nominalLabel: nominalLabel)
        try spec.validate()
        return spec
    }

    /// The preprocessing names each dataset offers.
    public static func supported(_ dataset: DatasetKind) -> [PreprocessingKind] {
        switch dataset {
        case .fmnist: return [.lcnaug1, .lcn, .aug1, .none]
        case .cifar10: return [.aug1, .aug1BlackCenter, .aug1BlackCenterInverted, .lcn, .none]
        case .mvtec: return [.lcnaug1, .aug1, .lcn, .none]
        case .imagenet, .pascalvoc: return [.aug1]
        case .custom, .customGT: return [.aug1, .none]
        case .generic, .genericGT: return [.lcnaug1, .aug1, .lcn, .none]
        }
    }

    /// Checks the combination and the constants; throws `.invalidArgument` with the reason.
    public func validate() throws {
        let name = "\(dataset.rawValue) with preprocessing '\(preprocessing.rawValue)'"
        guard PipelineSpec.supported(dataset).contains(preprocessing) else {
            let why = (dataset == .imagenet || dataset == .pascalvoc) && preprocessing == .none
                ? " (the original's 'none' indexes the normalisation constants by class and is broken)" : ""
            throw EngineError.invalidArgument("\(name) is not supported\(why); use one of \(PipelineSpec.supported(dataset).map(\.rawValue).joined(separator: ", "))")
        }
        guard shape.count == 3, rawShape.count == 3, shape[0] == 1 || shape[0] == 3, rawShape[0] == shape[0],
              shape[1] >= 1, shape[2] >= 1, rawShape[1] >= 1, rawShape[2] >= 1 else {
            throw EngineError.invalidArgument("\(name): invalid shapes raw \(rawShape), input \(shape)")
        }
        if dataset == .mvtec {
            guard rawShape[1] == rawShape[2], rawShape[1] >= 224 else {
                throw EngineError.invalidArgument("mvtec: raw side must be square and at least 224, got \(rawShape)")
            }
            if (preprocessing == .lcn || preprocessing == .none) && rawShape[1] != 224 {
                throw EngineError.invalidArgument("\(name) has no augmentation and needs raw images of the input size 224, but the raw side is \(rawShape[1]); use lcnaug1 or aug1")
            }
            guard nominalLabel == 0 else {
                throw EngineError.invalidArgument("mvtec: nominal label 1 is refused (the original transforms MVTec test labels twice and inverts them)")
            }
        }
        guard nominalLabel == 0 || nominalLabel == 1 else {
            throw EngineError.invalidArgument("\(name): nominal label must be 0 or 1, got \(nominalLabel)")
        }
        let c = shape[0]
        let usesLCN = preprocessing == .lcn || preprocessing == .lcnaug1
        if usesLCN {
            guard let lo = constants.lcnMin, let hi = constants.lcnMax, lo.count == c, hi.count == c else {
                throw EngineError.invalidArgument("\(name) needs \(c) LCN minima and maxima")
            }
            // Stored constants come from files too: values that would turn every image into infinities
            // or NaN are refused here, not blamed later on the images.
            guard zip(lo, hi).allSatisfy({ abs($0) <= 1e6 && abs($1) <= 1e6 && $1 - $0 >= 1e-6 }) else {
                throw EngineError.invalidArgument("\(name): LCN minima \(lo) and maxima \(hi) must be finite numbers within ±1e6, each maximum above its minimum")
            }
        } else {
            guard constants.mean.count == c, constants.std.count == c else {
                throw EngineError.invalidArgument("\(name) needs \(c) means and stds, got \(constants.mean.count) and \(constants.std.count)")
            }
            guard constants.std.allSatisfy({ $0 >= 1e-6 && $0 <= 1e6 }), constants.mean.allSatisfy({ abs($0) <= 1e6 }) else {
                throw EngineError.invalidArgument("\(name): means must be finite numbers within ±1e6 and stds within 1e-6...1e6, got means \(constants.mean), stds \(constants.std) (a constant channel has std 0)")
            }
        }
    }
}
