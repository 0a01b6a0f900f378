// The hyper-parameters of an in-memory detector (`fs.FCDD`), fully resolved by the Python package from
// the data's shape (which original runner's defaults apply) and checked again here. They are stored in
// the model file, so a loaded detector knows how it was trained.

public struct DetectorSettings: Equatable {
    public var net = "FCDD_CNN28_W"
    public var objective = Objective.fcdd
    public var bias = true
    public var epochs = 50
    public var batchSize = 128
    public var accBatches = 1
    public var optimizer = OptimizerSettings(kind: .sgd, learningRate: 1e-2, weightDecay: 1e-6)
    public var schedule = LearningRateSchedule.lambda(gamma: 0.98)
    public var superviseMode = SuperviseMode.malformedNormal
    public var noiseMode = NoiseMode.confetti
    /// Distinct outlier images kept from oe_data and the known anomalies (nil: all).
    public var oeLimit: Int?
    public var preprocessing = PreprocessingKind.lcnaug1
    /// Std of the receptive-field Gaussian (heatmaps and the ground-truth loss); nil: the network's default.
    public var gaussStd: Double?
    public var seed: UInt64 = 0
    public var threads: Int?
    /// ImageNet weights for the pretrained VGG networks (`*_VGG_F`, `*_VGG`).
    public var vggWeights: String?

    public init() {}

    static let keys: Set<String> = [
        "net", "objective", "bias", "epochs", "batch_size", "acc_batches", "optimizer", "scheduler",
        "supervise_mode", "noise_mode", "oe_limit", "preproc", "gauss_std", "seed", "threads", "vgg_weights",
    ]

    public init(json: JSONValue) throws {
        let f = try JSONFields(object: json, allowed: Self.keys, what: "detector setting")
        net = try f.string("net") ?? net
        if let o = try f.string("objective") {
            guard let obj = Objective(rawValue: o) else { throw EngineError.invalidArgument("objective must be fcdd, hsc or ae, got '\(o)'") }
            objective = obj
        }
        bias = try f.bool("bias") ?? bias
        epochs = try f.int("epochs") ?? epochs
        batchSize = try f.int("batch_size") ?? batchSize
        accBatches = try f.int("acc_batches") ?? accBatches
        if let o = json["optimizer"], o != .null { optimizer = try OptimizerSettings(json: o) }
        if let s = json["scheduler"], s != .null { schedule = try LearningRateSchedule(json: s) }
        if let m = try f.string("supervise_mode") { superviseMode = try SuperviseMode(name: m) }
        if let m = try f.string("noise_mode") { noiseMode = try NoiseMode(name: m) }
        oeLimit = try f.int("oe_limit")
        if let p = try f.string("preproc") { preprocessing = try PreprocessingKind(name: p) }
        gaussStd = try f.number("gauss_std")
        if let s = try f.int("seed") {
            guard s >= 0 else { throw EngineError.invalidArgument("'seed' must be >= 0, got \(s)") }
            seed = UInt64(s)
        }
        threads = try f.int("threads")
        vggWeights = try f.string("vgg_weights")
        try validate()
    }

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw EngineError.invalidArgument(message) } }
        try check(NetworkRegistry.names.contains(net), "unknown network '\(net)'; known: \(NetworkRegistry.names.joined(separator: ", "))")
        if let kind = NetworkRegistry.kind(of: net) {
            try check(kind == objective.networkKind,
                      "objective '\(objective.rawValue)' needs a \(objective.networkKind.rawValue) network; \(net) is a \(kind.rawValue) network")
        }
        try check(epochs >= 0, "epochs must be >= 0, got \(epochs)")
        try check(batchSize >= 1, "batch_size must be >= 1, got \(batchSize)")
        try check(accBatches >= 1, "acc_batches must be >= 1, got \(accBatches)")
        try check(optimizer.learningRate > 0 && optimizer.learningRate.isFinite, "lr must be > 0, got \(optimizer.learningRate)")
        try check(optimizer.weightDecay >= 0 && optimizer.weightDecay.isFinite, "weight_decay must be >= 0, got \(optimizer.weightDecay)")
        try schedule.validate()
        try check(oeLimit.map { $0 >= 1 } ?? true, "oe_limit must be >= 1")
        try check(gaussStd.map { $0 > 0 } ?? true, "gauss_std must be > 0")
        try check(threads.map { $0 >= 1 } ?? true, "threads must be >= 1")
        if (superviseMode == .malformedNormal || superviseMode == .malformedNormalGT) && noiseMode.isOutlierExposure {
            throw EngineError.invalidArgument("supervise_mode '\(superviseMode.rawValue)' adds synthetic noise to nominal images and needs a synthetic noise_mode (confetti, gaussian, uniform, blob, mixed_blob, solid), not '\(noiseMode.rawValue)'")
        }
        if superviseMode.createsAnomalies && noiseMode.isOutlierExposure && noiseMode != .outlierExposure {
            throw EngineError.invalidArgument("noise_mode '\(noiseMode.rawValue)' reads an outlier dataset from disk, which the in-memory detector does not; pass the outlier images as oe_data and use noise_mode 'outlier_exposure'")
        }
    }

    public var json: JSONValue {
        func opt<T>(_ v: T?, _ f: (T) -> JSONValue) -> JSONValue { v.map(f) ?? .null }
        return .object([
            ("net", .string(net)), ("objective", .string(objective.rawValue)), ("bias", .bool(bias)),
            ("epochs", .number(Double(epochs))), ("batch_size", .number(Double(batchSize))),
            ("acc_batches", .number(Double(accBatches))), ("optimizer", optimizer.json), ("scheduler", schedule.json),
            ("supervise_mode", .string(superviseMode.rawValue)), ("noise_mode", .string(noiseMode.rawValue)),
            ("oe_limit", opt(oeLimit) { .number(Double($0)) }), ("preproc", .string(preprocessing.rawValue)),
            ("gauss_std", opt(gaussStd) { .number($0) }), ("seed", .number(Double(seed))),
            ("threads", opt(threads) { .number(Double($0)) }), ("vgg_weights", opt(vggWeights) { .string($0) }),
        ])
    }
}
