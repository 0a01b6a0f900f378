// The schema as JSON (`fcdd_settings_schema`, `fs.settings_schema()`): every field with its type, range
// or choices, flags, help, and its default for every dataset (experiments) and every profile (the
// detector), computed by resolving the defaults themselves, so that the table cannot drift from what a
// run uses.
//
//   {"version": 1, "contexts": {...}, "datasets": [...], "profiles": {name: {"runner", "images"}},
//    "grid": {"max_runs": the default limit of a grid's runs},
//    "fields": {name: {"type", "group", "role", "contexts", "option", "flags", "negated", "nullable", "range",
//                      "choices", "choice_help": {choice: what it does} or null, "context_choices", "default": {dataset or profile: value},
//                      "default_rule": {context: how the default follows other settings} or null, "help"}}}

extension SettingsSchema {
    public static let json: JSONValue = makeJSON()

    /// Representative image shapes of the profiles (any shape of the profile gives the same defaults).
    static let profileShapes: [DetectorProfile: [Int]] = [.smallGray: [1, 28, 28], .small: [3, 32, 32], .large: [3, 224, 224]]

    /// The defaults of every dataset and profile, resolved as a run without given values would be
    /// (without the environment, so that the schema is the same on every machine).
    static func defaultSettings() -> [(key: String, context: SettingsContext, settings: Settings)] {
        let datasets = Dataset.allCases.map { d -> (String, SettingsContext, Settings) in
            let resolved = try? Settings.resolve(SettingsRequest(context: .experiment, given: .object([("dataset", .string(d.rawValue))])))
            return (d.rawValue, .experiment, resolved?.settings ?? RunnerDefaults.settings(for: d))
        }
        let profiles = DetectorProfile.allCases.map { p -> (String, SettingsContext, Settings) in
            let resolved = try? Settings.resolve(SettingsRequest(context: .detector, dataShape: profileShapes[p]))
            return (p.rawValue, .detector, resolved?.settings ?? p.settings)
        }
        return (datasets + profiles).map { (key: $0.0, context: $0.1, settings: $0.2) }
    }

    private static func makeJSON() -> JSONValue {
        let defaults = defaultSettings()
        func strings(_ list: [String]) -> JSONValue { .array(list.map { .string($0) }) }
        let fieldsJSON: [(String, JSONValue)] = fields.map { f in
            let defaultValues: [(String, JSONValue)] = defaults.filter { f.applies(to: $0.context) }.map { ($0.key, f.write($0.settings)) }
            let contextChoices: JSONValue = f.contextChoices.isEmpty ? .null
                : .object(SettingsContext.allCases.compactMap { c in f.contextChoices[c].map { (c.rawValue, strings($0)) } })
            return (f.name, .object([
                ("type", .string(f.type.rawValue)), ("group", .string(f.group)), ("role", .string(f.role.rawValue)),
                ("contexts", strings(f.contexts.map(\.rawValue))),
                ("option", f.primaryFlag.map { .string($0) } ?? .null), ("flags", strings(f.flags)),
                ("negated", .bool(f.negatedFlag)), ("nullable", .bool(f.nullable)),
                ("range", f.range?.json ?? .null), ("choices", f.choices.map(strings) ?? .null),
                ("choice_help", f.choiceHelp.isEmpty ? .null : .object(f.choiceHelp.map { ($0.0, .string($0.1)) })),
                ("context_choices", contextChoices), ("default", .object(defaultValues)),
                ("default_rule", f.defaultRules.isEmpty ? .null
                    : .object(SettingsContext.allCases.compactMap { c in f.defaultRules[c].map { (c.rawValue, .string($0)) } })),
                ("help", .string(f.help)),
            ]))
        }
        return .object([
            ("version", .number(1)),
            ("contexts", .object([
                ("experiment", .string("a training experiment: fcdd-swift train, fs.run_experiment, fcdd_experiment_run")),
                ("detector", .string("the in-memory detector: fs.FCDD, fcdd_detector_create")),
            ])),
            ("datasets", strings(Dataset.choiceNames)),
            ("profiles", .object(DetectorProfile.allCases.map {
                ($0.rawValue, .object([("runner", .string($0.runner.rawValue)), ("images", .string($0.rule))]))
            })),
            // What a grid of these settings may be (fcdd_experiment_plan): its default limit of runs.
            ("grid", .object([("max_runs", .number(Double(PlanRequest.defaultMaxRuns)))])),
            ("fields", .object(fieldsJSON)),
        ])
    }
}
