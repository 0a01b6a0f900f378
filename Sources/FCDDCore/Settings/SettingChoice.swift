// Settings whose value is one of a fixed set of names (`--objective fcdd`, `--noise-mode confetti`, ...)
// are Swift enums with String raw values, each defined once beside the code that acts on it (Objective
// in Objectives/, NoiseMode in Anomalies/, ...). Conforming to SettingChoice gives them the parsing the
// settings need: the schema lists `choiceNames`, and a name that is not a choice is refused with the
// field, the value and the valid choices.

public protocol SettingChoice: RawRepresentable, CaseIterable, Equatable where RawValue == String {
    /// What a choice does, in a few words, where its name does not say it (the schema's "choice_help").
    static var choiceHelp: [(Self, String)] { get }
}

extension SettingChoice {
    public static var choiceHelp: [(Self, String)] { [] }

    /// Every choice, in declaration order.
    public static var choiceNames: [String] { allCases.map(\.rawValue) }

    /// The choice named `name`; `field` names the setting in the error.
    public init(_ name: String, field: String) throws {
        guard let value = Self(rawValue: name) else {
            throw EngineError.invalidArgument("\(field) must be one of \(Self.choiceNames.joined(separator: ", ")); got '\(name)'")
        }
        self = value
    }
}

extension Objective: SettingChoice {}
extension SuperviseMode: SettingChoice {}
extension NoiseMode: SettingChoice {}
extension PreprocessingKind: SettingChoice {}
extension OptimizerKind: SettingChoice {}
extension ScheduleKind: SettingChoice {}
extension Dataset: SettingChoice {}
extension TileScore: SettingChoice {}
