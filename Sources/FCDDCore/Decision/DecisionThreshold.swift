// The two decision thresholds a model carries: the image threshold (an image whose score is above it is
// anomalous) and the pixel threshold (pixels of a heatmap above it form the anomalous regions). Each
// remembers how it was chosen, so that `fcdd-swift info` and the records of `predict` can say what a
// label rests on. The model file stores them in its metadata ("thresholds"); files without them have none.

/// A threshold on scores: `score > value` is anomalous (PyOD's rule).
public struct DecisionThreshold: Equatable {
    public var value: Double
    /// How it was chosen: "f1", "max_fpr", "nominal_fpr", "nominal_quantile", "contamination" or "given".
    public var method: String
    /// The method's parameter: the false-positive rate, the quantile or the contamination; nil for F1.
    public var parameter: Double?
    /// What the calibration data gave at this threshold (counts, precision, recall, F1, false-positive
    /// rate), as stored and shown; empty for a given threshold.
    public var calibration: [(String, JSONValue)]

    public init(value: Double, method: String, parameter: Double? = nil, calibration: [(String, JSONValue)] = []) {
        self.value = value; self.method = method; self.parameter = parameter; self.calibration = calibration
    }

    public static func == (a: DecisionThreshold, b: DecisionThreshold) -> Bool { a.json == b.json }

    public var json: JSONValue {
        .object([("value", .number(value)), ("method", .string(method)), ("parameter", parameter.map { .number($0) } ?? .null),
                 ("calibration", .object(calibration))])
    }

    public init(json: JSONValue, what: String) throws {
        guard let value = json["value"]?.doubleValue, value.isFinite else {
            throw EngineError.format("\(what) has no finite value")
        }
        guard let method = json["method"]?.stringValue, ThresholdMethod.names.contains(method) else {
            throw EngineError.format("\(what) has no known method (one of \(ThresholdMethod.names.joined(separator: ", ")))")
        }
        let parameter = json["parameter"]?.doubleValue
        if let p = parameter, !(p >= 0 && p <= 1) { throw EngineError.format("\(what) has a parameter \(p) outside [0, 1]") }
        self.init(value: value, method: method, parameter: parameter, calibration: json["calibration"]?.objectValue ?? [])
    }
}

/// The image and the pixel threshold of a model; either may be absent.
public struct DecisionThresholds: Equatable {
    public var image: DecisionThreshold?
    public var pixel: DecisionThreshold?

    public init(image: DecisionThreshold? = nil, pixel: DecisionThreshold? = nil) { self.image = image; self.pixel = pixel }

    public var isEmpty: Bool { image == nil && pixel == nil }

    public var json: JSONValue {
        .object([("image", image?.json ?? .null), ("pixel", pixel?.json ?? .null)])
    }

    /// Reads the stored form; `source` names the file in errors. Null or absent: no thresholds.
    public init(json: JSONValue?, source: String) throws {
        guard let json, json != .null else { self.init(); return }
        guard json.objectValue != nil else { throw EngineError.format("\(source): the stored thresholds are not an object") }
        func one(_ key: String) throws -> DecisionThreshold? {
            guard let v = json[key], v != .null else { return nil }
            return try DecisionThreshold(json: v, what: "\(source): the stored \(key) threshold")
        }
        self.init(image: try one("image"), pixel: try one("pixel"))
    }
}
