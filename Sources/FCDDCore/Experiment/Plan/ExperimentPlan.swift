// The plan of an experiment or a grid, made by the engine alone (the C ABI's fcdd_experiment_plan): every
// run with its folder, seed, resolved settings and how far an earlier start got (finished, partial, new).
// The serial runner, the Ray runner and the command line take their tasks from it; none of them builds
// a path or reads a run's files. A plain experiment is a grid of one combination whose folder is the
// experiment's folder, so its results have the layout of a serial run; a grid's combinations are
// sub-folders of the grid's folder.

/// What to plan: {"settings": experiment settings, "grid": {setting: [values]} or null, "resume": false,
/// true (the newest folder matching logdir + logdir_suffix) or the folder of an earlier start,
/// "max_runs": the most runs allowed (10,000 by default)}.
public struct PlanRequest {
    public static let defaultMaxRuns = 10_000

    public var settings: JSONValue
    public var grid: GridSpec?
    public var resume: Bool
    public var resumeFolder: String?
    public var maxRuns: Int

    public init(json: JSONValue) throws {
        let fields = try JSONFields(object: json, allowed: ["settings", "grid", "resume", "max_runs"], what: "plan request key")
        settings = json["settings"] ?? .object([])
        guard settings.objectValue != nil else { throw EngineError.invalidArgument("the plan's 'settings' must be a JSON object") }
        if let grid = json["grid"], grid != .null { self.grid = try GridSpec(json: grid) }
        switch json["resume"] ?? .null {
        case .null, .bool(false): resume = false
        case .bool(true): resume = true
        case .string(let folder) where !folder.isEmpty: resume = true; resumeFolder = folder
        default: throw EngineError.invalidArgument("'resume' must be false, true or the folder of an earlier start")
        }
        maxRuns = try fields.int("max_runs") ?? Self.defaultMaxRuns
        guard maxRuns >= 1 else { throw EngineError.invalidArgument("max_runs must be an integer >= 1; got \(maxRuns)") }
    }
}

public struct ExperimentPlan {
    public struct Combination {
        /// The sub-folder's name ("" for a plain experiment).
        public let name: String
        /// The varied settings and their values.
        public let values: [(String, JSONValue)]
        public let settings: ResolvedSettings
        /// The experiment's folder.
        public let directory: String
    }

    public struct Run {
        /// Index into `combinations`.
        public let combination: Int
        public let nominalClass: Int
        public let className: String
        public let iteration: Int
        public let seed: UInt64
        public let directory: String
        public let state: RunState
        /// `<combination>/normal_<c>/it_<i>`: names the run in progress lines and results.
        public let key: String
    }

    /// The grid's folder (the experiment's folder for a plain experiment).
    public let directory: String
    public let varied: [String]
    public let combinations: [Combination]
    public let runs: [Run]

    public static func make(_ request: PlanRequest) throws -> ExperimentPlan {
        let limit = request.maxRuns
        if let grid = request.grid { try checkSize(combinations: grid.combinationCount, runsEach: 1, limit: limit) }
        let first = try resolve(request.settings)
        let firstRuns = try ExperimentRunner(settings: first.settings) { _ in true }.plannedRuns()
        let directory = request.resume
            ? try ResumeFolder.find(given: request.resumeFolder, pattern: first.settings.logdir + first.settings.logdirSuffix)
            : absolutePath(first.settings.experimentDirectory(startTime: localTimestamp()))

        var combinations = [Combination](), plannedRuns = [[(nominalClass: Int, className: String, iteration: Int)]]()
        if let grid = request.grid {
            // Classes and repetitions are not varied, so every combination has as many runs as the base (a
            // varied dataset can change the class count: the total is checked again below).
            try checkSize(combinations: grid.combinationCount, runsEach: firstRuns.count, limit: limit)
            for (name, values) in grid.combinations() {
                let folder = directory + "/" + name
                var given = (request.settings.objectValue ?? []).filter { key, _ in !values.contains { $0.0 == key } && key != "logdir" && key != "logdir_suffix" }
                given += values + [("logdir", .string(folder)), ("logdir_suffix", .string(""))]
                do {
                    let resolved = try resolve(.object(given))
                    plannedRuns.append(try ExperimentRunner(settings: resolved.settings) { _ in true }.plannedRuns())
                    combinations.append(Combination(name: name, values: values, settings: resolved, directory: folder))
                } catch let error as EngineError {
                    throw EngineError.invalidArgument("grid combination \(name): \(error)")
                }
            }
        } else {
            try checkSize(combinations: 1, runsEach: firstRuns.count, limit: limit)
            combinations = [Combination(name: "", values: [], settings: first, directory: directory)]
            plannedRuns = [firstRuns]
        }
        let total = plannedRuns.reduce(0) { $0 + $1.count }
        if total > limit {
            throw EngineError.invalidArgument("the grid's \(combinations.count) combinations have \(total) runs in all, more than the limit of \(limit); shorten its lists, or raise the limit (--max-runs N, max_runs=N)")
        }

        var runs = [Run]()
        for (index, combination) in combinations.enumerated() {
            for planned in plannedRuns[index] {
                let (c, i) = (planned.nominalClass, planned.iteration)
                let folder = ExperimentLayout.runFolder(nominalClass: c, iteration: i)
                let runDirectory = combination.directory + "/" + folder
                if request.resume {
                    try ResumeFolder.checkSameSettings(runDirectory: runDirectory, settings: combination.settings.json)
                }
                runs.append(Run(combination: index, nominalClass: c, className: planned.className, iteration: i,
                                seed: combination.settings.settings.runSeed(iteration: i), directory: runDirectory,
                                state: ExperimentLayout.state(ofRun: runDirectory),
                                key: combination.name.isEmpty ? folder : "\(combination.name)/\(folder)"))
            }
        }
        return ExperimentPlan(directory: directory, varied: request.grid?.varied ?? [], combinations: combinations, runs: runs)
    }

    private static func resolve(_ given: JSONValue) throws -> ResolvedSettings {
        try Settings.resolve(SettingsRequest(context: .experiment, given: given, environment: SettingsRequest.processEnvironment))
    }

    /// Refuses `combinations` x `runsEach` runs above `limit` before anything is enumerated.
    static func checkSize(combinations: Double, runsEach: Int, limit: Int) throws {
        let total = combinations * Double(runsEach)
        guard total > Double(limit) else { return }
        throw EngineError.invalidArgument("the grid has \(countText(combinations)) combinations x \(runsEach) runs each = \(countText(total)) runs, more than the limit of \(limit); shorten its lists, or raise the limit (--max-runs N, max_runs=N)")
    }

    /// Counts as integers, huge ones with three digits and an exponent ("1e+12", "2.5e+15").
    static func countText(_ count: Double) -> String {
        guard count >= 1e6 else { return String(Int(count)) }
        var exponent = 0, mantissa = count
        while mantissa >= 10 { mantissa /= 10; exponent += 1 }
        var digits = String(Int((mantissa * 100).rounded()))   // three significant digits
        if digits.count > 3 { digits = "100"; exponent += 1 }   // 9.995 rounds up to 10.0
        var text = String(digits.prefix(1))
        let fraction = String(digits.dropFirst()).reversed().drop { $0 == "0" }.reversed()
        if !fraction.isEmpty { text += "." + String(fraction) }
        return text + "e+" + (exponent < 10 ? "0" : "") + String(exponent)
    }

    public var json: JSONValue {
        func values(_ list: [(String, JSONValue)]) -> JSONValue { .object(list) }
        return .object([
            ("directory", .string(directory)),
            ("varied", .array(varied.map { .string($0) })),
            // The first combination's settings: a plain experiment's, as fcdd_experiment_plan always gave.
            ("settings", combinations.first?.settings.json ?? .null),
            ("combinations", .array(combinations.map { c in
                .object([("name", .string(c.name)), ("values", values(c.values)), ("settings", c.settings.json),
                         ("directory", .string(c.directory))])
            })),
            ("runs", .array(runs.map { r in
                .object([("combination", .number(Double(r.combination))), ("key", .string(r.key)),
                         ("class", .number(Double(r.nominalClass))), ("class_name", .string(r.className)),
                         ("it", .number(Double(r.iteration))), ("seed", .number(Double(r.seed))),
                         ("directory", .string(r.directory)), ("state", .string(r.state.rawValue))])
            })),
        ])
    }
}
