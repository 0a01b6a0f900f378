// One run's output folder `<logdir>/normal_<c>/it_<i>` (reference 8.7): a line log mirrored to the
// caller's progress handler, and JSON/PNG artefacts written atomically.

public final class RunDirectory {
    public let path: String
    private let report: (ExperimentEvent) -> Bool

    public init(path: String, report: @escaping (ExperimentEvent) -> Bool) throws {
        try createDirectories(path)
        self.path = path
        self.report = report
    }

    public func file(_ name: String) -> String { path + "/" + name }

    /// Appends a line to `log.txt` and shows it to the user.
    public func log(_ line: String) {
        try? appendToFile(line + "\n", path: file("log.txt"))
        _ = report(.log(line))
    }

    public func writeJSON(_ name: String, _ value: JSONValue) throws {
        try writeJSONFile(value, to: file(name))
    }

    public func writeText(_ name: String, _ text: String) throws {
        try writeFileAtomically(Array(text.utf8), to: file(name))
    }
}

/// What an experiment reports while it runs; the handler returns false to request a stop (Ctrl-C).
public enum ExperimentEvent {
    /// The experiment's folder is made; `runs` runs (classes x repetitions) follow with `settings` (resolved).
    case experimentStarted(directory: String, runs: Int, settings: JSONValue)
    case log(String)
    case runStarted(directory: String, nominalClass: Int, className: String, iteration: Int, seed: UInt64)
    case progress(TrainingProgress)
    case phase(String)

    public var json: JSONValue {
        switch self {
        case .experimentStarted(let dir, let runs, let settings):
            return .object([("event", .string("experiment")), ("directory", .string(dir)), ("runs", .number(Double(runs))),
                            ("settings", settings)])
        case .log(let m): return .object([("event", .string("log")), ("message", .string(m))])
        case .phase(let m): return .object([("event", .string("phase")), ("message", .string(m))])
        case .runStarted(let dir, let c, let name, let it, let seed):
            return .object([("event", .string("run")), ("directory", .string(dir)), ("class", .number(Double(c))),
                            ("class_name", .string(name)), ("it", .number(Double(it))), ("seed", .number(Double(seed)))])
        case .progress(let p):
            return .object([("event", .string("step")), ("epoch", .number(Double(p.epoch))), ("epochs", .number(Double(p.epochs))),
                            ("step", .number(Double(p.step))), ("steps", .number(Double(p.stepsPerEpoch))),
                            ("loss", .number(p.loss)), ("epoch_loss", .number(p.epochLoss)),
                            ("images_per_second", .number(p.imagesPerSecond)), ("lr", .number(p.learningRate)),
                            ("seconds", .number(p.secondsInEpoch))])
        }
    }
}
