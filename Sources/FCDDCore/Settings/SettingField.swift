// One setting as data: its JSON name, where it applies, its command-line flags, type, valid range or
// choices and help, plus how it reads and writes the typed property it stands for. Everything that
// handles settings generically (parsing given values, validation, the JSON of a run, the schema behind
// the command line and the docs) walks the list of SettingsSchema.swift instead of naming fields.

/// The kinds of values in the schema ("type").
public enum SettingType: String {
    case integer = "int", number, boolean = "bool", string, path, choice
    case integers = "int_list", numbers = "number_list"
}

/// An interval of valid numbers: [a, b], (0, 1], > 0, >= 0, ...
public struct SettingRange: Equatable {
    public var lower: Double?, upper: Double?
    public var lowerOpen = false, upperOpen = false

    public static func atLeast(_ v: Double) -> SettingRange { SettingRange(lower: v) }
    public static func above(_ v: Double) -> SettingRange { SettingRange(lower: v, lowerOpen: true) }
    public static func between(_ a: Double, _ b: Double, lowerOpen: Bool = false) -> SettingRange {
        SettingRange(lower: a, upper: b, lowerOpen: lowerOpen)
    }

    public func contains(_ x: Double) -> Bool {
        guard x.isFinite else { return false }
        if let l = lower, lowerOpen ? x <= l : x < l { return false }
        if let u = upper, upperOpen ? x >= u : x > u { return false }
        return true
    }

    /// "[0, 1000000]", "(0, 1]", "> 0", ">= 1".
    public var text: String {
        func n(_ v: Double) -> String { JSONValue.number(v).serialized() }
        switch (lower, upper) {
        case let (l?, u?): return (lowerOpen ? "(" : "[") + n(l) + ", " + n(u) + (upperOpen ? ")" : "]")
        case let (l?, nil): return (lowerOpen ? "> " : ">= ") + n(l)
        case let (nil, u?): return (upperOpen ? "< " : "<= ") + n(u)
        case (nil, nil): return "any finite number"
        }
    }

    var json: JSONValue {
        .object([("min", lower.map { .number($0) } ?? .null), ("max", upper.map { .number($0) } ?? .null),
                 ("min_exclusive", .bool(lowerOpen)), ("max_exclusive", .bool(upperOpen)), ("text", .string(text))])
    }
}

/// What a setting decides about an experiment, which tells a grid what it may vary and a resumed
/// experiment what must not change.
public enum SettingRole: String {
    /// What is run (data, network, training, evaluation): a grid may vary it; a resumed run keeps it.
    case content
    /// Where results go and how a run is executed (its folder, threads, overwriting): set for a whole
    /// grid, and free to differ when an experiment is started again with --resume.
    case execution
    /// Which runs an experiment has (classes, repetitions) and where training starts (a snapshot): the
    /// grid's other axes, set for the whole grid, and the same on resume.
    case runs

    /// Whether a grid may give the setting a list of values.
    public var variedInGrids: Bool { self == .content }
    /// Whether a resumed experiment must have the value its runs were started with.
    public var fixedOnResume: Bool { self != .execution }
}

public struct SettingField {
    public let name: String
    /// The section of `fcdd-swift train --help` (set by the schema).
    public internal(set) var group = ""
    public private(set) var role = SettingRole.content
    public let contexts: [SettingsContext]
    /// Flags of `fcdd-swift train` (the original runners' where they have one), e.g. ["-e", "--epochs"].
    public let flags: [String]
    /// Whether the flag sets the setting to false (`--no-bias`).
    public let negatedFlag: Bool
    public let help: String
    public let type: SettingType
    /// Whether null is a value (no limit, all cores, no file).
    public let nullable: Bool
    public let range: SettingRange?
    /// Valid values of choice settings (of list elements for lists with a range).
    public let choices: [String]?
    /// The choices a context accepts where it differs from `choices`.
    public let contextChoices: [SettingsContext: [String]]
    /// What some choices do, in their order (empty where the names say it).
    public let choiceHelp: [(String, String)]
    /// How the default depends on other settings, per context, where it does.
    public let defaultRules: [SettingsContext: String]
    /// Sets the typed property from a JSON value; `label` names the setting in errors.
    let read: (JSONValue, inout Settings, String) throws -> Void
    let write: (Settings) -> JSONValue

    public func applies(to context: SettingsContext) -> Bool { contexts.contains(context) }

    /// The field with another role (the schema marks the few that are not `.content`).
    func with(role: SettingRole) -> SettingField {
        var field = self
        field.role = role
        return field
    }

    /// The name errors use: on the command line also the flag the user typed ("lr (-lr)").
    public func label(_ context: SettingsContext) -> String {
        guard context == .experiment, let flag = primaryFlag else { return name }
        return "\(name) (\(flag))"
    }

    /// The long flag, else the first one.
    public var primaryFlag: String? { flags.first { $0.hasPrefix("--") } ?? flags.first }

    /// Checks the value the settings hold now (a default, or a value read earlier) against the field's
    /// type, range and choices. (Choices that differ by context are checked with the combinations, in
    /// SettingsValidation.swift, whose messages say why.)
    func check(_ settings: Settings, _ context: SettingsContext) throws {
        var copy = settings
        try read(write(settings), &copy, label(context))
    }
}

/// A value as it appears in an error message: strings quoted, everything else as JSON.
func shown(_ v: JSONValue) -> String {
    if case .string(let s) = v { return "'\(s)'" }
    return v.serialized()
}

// MARK: - Field constructors, one per property type

extension SettingField {
    private init(_ name: String, _ contexts: [SettingsContext], _ flags: [String], negated: Bool = false,
                 _ type: SettingType, nullable: Bool = false, range: SettingRange? = nil, choices: [String]? = nil,
                 choiceHelp: [(String, String)] = [], contextChoices: [SettingsContext: [String]] = [:], rules: [SettingsContext: String] = [:], help: String,
                 read: @escaping (JSONValue, inout Settings, String) throws -> Void, write: @escaping (Settings) -> JSONValue) {
        self.name = name; self.contexts = contexts; self.flags = flags; self.negatedFlag = negated; self.type = type
        self.nullable = nullable; self.range = range; self.choices = choices; self.choiceHelp = choiceHelp
        self.contextChoices = contextChoices
        self.defaultRules = rules; self.help = help; self.read = read; self.write = write
    }

    static func choice<E: SettingChoice>(_ name: String, _ path: WritableKeyPath<Settings, E>, _ contexts: [SettingsContext],
                                         flags: [String], contextChoices: [SettingsContext: [E]] = [:], rules: [SettingsContext: String] = [:],
                                         help: String) -> SettingField {
        SettingField(name, contexts, flags, .choice, choices: E.choiceNames, choiceHelp: E.choiceHelp.map { ($0.0.rawValue, $0.1) },
                     contextChoices: contextChoices.mapValues { $0.map(\.rawValue) }, rules: rules, help: help,
                     read: { v, s, label in s[keyPath: path] = try E(try readString(v, label), field: label) },
                     write: { .string($0[keyPath: path].rawValue) })
    }

    /// A string from a list that the engine knows at run time (network names).
    static func name(_ name: String, _ path: WritableKeyPath<Settings, String>, _ contexts: [SettingsContext],
                     flags: [String], choices: [String], rules: [SettingsContext: String] = [:], help: String) -> SettingField {
        SettingField(name, contexts, flags, .choice, choices: choices, rules: rules, help: help,
                     read: { v, s, label in
                         let value = try readString(v, label)
                         guard choices.contains(value) else {
                             throw EngineError.invalidArgument("\(label) must be one of \(choices.joined(separator: ", ")); got '\(value)'")
                         }
                         s[keyPath: path] = value
                     },
                     write: { .string($0[keyPath: path]) })
    }

    static func integer(_ name: String, _ path: WritableKeyPath<Settings, Int>, _ contexts: [SettingsContext],
                        flags: [String], range: ClosedRange<Int>, rules: [SettingsContext: String] = [:], help: String) -> SettingField {
        let r = SettingRange.between(Double(range.lowerBound), Double(range.upperBound))
        return SettingField(name, contexts, flags, .integer, range: r, rules: rules, help: help,
                            read: { v, s, label in s[keyPath: path] = try readInteger(v, label, r) },
                            write: { .number(Double($0[keyPath: path])) })
    }

    static func optionalInteger(_ name: String, _ path: WritableKeyPath<Settings, Int?>, _ contexts: [SettingsContext],
                                flags: [String], range: ClosedRange<Int>, help: String) -> SettingField {
        let r = SettingRange.between(Double(range.lowerBound), Double(range.upperBound))
        return SettingField(name, contexts, flags, .integer, nullable: true, range: r, help: help,
                            read: { v, s, label in s[keyPath: path] = v == .null ? nil : try readInteger(v, label, r) },
                            write: { $0[keyPath: path].map { .number(Double($0)) } ?? .null })
    }

    static func number(_ name: String, _ path: WritableKeyPath<Settings, Double>, _ contexts: [SettingsContext],
                       flags: [String], range: SettingRange, rules: [SettingsContext: String] = [:], help: String) -> SettingField {
        SettingField(name, contexts, flags, .number, range: range, rules: rules, help: help,
                     read: { v, s, label in s[keyPath: path] = try readNumber(v, label, range) },
                     write: { .number($0[keyPath: path]) })
    }

    static func flag(_ name: String, _ path: WritableKeyPath<Settings, Bool>, _ contexts: [SettingsContext],
                     flags: [String], negated: Bool = false, help: String) -> SettingField {
        SettingField(name, contexts, flags, negated: negated, .boolean, help: help,
                     read: { v, s, label in
                         guard let b = v.boolValue else { throw EngineError.invalidArgument("\(label) must be true or false; got \(shown(v))") }
                         s[keyPath: path] = b
                     },
                     write: { .bool($0[keyPath: path]) })
    }

    static func text(_ name: String, _ path: WritableKeyPath<Settings, String>, _ contexts: [SettingsContext],
                     flags: [String], nonEmpty: Bool = false, rules: [SettingsContext: String] = [:], help: String) -> SettingField {
        SettingField(name, contexts, flags, .string, rules: rules, help: help,
                     read: { v, s, label in
                         let value = try readString(v, label)
                         if nonEmpty && value.isEmpty { throw EngineError.invalidArgument("\(label) must not be empty") }
                         s[keyPath: path] = value
                     },
                     write: { .string($0[keyPath: path]) })
    }

    static func optionalPath(_ name: String, _ path: WritableKeyPath<Settings, String?>, _ contexts: [SettingsContext],
                             flags: [String], rules: [SettingsContext: String] = [:], help: String) -> SettingField {
        SettingField(name, contexts, flags, .path, nullable: true, rules: rules, help: help,
                     read: { v, s, label in
                         guard v != .null else { s[keyPath: path] = nil; return }
                         let value = try readString(v, label)
                         guard !value.isEmpty else { throw EngineError.invalidArgument("\(label) must be a path or null, not empty") }
                         s[keyPath: path] = value
                     },
                     write: { $0[keyPath: path].map { .string($0) } ?? .null })
    }

    static func integers(_ name: String, _ path: WritableKeyPath<Settings, [Int]>, _ contexts: [SettingsContext],
                         flags: [String], range: ClosedRange<Int>, help: String) -> SettingField {
        let r = SettingRange.between(Double(range.lowerBound), Double(range.upperBound))
        return SettingField(name, contexts, flags, .integers, range: r, help: help,
                            read: { v, s, label in s[keyPath: path] = try readList(v, label).map { try readInteger($0, label, r) } },
                            write: { .array($0[keyPath: path].map { .number(Double($0)) }) })
    }

    static func numbers(_ name: String, _ path: WritableKeyPath<Settings, [Double]>, _ contexts: [SettingsContext],
                        flags: [String], rules: [SettingsContext: String] = [:], help: String) -> SettingField {
        SettingField(name, contexts, flags, .numbers, rules: rules, help: help,
                     read: { v, s, label in
                         s[keyPath: path] = try readList(v, label).map { try readNumber($0, label, SettingRange()) }
                     },
                     write: { .array($0[keyPath: path].map { .number($0) }) })
    }
}

// MARK: - Typed reads with messages that name the setting

private func readString(_ v: JSONValue, _ label: String) throws -> String {
    guard let s = v.stringValue else { throw EngineError.invalidArgument("\(label) must be a string; got \(shown(v))") }
    return s
}

private func readInteger(_ v: JSONValue, _ label: String, _ range: SettingRange) throws -> Int {
    guard let d = v.doubleValue else { throw EngineError.invalidArgument("\(label) must be an integer; got \(shown(v))") }
    guard let i = Int(exactly: d) else { throw EngineError.invalidArgument("\(label) must be an integer; got \(shown(v))") }
    guard range.contains(d) else { throw EngineError.invalidArgument("\(label) must be in \(range.text); got \(i)") }
    return i
}

private func readNumber(_ v: JSONValue, _ label: String, _ range: SettingRange) throws -> Double {
    guard let d = v.doubleValue, d.isFinite else {
        throw EngineError.invalidArgument("\(label) must be a finite number; got \(shown(v))")
    }
    guard range.contains(d) else {
        throw EngineError.invalidArgument("\(label) must be \(range.lower != nil && range.upper != nil ? "in " : "")\(range.text); got \(shown(v))")
    }
    return d
}

private func readList(_ v: JSONValue, _ label: String) throws -> [JSONValue] {
    guard let a = v.arrayValue else { throw EngineError.invalidArgument("\(label) must be a list; got \(shown(v))") }
    return a
}
