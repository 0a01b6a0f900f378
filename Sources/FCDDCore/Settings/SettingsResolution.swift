// From the values a user gave to the settings of a run: the defaults of the dataset's runner (or of the
// detector's profile, chosen by the images' shape), then the given values, then the defaults that follow
// other settings, then the checks of SettingsValidation.swift. A value that is not given is null or
// absent; the result lists every field of its context, so resolving it again gives it back unchanged.
#if canImport(Glibc)
import Glibc
#endif

/// What to resolve.
public struct SettingsRequest {
    public var context: SettingsContext
    /// The given values: a JSON object of settings (null or absent: not given).
    public var given: JSONValue
    /// (C, H, W) of the detector's training images, which choose its profile.
    public var dataShape: [Int]?
    /// Whether the detector has outlier images (oe_data or known anomalies).
    public var hasOutliers: Bool
    /// Environment variables that give defaults (FCDD_VGG11_BN_WEIGHTS).
    public var environment: [String: String]

    public init(context: SettingsContext, given: JSONValue = .object([]), dataShape: [Int]? = nil,
                hasOutliers: Bool = false, environment: [String: String] = [:]) {
        self.context = context; self.given = given; self.dataShape = dataShape
        self.hasOutliers = hasOutliers; self.environment = environment
    }

    /// The request of `fcdd_settings_resolve`: {"context", "settings", "data_shape", "has_outliers"}, with
    /// the environment of this process.
    public init(json: JSONValue) throws {
        guard case .object = json else { throw EngineError.invalidArgument("request_json must be a JSON object") }
        let fields = try JSONFields(object: json, allowed: ["context", "settings", "data_shape", "has_outliers"],
                                    what: "request key")
        guard let name = try fields.string("context"), let context = SettingsContext(rawValue: name) else {
            throw EngineError.invalidArgument("request 'context' must be \"experiment\" or \"detector\"")
        }
        var shape: [Int]? = nil
        if let s = json["data_shape"], s != .null {
            guard let list = s.arrayValue, case let ints = list.compactMap({ $0.intValue }), ints.count == list.count else {
                throw EngineError.invalidArgument("request 'data_shape' must be [C, H, W] integers")
            }
            shape = ints
        }
        self.init(context: context, given: json["settings"] ?? .object([]), dataShape: shape,
                  hasOutliers: try fields.bool("has_outliers") ?? false, environment: Self.processEnvironment)
    }

    /// The environment variables that give defaults, as this process has them.
    public static var processEnvironment: [String: String] {
        var found = [String: String]()
        for name in [PretrainedVGG.environmentVariable] {
            if let value = getenv(name) { found[name] = String(cString: value) }
        }
        return found
    }
}

/// Settings with every default applied and checked.
public struct ResolvedSettings {
    /// Changed inside the engine only where a caller overrides a checked value for one use (predict's
    /// --gauss-std on a tiled detector model).
    public internal(set) var settings: Settings
    public let context: SettingsContext
    /// The detector's profile (nil for experiments).
    public let profile: DetectorProfile?
    /// Names of the settings that were given rather than defaulted.
    public let given: Set<String>

    /// Every field of the context, in schema order: the format of `--print-config`, `--config` and a
    /// run's config.json.
    public var json: JSONValue { settings.json(context) }
}

extension Settings {
    /// The fields of `context` as JSON, in schema order.
    public func json(_ context: SettingsContext) -> JSONValue {
        .object(SettingsSchema.fields(for: context).map { ($0.name, $0.write(self)) })
    }

    /// Resolves `request` (see the top of this file).
    public static func resolve(_ request: SettingsRequest) throws -> ResolvedSettings {
        let context = request.context
        let given = try GivenSettings(request.given, context: context)
        var s: Settings
        var profile: DetectorProfile? = nil
        switch context {
        case .experiment:
            var start = Settings()
            try given.apply(only: "dataset", to: &start)
            s = RunnerDefaults.settings(for: start.dataset)
        case .detector:
            guard let shape = request.dataShape, shape.count == 3, shape.allSatisfy({ $0 >= 1 }) else {
                throw EngineError.invalidArgument("the detector's defaults follow the training images' shape; data_shape must be [C, H, W], got \(request.dataShape.map { "\($0)" } ?? "none")")
            }
            profile = DetectorProfile(channels: shape[0], height: shape[1], width: shape[2])
            s = profile!.settings
        }
        let defaults = s
        try given.apply(to: &s)
        try s.applyDependentDefaults(given: given.names, defaults: defaults, context: context,
                                     hasOutliers: request.hasOutliers, environment: request.environment)
        try s.validate(context)
        return ResolvedSettings(settings: s, context: context, profile: profile, given: given.names)
    }

    /// The defaults that depend on other settings (the `rule` of their fields in the schema).
    private mutating func applyDependentDefaults(given: Set<String>, defaults: Settings, context: SettingsContext,
                                                 hasOutliers: Bool, environment: [String: String]) throws {
        if !given.contains("lr_sched_param") && scheduler != defaults.scheduler {
            guard scheduler == .lambda else {
                throw EngineError.invalidArgument("\(SettingsSchema.field("lr_sched_param")!.label(context)) must be given with the milestones schedule: [GAMMA, M1, M2, ...]")
            }
            schedulerParameters = Settings().schedulerParameters
        }
        if !given.contains("vgg_weights"), let path = environment[PretrainedVGG.environmentVariable], !path.isEmpty {
            vggWeights = path
        }
        if !given.contains("net") {
            if context == .detector && PretrainedVGG.needsWeights(net) && vggWeights == nil {
                net = net.replacingVGGSuffix()
            }
            if objective != .fcdd, let baseline = NetworkRegistry.baseline(of: net, for: objective) { net = baseline }
        }
        if context == .detector {
            if !given.contains("supervise_mode") {
                superviseMode = hasOutliers || noiseMode == .outlierExposure ? .noise : .malformedNormal
            }
            if !given.contains("noise_mode") { noiseMode = hasOutliers ? .outlierExposure : .confetti }
        }
        if context == .experiment && !given.contains("logdir_suffix") {
            logdirSuffix = logdir.contains("{t}") ? "_\(dataset.rawValue)_" : ""
        }
    }
}

/// The given values of a settings object, each read on its own (type, range, choices) in schema order.
/// Snapshots and model files written before the settings had one schema nest the optimiser and schedule
/// ({"optimizer": {"type", "lr", "weight_decay"}, "scheduler": {"type", "gamma", "milestones"}}); those
/// are read as the flat fields they stand for.
public struct GivenSettings {
    public let context: SettingsContext
    /// (field, value) in schema order; null values are left out.
    public let values: [(field: SettingField, value: JSONValue)]
    public var names: Set<String> { Set(values.map(\.field.name)) }
    /// The given values as a flat settings object, in schema order.
    public var json: JSONValue { .object(values.map { ($0.field.name, $0.value) }) }

    /// Keys that are not settings but may travel with them: the record of a run in its config.json.
    static let ignoredKeys: Set<String> = ["run"]

    public init(_ json: JSONValue, context: SettingsContext) throws {
        guard let object = json.objectValue else {
            throw EngineError.invalidArgument("settings must be a JSON object, got \(shown(json))")
        }
        var flat: [String: JSONValue] = [:]
        for (key, value) in object where !Self.ignoredKeys.contains(key) {
            let expanded = try Self.expandNested(key, value)
            for (name, v) in expanded {
                guard flat[name] == nil else { throw EngineError.invalidArgument("setting '\(name)' is given twice") }
                flat[name] = v
            }
        }
        for name in flat.keys.sorted() {
            guard let field = SettingsSchema.field(name) else {
                let hint = closestName(to: name, among: SettingsSchema.fields(for: context).map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                throw EngineError.invalidArgument("unknown setting '\(name)'\(hint) (fs.settings_schema() lists them)")
            }
            guard field.applies(to: context) else {
                let other = field.contexts.map { $0 == .experiment ? "experiments (fcdd-swift train)" : "the detector (fs.FCDD)" }.joined(separator: " and ")
                throw EngineError.invalidArgument("setting '\(name)' is used by \(other) only")
            }
        }
        self.context = context
        values = SettingsSchema.fields(for: context).compactMap { f in
            guard let v = flat[f.name], v != .null else { return nil }
            return (f, v)
        }
        // Each value on its own, so that an error names the field before any default is looked at.
        var scratch = Settings()
        for (field, value) in values { try field.read(value, &scratch, field.label(context)) }
    }

    func apply(to settings: inout Settings) throws {
        for (field, value) in values { try field.read(value, &settings, field.label(context)) }
    }

    func apply(only name: String, to settings: inout Settings) throws {
        for (field, value) in values where field.name == name { try field.read(value, &settings, field.label(context)) }
    }

    /// The flat fields of a nested optimiser or schedule object; any other key stands for itself.
    private static func expandNested(_ key: String, _ value: JSONValue) throws -> [(String, JSONValue)] {
        switch (key, value) {
        case ("optimizer", .object):
            let fixed: [(String, JSONValue)] = [("momentum", .number(0.9)), ("nesterov", .bool(true)),
                                                ("betas", .array([.number(0.9), .number(0.999)])), ("eps", .number(1e-8))]
            for (name, expected) in fixed {
                if let v = value[name], v != expected {
                    throw EngineError.invalidArgument("optimizer \(name) is fixed at \(expected.serialized()) as in the original; got \(v.serialized())")
                }
            }
            return [("optimizer", value["type"] ?? .null), ("lr", value["lr"] ?? .null),
                    ("weight_decay", value["weight_decay"] ?? .null)]
        case ("scheduler", .object):
            var parameters: [JSONValue] = [value["gamma"] ?? .null]
            if let m = value["milestones"]?.arrayValue { parameters += m }
            return [("scheduler", value["type"] ?? .null), ("lr_sched_param", .array(parameters))]
        default:
            return [(key, value)]
        }
    }
}

/// The name among `names` within two edits of `name` (a typo), if exactly one is that close.
func closestName(to name: String, among names: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        var row = Array(0...b.count)   // Levenshtein, one row at a time
        for i in 1...a.count {
            var diagonal = row[0]
            row[0] = i
            for j in stride(from: 1, through: b.count, by: 1) {
                let above = row[j]
                row[j] = min(above + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1))
                diagonal = above
            }
        }
        return row[b.count]
    }
    let close = names.filter { distance(Array(name), Array($0)) <= 2 }
    return close.count == 1 ? close[0] : nil
}
