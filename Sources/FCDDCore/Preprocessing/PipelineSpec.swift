// What defines a dataset's item pipelines (reference 7.2-7.7): the dataset (and whether its items carry
// ground-truth maps), preprocessing name, per-channel constants, raw and network input shapes, nominal
// label. It holds no I/O, so a snapshot can store it (as JSON) and re-create the test transform later.
// Each dataset's definition file has its factory (`PipelineSpec.mvtec(...)`, ...); validation rejects the
// combinations the original does not offer (or offers only broken, reference table 11, Q2 and Q8).

/// `--preproc`.
public enum PreprocessingKind: String, CaseIterable {
    case lcnaug1, lcn, aug1
    case aug1BlackCenter = "aug1_blackcenter"
    case aug1BlackCenterInverted = "aug1_blackcenter_inverted"
    case none
}

/// The parameters of one dataset's train and test item pipelines.
public struct PipelineSpec: Equatable {
    public var dataset: PipelineDataset
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
    public var hasGroundTruth: Bool { dataset.groundTruthMaps }
    /// The shared transform of the dataset for this spec.
    var transform: ItemTransform { dataset.definition.itemTransform(for: self) }
    /// The spec in error messages: "mvtec with preprocessing 'lcn'".
    var summary: String { "\(dataset.name) with preprocessing '\(preprocessing.rawValue)'" }

    static func make(_ dataset: PipelineDataset, _ preprocessing: PreprocessingKind, _ normalClass: Int?,
                     _ constants: ChannelConstants, raw: [Int], shape: [Int], nominalLabel: Int = 0) throws -> PipelineSpec {
        let spec = PipelineSpec(dataset: dataset, preprocessing: preprocessing, normalClass: normalClass,
                                constants: constants, rawShape: raw, shape: shape, nominalLabel: nominalLabel)
        try spec.validate()
        return spec
    }

    /// The preprocessing names a dataset offers.
    public static func supported(_ dataset: Dataset) -> [PreprocessingKind] { dataset.definition.preprocessings }

    /// Checks the combination and the constants; throws `.invalidArgument` with the reason.
    public func validate() throws {
        let name = summary, definition = dataset.definition
        guard definition.preprocessings.contains(preprocessing) else {
            throw EngineError.invalidArgument("\(name) is not supported\(definition.refusalNote(for: preprocessing)); use one of \(definition.preprocessings.map(\.rawValue).joined(separator: ", "))")
        }
        guard shape.count == 3, rawShape.count == 3, shape[0] == 1 || shape[0] == 3, rawShape[0] == shape[0],
              shape[1] >= 1, shape[2] >= 1, rawShape[1] >= 1, rawShape[2] >= 1 else {
            throw EngineError.invalidArgument("\(name): invalid shapes raw \(rawShape), input \(shape)")
        }
        try definition.validate(self)
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
