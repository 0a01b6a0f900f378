// The request of a part of an experiment run elsewhere (the C ABI's fcdd_experiment_run_one and
// fcdd_experiment_summarize; a grid's tasks): the experiment's settings, its folder, chosen once by the
// caller so that every task writes into the same one, and for one run its class and repetition.
//   {"settings": {...}, "directory": "...", "class": c, "it": i, "resume": true}

public struct ExperimentTaskRequest {
    public var settings: Settings
    public var directory: String
    public var nominalClass: Int?
    public var iteration: Int?
    public var resume: Bool

    public init(json: JSONValue) throws {
        let fields = try JSONFields(object: json, allowed: ["settings", "directory", "class", "it", "resume"], what: "request key")
        guard let directory = try fields.string("directory"), !directory.isEmpty else {
            throw EngineError.invalidArgument("the request needs 'directory', the experiment's folder")
        }
        let resolved = try Settings.resolve(SettingsRequest(context: .experiment, given: json["settings"] ?? .object([]),
                                                            environment: SettingsRequest.processEnvironment))
        self.settings = resolved.settings
        self.directory = directory
        self.nominalClass = try fields.int("class")
        self.iteration = try fields.int("it")
        self.resume = try fields.bool("resume") ?? false
    }

    /// The class and repetition of a one-run request.
    public func run() throws -> (nominalClass: Int, iteration: Int) {
        guard let c = nominalClass, let i = iteration, c >= 0, i >= 0 else {
            throw EngineError.invalidArgument("the request needs 'class' and 'it', integers >= 0")
        }
        return (c, i)
    }
}
