// The outcome of one run and its `result.json`: which run it was and its AUCs. The file is written last,
// so its presence means the run is complete (a resumed experiment skips such runs); read back with the
// run's ROC curves it lets an experiment be summarised from runs that ran in other processes or on
// other machines.

public struct RunResult {
    public var nominalClass: Int
    public var className: String
    public var iteration: Int
    public var seed: UInt64
    public var directory: String
    public var auc: Double?
    public var pixelAUC: Double?
    public var roc: ROCCurve?
    public var pixelROC: ROCCurve?
    /// Wall time of the run (data, training, test and pictures) in this process; a resumed run counts
    /// only its last part.
    public var seconds: Double = 0

    public var json: JSONValue {
        .object([
            ("class", .number(Double(nominalClass))), ("class_name", .string(className)),
            ("it", .number(Double(iteration))), ("seed", .number(Double(seed))), ("directory", .string(directory)),
            ("auc", auc.map { .number($0) } ?? .null), ("pixel_auc", pixelAUC.map { .number($0) } ?? .null),
            ("seconds", .number(seconds)), ("engine_version", .string(FCDDVersion.string)),
        ])
    }

    /// The finished run in `directory`, or nil when it has no result.json yet.
    public static func load(directory: String) throws -> RunResult? {
        let path = directory + "/" + ExperimentLayout.resultFile
        guard pathExists(path) else { return nil }
        let json = try JSONValue.parse(String(decoding: try readWholeFile(path), as: UTF8.self))
        func bad(_ what: String) -> EngineError { .format("\(path): \(what)") }
        guard let c = json["class"]?.intValue, let name = json["class_name"]?.stringValue, let it = json["it"]?.intValue,
              let seed = json["seed"]?.doubleValue, seed >= 0, seed < 0x1p64 else {
            throw bad("lacks the run's class, class_name, it or seed")
        }
        var result = RunResult(nominalClass: c, className: name, iteration: it, seed: UInt64(seed), directory: directory,
                               auc: json["auc"]?.doubleValue, pixelAUC: json["pixel_auc"]?.doubleValue)
        result.seconds = json["seconds"]?.doubleValue ?? 0
        if result.auc != nil { result.roc = try ROCCurve(file: directory + "/roc.json") }
        if result.pixelAUC != nil { result.pixelROC = try ROCCurve(file: directory + "/gtmap_roc.json") }
        return result
    }
}

extension ROCCurve {
    /// A curve written by `json` (roc.json, gtmap_roc.json).
    init(file path: String) throws {
        let json = try JSONValue.parse(String(decoding: try readWholeFile(path), as: UTF8.self))
        func numbers(_ key: String) throws -> [Double] {
            guard let list = json[key]?.arrayValue else { throw EngineError.format("\(path): no \(key) list") }
            return try list.map { v in
                guard let d = v.doubleValue else { throw EngineError.format("\(path): \(key) holds a non-number") }
                return d
            }
        }
        let fpr = try numbers("fpr"), tpr = try numbers("tpr"), ths = try numbers("ths")
        guard fpr.count == tpr.count, let auc = json["auc"]?.doubleValue else {
            throw EngineError.format("\(path): fpr and tpr differ in length, or no auc")
        }
        self.init(fpr: fpr, tpr: tpr, thresholds: ths.map { $0 == .greatestFiniteMagnitude ? .infinity : $0 }, auc: auc)
    }
}
