// The in-memory detector behind `fs.FCDD`: trains an FCDD (or HSC / AE) network on images handed over
// as arrays, scores new images and draws their heatmaps at the images' own resolution. It is the
// experiment runner without files: the data's size picks the network input and the defaults (the
// profile, RunnerDefaults.swift), the normalisation constants come from the nominal training images,
// and anomalies come from the online supervisor (synthetic noise, or the outlier images and labelled
// anomalies the caller gives).

/// A trained (or not yet trained) detector. Not thread-safe: callers serialise use of one instance.
public final class Detector {
    /// The settings given at creation, each checked on its own; the rest follows the training images.
    public let given: GivenSettings
    /// Every setting of the last `fit` (or of the loaded model), defaults applied.
    public internal(set) var resolved: ResolvedSettings?
    /// Set by `fit` or `load`.
    public internal(set) var network: Network?
    /// The test-time preprocessing of the fitted data.
    public internal(set) var spec: PipelineSpec?
    /// (C, H, W) of the images the detector was fitted on; new images must have C channels.
    public internal(set) var dataShape: [Int]?
    public internal(set) var history: [EpochRecord] = []
    public internal(set) var completedEpochs = 0
    /// The image and pixel decision thresholds (calibrated, or the image one from the training scores).
    public var thresholds = DecisionThresholds()
    /// Worker threads of this detector's calls when set (`set_params(threads=...)` after fitting); nil:
    /// its `threads` setting, and without one the process default (EngineRuntime.swift).
    public var threads: Int?
    /// Whether the last `fit` was stopped before its last epoch.
    public internal(set) var stopped = false
    /// Set by `fit` while its epoch-end report runs: the network so far (in eval mode), so the report's
    /// receiver can score images between epochs (a validation AUROC per epoch) without the detector
    /// taking the unfinished network as its fitted state.
    var betweenEpochs: (Network, PipelineSpec, [Int], Settings)?

    /// A detector from given settings (a JSON object; null or absent values are defaults).
    public init(given json: JSONValue) throws {
        given = try GivenSettings(json, context: .detector)
    }

    public var isFitted: Bool { network != nil }

    /// The square network input side for `height x width` images: the images' own side when they are
    /// square and at most 256 pixels, else their longer side capped at 224 (the receptive-field
    /// upsampling and the original networks assume square inputs); networks with dense layers insist on
    /// their own side.
    public static func inputSide(net: String, height: Int, width: Int) -> Int {
        if let side = NetworkRegistry.requirements(of: net)?.side { return side }
        if height == width && height <= 256 { return height }
        return min(max(height, width), 224)
    }

    /// Channels the network sees for `dataChannels`-channel images (VGG networks are RGB-only, the
    /// 28x28 autoencoders gray-only; images are converted on the fly).
    public static func networkChannels(net: String, dataChannels: Int) -> Int {
        NetworkRegistry.requirements(of: net)?.channels ?? dataChannels
    }

    func requireFitted() throws -> (Network, PipelineSpec, [Int], Settings) {
        if let betweenEpochs { return betweenEpochs }
        guard let network, let spec, let dataShape, let settings = resolved?.settings else {
            throw EngineError.state("the detector is not fitted yet; call fit first")
        }
        return (network, spec, dataShape, settings)
    }

    /// Resolves the given settings for training images of `dataShape` (C, H, W).
    func resolve(dataShape: [Int], hasOutliers: Bool) throws -> ResolvedSettings {
        try Settings.resolve(SettingsRequest(context: .detector, given: given.json, dataShape: dataShape,
                                             hasOutliers: hasOutliers, environment: SettingsRequest.processEnvironment))
    }

    /// The JSON that `describe` returns and the model file stores.
    public var json: JSONValue {
        func ints(_ v: [Int]) -> JSONValue { .array(v.map { .number(Double($0)) }) }
        return .object([
            ("settings", resolved?.json ?? given.json), ("given", given.json),
            ("profile", resolved?.profile.map { .string($0.rawValue) } ?? .null), ("fitted", .bool(isFitted)),
            ("data_shape", dataShape.map(ints) ?? .null),
            ("in_shape", network.map { ints($0.inShape) } ?? .null),
            ("gauss_std", resolved.map { .number($0.settings.gaussStd) } ?? .null),
            ("preprocessing", spec?.json ?? .null),
            ("completed_epochs", .number(Double(completedEpochs))), ("stopped", .bool(stopped)),
            ("history", EpochRecord.json(history)), ("thresholds", thresholds.json),
        ])
    }
}
