// `PipelineSpec` <-> JSON, so that a snapshot can store how its test images must be preprocessed.
// Numbers are written with Swift's shortest round-trip form (JSONValue.serialized), so the constants
// come back bit-identical. Loading re-runs `validate()`.

extension PipelineSpec {
    /// The spec as a JSON object.
    public var json: JSONValue {
        func numbers(_ v: [Double]) -> JSONValue { .array(v.map { .number($0) }) }
        func ints(_ v: [Int]) -> JSONValue { .array(v.map { .number(Double($0)) }) }
        var constantsObject: [(String, JSONValue)] = [("mean", numbers(constants.mean)), ("std", numbers(constants.std))]
        constantsObject.append(("lcn_min", constants.lcnMin.map(numbers) ?? .null))
        constantsObject.append(("lcn_max", constants.lcnMax.map(numbers) ?? .null))
        return .object([
            ("dataset", .string(dataset.name)),
            ("preprocessing", .string(preprocessing.rawValue)),
            ("normal_class", normalClass.map { .number(Double($0)) } ?? .null),
            ("constants", .object(constantsObject)),
            ("raw_shape", ints(rawShape)),
            ("shape", ints(shape)),
            ("nominal_label", .number(Double(nominalLabel))),
        ])
    }

    /// Reads a spec written by `json`; throws `.format` for missing or mistyped fields and
    /// `.invalidArgument` for combinations `validate()` rejects.
    public init(json: JSONValue) throws {
        func field(_ key: String, in object: JSONValue = json) throws -> JSONValue {
            guard let v = object[key] else { throw EngineError.format("pipeline spec: missing field '\(key)'") }
            return v
        }
        func string(_ key: String) throws -> String {
            guard let s = try field(key).stringValue else { throw EngineError.format("pipeline spec: '\(key)' must be a string") }
            return s
        }
        func numbers(_ v: JSONValue, _ key: String) throws -> [Double] {
            guard let a = v.arrayValue else { throw EngineError.format("pipeline spec: '\(key)' must be an array of numbers") }
            return try a.map {
                guard let d = $0.doubleValue else { throw EngineError.format("pipeline spec: '\(key)' must hold numbers") }
                return d
            }
        }
        func ints(_ key: String) throws -> [Int] {
            try numbers(field(key), key).map {
                guard let i = Int(exactly: $0) else { throw EngineError.format("pipeline spec: '\(key)' must hold integers") }
                return i
            }
        }
        func optionalNumbers(_ v: JSONValue, _ key: String) throws -> [Double]? {
            v == .null ? nil : try numbers(v, key)
        }
        guard case .object = json else { throw EngineError.format("pipeline spec: expected a JSON object") }
        guard let dataset = PipelineDataset(name: try string("dataset")) else {
            throw EngineError.format("pipeline spec: unknown dataset '\(try string("dataset"))'")
        }
        guard let preprocessing = PreprocessingKind(rawValue: try string("preprocessing")) else {
            throw EngineError.format("pipeline spec: unknown preprocessing '\(try string("preprocessing"))'")
        }
        let classValue = try field("normal_class")
        var normalClass: Int? = nil
        if classValue != .null {
            guard let c = classValue.intValue else { throw EngineError.format("pipeline spec: 'normal_class' must be an integer or null") }
            normalClass = c
        }
        let c = try field("constants")
        let constants = ChannelConstants(
            mean: try numbers(try field("mean", in: c), "mean"), std: try numbers(try field("std", in: c), "std"),
            lcnMin: try optionalNumbers(try field("lcn_min", in: c), "lcn_min"),
            lcnMax: try optionalNumbers(try field("lcn_max", in: c), "lcn_max"))
        guard let nominal = try field("nominal_label").intValue else {
            throw EngineError.format("pipeline spec: 'nominal_label' must be an integer")
        }
        self.init(dataset: dataset, preprocessing: preprocessing, normalClass: normalClass, constants: constants,
                  rawShape: try ints("raw_shape"), shape: try ints("shape"), nominalLabel: nominal)
        try validate()
    }
}
