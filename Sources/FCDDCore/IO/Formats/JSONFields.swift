// Typed, optional fields of a JSON object (settings from the C ABI): `null` and absent keys are nil, a
// value of the wrong type is an error that names the key.

struct JSONFields {
    let json: JSONValue

    init(json: JSONValue) { self.json = json }

    /// Checks that `json` is an object with only `allowed` keys; errors say "unknown <what> 'key'".
    init(object json: JSONValue, allowed: Set<String>, what: String) throws {
        guard let object = json.objectValue else { throw EngineError.invalidArgument("\(what)s must be a JSON object") }
        for (key, _) in object where !allowed.contains(key) {
            throw EngineError.invalidArgument("unknown \(what) '\(key)'")
        }
        self.json = json
    }

    func string(_ k: String) throws -> String? {
        guard let v = json[k], v != .null else { return nil }
        guard let s = v.stringValue else { throw EngineError.invalidArgument("'\(k)' must be a string") }
        return s
    }

    func int(_ k: String) throws -> Int? {
        guard let v = json[k], v != .null else { return nil }
        guard let i = v.intValue else { throw EngineError.invalidArgument("'\(k)' must be an integer") }
        return i
    }

    func number(_ k: String) throws -> Double? {
        guard let v = json[k], v != .null else { return nil }
        guard let d = v.doubleValue, d.isFinite else { throw EngineError.invalidArgument("'\(k)' must be a finite number") }
        return d
    }

    func bool(_ k: String) throws -> Bool? {
        guard let v = json[k], v != .null else { return nil }
        guard let b = v.boolValue else { throw EngineError.invalidArgument("'\(k)' must be true or false") }
        return b
    }
}
