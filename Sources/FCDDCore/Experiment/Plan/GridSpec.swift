// A grid: lists of values for some experiment settings, every combination of them an experiment of its
// own in a sub-folder of the grid's folder. Only settings whose role is `.content` may be varied (the
// schema says which); the number of combinations is computed from the lists' lengths before any is made,
// so a spec of a trillion combinations is refused at once.

public struct GridSpec {
    /// The varied settings in the spec's order, each with its values.
    public let axes: [(name: String, values: [JSONValue])]

    public var varied: [String] { axes.map(\.name) }

    /// The number of combinations (a Double: a hostile spec's product does not fit an Int).
    public var combinationCount: Double { axes.reduce(1) { $0 * Double($1.values.count) } }

    /// `{setting: [values]}`; every setting an experiment setting that a grid may vary.
    public init(json: JSONValue) throws {
        guard let object = json.objectValue else {
            throw EngineError.invalidArgument("the grid must map settings to lists of values, e.g. {\"lr\": [0.001, 0.0001]}")
        }
        var axes = [(name: String, values: [JSONValue])]()
        let known = SettingsSchema.fields(for: .experiment)
        for (name, values) in object {
            guard let field = known.first(where: { $0.name == name }) else {
                let hint = closestName(to: name, among: known.map(\.name)).map { "; did you mean '\($0)'?" } ?? ""
                throw EngineError.invalidArgument("grid: '\(name)' is not an experiment setting\(hint) (see fcdd-swift train --help)")
            }
            guard field.role.variedInGrids else {
                throw EngineError.invalidArgument("grid: '\(name)' cannot be varied in a grid (it is set for the whole grid in 'base')")
            }
            guard let list = values.arrayValue, !list.isEmpty else {
                throw EngineError.invalidArgument("grid: '\(name)' needs a non-empty list of values; got \(values.serialized())")
            }
            guard !axes.contains(where: { $0.name == name }) else {
                throw EngineError.invalidArgument("grid: '\(name)' is given twice")
            }
            axes.append((name, list))
        }
        self.axes = axes
    }

    /// Every combination in the spec's order (the last setting varies fastest), each with its folder name.
    public func combinations() -> [(name: String, values: [(String, JSONValue)])] {
        var result = [(name: String, values: [(String, JSONValue)])]()
        var chosen = [(String, JSONValue)]()
        func walk(_ axis: Int) {
            guard axis < axes.count else {
                result.append((Self.folderName(index: result.count, values: chosen), chosen))
                return
            }
            for value in axes[axis].values {
                chosen.append((axes[axis].name, value))
                walk(axis + 1)
                chosen.removeLast()
            }
        }
        walk(0)
        return result
    }

    /// `03_lr=0.001_gauss_std=12`: a number that keeps the spec's order, then the values, at most 200
    /// characters, only letters, digits and `._-` in the values (a value cannot leave the grid's folder).
    public static func folderName(index: Int, values: [(String, JSONValue)]) -> String {
        let number = index < 10 ? "0\(index)" : "\(index)"
        let parts = [number] + values.map { "\($0.0)=\(folderValue($0.1))" }
        return String(parts.joined(separator: "_").prefix(200))
    }

    static func folderValue(_ value: JSONValue) -> String {
        switch value {
        case .array(let list): return list.map(folderValue).joined(separator: "-")
        case .null: return "none"
        case .bool(let b): return b ? "true" : "false"
        case .number(let x):
            // Whole numbers as integers (a YAML `8` is the JSON 8 here), others in the shortest form.
            return sanitized(x.rounded() == x && abs(x) < 1e15 ? String(Int64(x)) : "\(x)")
        case .string(let s): return sanitized(s)
        case .object: return sanitized(value.serialized())
        }
    }

    /// Every run of characters other than letters, digits and `._-` becomes one `-`; nothing is "empty".
    static func sanitized(_ text: String) -> String {
        var out = "", inRun = false
        for scalar in text.unicodeScalars {
            let allowed = scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "._-".unicodeScalars.contains(scalar))
            if allowed { out.unicodeScalars.append(scalar); inRun = false } else if !inRun { out += "-"; inRun = true }
        }
        return out.isEmpty ? "empty" : out
    }
}
