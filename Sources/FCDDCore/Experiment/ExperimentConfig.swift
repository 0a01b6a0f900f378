// Everything one `fcdd-swift train` invocation asks for (reference 9.1-9.2), fully resolved: the
// command line applies the per-dataset runner defaults and passes this as JSON, so the engine never
// guesses. Unknown keys are rejected, so a typo cannot silently fall back to a default.

public struct ExperimentConfig {
    public enum Dataset: String, CaseIterable {
        case synthetic, fmnist, cifar10, mvtec, imagenet, pascalvoc, custom
    }
    public enum SuperviseMode: String, CaseIterable {
        case unsupervised, other, noise, malformed_normal, malformed_normal_gt
    }

    public var dataset: Dataset = .synthetic
    public var datadir = "data/datasets"
    /// The experiment's root folder (created; run folders `normal_<c>/it_<i>` go below it).
    public var logdir = "data/results/fcdd"
    /// Nominal classes to run; empty means all classes of the dataset.
    public var classes: [Int] = []
    /// Repetitions per class (`it_0 ..< it_{it-1}`), each with seed `seed + i`.
    public var iterations = 1
    public var seed: UInt64 = 0

    public var net = "FCDD_CNN32_S"
    public var objective: Objective = .fcdd
    public var bias = true
    public var preproc = "lcnaug1"
    public var superviseMode: SuperviseMode = .malformed_normal
    public var noiseMode = "confetti"
    /// Distinct outlier-exposure samples (MVTec: per defect type); nil = no limit.
    public var oeLimit: Int?
    public var offlineSupervision = false
    public var nominalLabel = 0
    public var oneVsRest = false
    public var groundTruthMaps = false

    public var epochs = 30
    public var batchSize = 64
    public var accBatches = 1
    public var optimizer = OptimizerSettings(kind: .sgd, learningRate: 1e-3, weightDecay: 1e-6)
    public var schedule = LearningRateSchedule.lambda(gamma: 0.985)

    public var gaussStd = 10.0
    public var quantile = 0.97
    public var resdown = 64
    public var blurHeatmaps = false
    /// Snapshot to resume from (`--load`).
    public var load: String?
    /// safetensors file with torchvision's ImageNet vgg11_bn weights (for FCDD_CNN224_VGG / _F).
    public var vggWeights: String?
    /// Engine threads (nil: all cores).
    public var threads: Int?
    /// Free text stored with the configuration (`--readme`).
    public var readme = ""
    /// Log root of an earlier experiment whose paper-picture indices are drawn again (`--viz-ids`).
    public var vizIds: String?

    public init() {}

    static let keys: Set<String> = [
        "dataset", "datadir", "logdir", "classes", "it", "seed", "net", "objective", "bias", "preproc",
        "supervise_mode", "noise_mode", "oe_limit", "offline_supervision", "nominal_label", "one_vs_rest",
        "ground_truth_maps", "epochs", "batch_size", "acc_batches", "optimizer", "scheduler", "gauss_std",
        "quantile", "resdown", "blur_heatmaps", "load", "vgg_weights", "threads", "readme", "viz_ids",
    ]

    /// Parses and validates the JSON the command line builds. Errors name the offending key.
    public init(json: JSONValue) throws {
        let fields = try JSONFields(object: json, allowed: Self.keys, what: "experiment option")
        let string = fields.string, int = fields.int, number = fields.number, bool = fields.bool
        if let d = try string("dataset") {
            guard let ds = Dataset(rawValue: d) else {
                throw EngineError.invalidArgument("unknown dataset '\(d)'; known: \(Dataset.allCases.map { $0.rawValue }.joined(separator: ", "))")
            }
            dataset = ds
        }
        datadir = try string("datadir") ?? datadir
        logdir = try string("logdir") ?? logdir
        if let c = json["classes"], c != .null {
            guard let list = c.arrayValue?.compactMap({ $0.intValue }), list.count == c.arrayValue?.count else {
                throw EngineError.invalidArgument("'classes' must be a list of integers")
            }
            classes = list
        }
        iterations = try int("it") ?? iterations
        if let s = try int("seed") {
            guard s >= 0 else { throw EngineError.invalidArgument("'seed' must be >= 0") }
            seed = UInt64(s)
        }
        net = try string("net") ?? net
        if let o = try string("objective") {
            guard let obj = Objective(rawValue: o) else { throw EngineError.invalidArgument("objective must be fcdd, hsc or ae, got '\(o)'") }
            objective = obj
        }
        bias = try bool("bias") ?? bias
        preproc = try string("preproc") ?? preproc
        if let m = try string("supervise_mode") {
            guard let mode = SuperviseMode(rawValue: m) else {
                throw EngineError.invalidArgument("unknown supervise mode '\(m)'; known: \(SuperviseMode.allCases.map { $0.rawValue }.joined(separator: ", "))")
            }
            superviseMode = mode
        }
        noiseMode = try string("noise_mode") ?? noiseMode
        oeLimit = try int("oe_limit")
        offlineSupervision = try bool("offline_supervision") ?? offlineSupervision
        nominalLabel = try int("nominal_label") ?? nominalLabel
        oneVsRest = try bool("one_vs_rest") ?? oneVsRest
        groundTruthMaps = try bool("ground_truth_maps") ?? groundTruthMaps
        epochs = try int("epochs") ?? epochs
        batchSize = try int("batch_size") ?? batchSize
        accBatches = try int("acc_batches") ?? accBatches
        if let o = json["optimizer"], o != .null { optimizer = try OptimizerSettings(json: o) }
        if let s = json["scheduler"], s != .null { schedule = try LearningRateSchedule(json: s) }
        gaussStd = try number("gauss_std") ?? gaussStd
        quantile = try number("quantile") ?? quantile
        resdown = try int("resdown") ?? resdown
        blurHeatmaps = try bool("blur_heatmaps") ?? blurHeatmaps
        load = try string("load")
        vggWeights = try string("vgg_weights")
        threads = try int("threads")
        readme = try string("readme") ?? readme
        vizIds = try string("viz_ids")
        try validate()
    }

    public func validate() throws {
        func check(_ ok: Bool, _ message: String) throws { if !ok { throw EngineError.invalidArgument(message) } }
        try check(iterations >= 1, "'it' must be >= 1, got \(iterations)")
        try check(classes.allSatisfy { $0 >= 0 }, "class indices must be >= 0")
        // A repeated class would run twice into the same normal_<c>/it_<i> folders and count twice in the summary.
        try check(Set(classes).count == classes.count, "classes must not repeat, got \(classes)")
        try check(epochs >= 0, "epochs must be >= 0, got \(epochs)")
        try check(batchSize >= 1, "batch size must be >= 1, got \(batchSize)")
        try check(accBatches >= 1, "acc_batches must be >= 1, got \(accBatches)")
        try check(optimizer.learningRate > 0, "learning rate must be > 0, got \(optimizer.learningRate)")
        try check(optimizer.weightDecay >= 0, "weight decay must be >= 0, got \(optimizer.weightDecay)")
        try check(gaussStd > 0, "gauss_std must be > 0, got \(gaussStd)")
        try check(quantile > 0 && quantile <= 1, "quantile must be in (0, 1], got \(quantile)")
        try check(resdown >= 8, "resdown must be >= 8, got \(resdown)")
        try check(nominalLabel == 0 || nominalLabel == 1, "nominal_label must be 0 or 1, got \(nominalLabel)")
        try check(oeLimit.map { $0 >= 1 } ?? true, "oe_limit must be >= 1")
        try check(threads.map { $0 >= 1 } ?? true, "threads must be >= 1")
        try check(!logdir.isEmpty, "logdir must not be empty")
        try check(NetworkRegistry.names.contains(net), "unknown network '\(net)'")
        if let kind = NetworkRegistry.kind(of: net) {
            try check(kind == objective.networkKind,
                      "objective '\(objective.rawValue)' needs a \(objective.networkKind.rawValue) network; \(net) is a \(kind.rawValue) network")
        }
        try schedule.validate()
    }

    /// The resolved configuration as written to `config.json` in every run folder.
    public var json: JSONValue {
        func opt<T>(_ v: T?, _ f: (T) -> JSONValue) -> JSONValue { v.map(f) ?? .null }
        return .object([
            ("dataset", .string(dataset.rawValue)), ("datadir", .string(datadir)), ("logdir", .string(logdir)),
            ("classes", .array(classes.map { .number(Double($0)) })), ("it", .number(Double(iterations))),
            ("seed", .number(Double(seed))), ("net", .string(net)), ("objective", .string(objective.rawValue)),
            ("bias", .bool(bias)), ("preproc", .string(preproc)), ("supervise_mode", .string(superviseMode.rawValue)),
            ("noise_mode", .string(noiseMode)), ("oe_limit", opt(oeLimit) { .number(Double($0)) }),
            ("offline_supervision", .bool(offlineSupervision)), ("nominal_label", .number(Double(nominalLabel))),
            ("one_vs_rest", .bool(oneVsRest)), ("ground_truth_maps", .bool(groundTruthMaps)),
            ("epochs", .number(Double(epochs))), ("batch_size", .number(Double(batchSize))),
            ("acc_batches", .number(Double(accBatches))), ("optimizer", optimizer.json), ("scheduler", schedule.json),
            ("gauss_std", .number(gaussStd)), ("quantile", .number(quantile)), ("resdown", .number(Double(resdown))),
            ("blur_heatmaps", .bool(blurHeatmaps)), ("load", opt(load) { .string($0) }),
            ("vgg_weights", opt(vggWeights) { .string($0) }), ("threads", opt(threads) { .number(Double($0)) }),
            ("readme", .string(readme)), ("viz_ids", opt(vizIds) { .string($0) }),
        ])
    }
}
