// A training snapshot in one safetensors file: the network's weights and buffers under their PyTorch
// state_dict names, the optimiser state under `optimizer.`, and a JSON description in the header
// metadata (key "fcdd") with everything needed to resume or to score new images: network, input shape,
// objective, gauss std, preprocessing, optimiser and schedule settings, and the epoch counter
// (reference 5.5). One file written atomically means a crash never leaves a half-written snapshot.

public struct SnapshotInfo {
    public var network: String
    public var inShape: [Int]
    public var bias: Bool
    public var objective: Objective
    public var gaussStd: Double?
    /// Epochs trained so far and epochs requested for the run.
    public var completedEpochs: Int
    public var totalEpochs: Int
    public var optimizer: OptimizerSettings
    public var schedule: LearningRateSchedule
    /// What is needed to re-create the test-time preprocessing (dataset kind, preproc, constants).
    public var preprocessing: JSONValue
    /// Free-form run information (dataset, class, seed, threshold, ...).
    public var extra: JSONValue
    /// The records of the completed epochs, so that a resumed run keeps the history of the whole run.
    public var history: [EpochRecord]
    /// The image and pixel decision thresholds (set by calibration; none in a fresh training snapshot).
    public var thresholds = DecisionThresholds()

    public init(network: String, inShape: [Int], bias: Bool, objective: Objective, gaussStd: Double?,
                completedEpochs: Int, totalEpochs: Int, optimizer: OptimizerSettings,
                schedule: LearningRateSchedule, preprocessing: JSONValue = .null, extra: JSONValue = .null,
                history: [EpochRecord] = []) {
        self.network = network; self.inShape = inShape; self.bias = bias; self.objective = objective
        self.gaussStd = gaussStd; self.completedEpochs = completedEpochs; self.totalEpochs = totalEpochs
        self.optimizer = optimizer; self.schedule = schedule; self.preprocessing = preprocessing; self.extra = extra
        self.history = history
    }

    static let format = "fcdd-swift snapshot"

    public var json: JSONValue {
        .object([
            ("format", .string(Self.format)), ("version", .number(1)),
            ("network", .string(network)), ("in_shape", .array(inShape.map { .number(Double($0)) })),
            ("bias", .bool(bias)), ("objective", .string(objective.rawValue)),
            ("gauss_std", gaussStd.map { .number($0) } ?? .null),
            ("completed_epochs", .number(Double(completedEpochs))), ("total_epochs", .number(Double(totalEpochs))),
            ("optimizer", optimizer.json), ("scheduler", schedule.json),
            ("preprocessing", preprocessing), ("extra", extra), ("history", EpochRecord.json(history)),
            ("thresholds", thresholds.json),
        ])
    }

    public init(json: JSONValue, source: String) throws {
        func bad(_ what: String) -> EngineError { .format("\(source): snapshot \(what)") }
        guard json["format"]?.stringValue == Self.format else { throw bad("metadata is missing; not a fcdd-swift snapshot") }
        guard let net = json["network"]?.stringValue else { throw bad("lacks the network name") }
        guard let shape = json["in_shape"]?.arrayValue?.compactMap({ $0.intValue }), shape.count == 3 else {
            throw bad("lacks a 3-value in_shape")
        }
        guard let objName = json["objective"]?.stringValue, let obj = Objective(rawValue: objName) else { throw bad("has no valid objective") }
        guard let done = json["completed_epochs"]?.intValue, let total = json["total_epochs"]?.intValue, done >= 0, total >= 0 else {
            throw bad("lacks epoch counters")
        }
        guard let opt = json["optimizer"], let sched = json["scheduler"] else { throw bad("lacks optimizer or scheduler settings") }
        let gaussStd = json["gauss_std"]?.doubleValue
        if let std = gaussStd, !(std > 0 && std <= 1e6) { throw bad("has an invalid gauss_std \(std)") }
        let optimizer: OptimizerSettings, schedule: LearningRateSchedule
        do {
            optimizer = try OptimizerSettings(json: opt)
            schedule = try LearningRateSchedule(json: sched)
        } catch let e as EngineError {
            throw bad("has invalid optimizer or scheduler settings (\(e))")
        }
        self.init(network: net, inShape: shape, bias: json["bias"]?.boolValue ?? true, objective: obj,
                  gaussStd: gaussStd, completedEpochs: done, totalEpochs: total,
                  optimizer: optimizer, schedule: schedule,
                  preprocessing: json["preprocessing"] ?? .null, extra: json["extra"] ?? .null,
                  history: EpochRecord.history(from: json["history"]))
        thresholds = try DecisionThresholds(json: json["thresholds"], source: source)
    }
}

/// A model file's content and the name messages give it: its path, or what the caller calls bytes that
/// never were a file (a model sent to a server, a pickled detector).
public struct ModelBytes {
    public let bytes: [UInt8]
    public let name: String

    public init(bytes: [UInt8], name: String) { self.bytes = bytes; self.name = name }

    /// The content of the file at `path`.
    public static func file(_ path: String) throws -> ModelBytes { ModelBytes(bytes: try readWholeFile(path), name: path) }
}

public enum Snapshot {
    static let optimizerPrefix = "optimizer."

    /// The safetensors bytes of weights, optimiser state and `info`.
    public static func encode(info: SnapshotInfo, network: Network, optimizer: Optimizer?) throws -> [UInt8] {
        var file = network.stateFile()
        if let optimizer = optimizer {
            for (name, t) in optimizer.stateTensors { file.add(optimizerPrefix + name, t) }
        }
        file.metadata = [("fcdd", info.json.serialized())]
        return file.serialize()
    }

    /// Writes weights, optimiser state and `info` to `path` (temporary file, then rename).
    public static func write(path: String, info: SnapshotInfo, network: Network, optimizer: Optimizer?) throws {
        try writeFileAtomically(try encode(info: info, network: network, optimizer: optimizer), to: path)
    }

    /// Reads a snapshot's description and tensors.
    public static func read(path: String) throws -> (info: SnapshotInfo, file: SafeTensorsFile) {
        try read(try ModelBytes.file(path))
    }

    /// Reads the description and tensors of a snapshot's bytes.
    public static func read(_ model: ModelBytes) throws -> (info: SnapshotInfo, file: SafeTensorsFile) {
        let file: SafeTensorsFile
        let (bytes, path) = (model.bytes, model.name)
        do { file = try SafeTensorsFile.parse(bytes, source: path) } catch EngineError.format(let why) {
            if let kind = FileSignature.describe(bytes, path: path) {
                throw EngineError.format("\(path) is not an fcdd-swift model file: it is \(kind) (expected the snapshot.safetensors of `fcdd-swift train`, or a model file of `fcdd-swift fit` or fs.FCDD.save)")
            }
            throw EngineError.format("\(path) is not an fcdd-swift model file: it is not a valid safetensors file (\(why))")
        }
        guard let text = file.metadata.first(where: { $0.0 == "fcdd" })?.1 else {
            throw EngineError.format("\(path) is not an fcdd-swift model file: a safetensors file without fcdd-swift metadata (a plain weights file? load it with load_state_dict)")
        }
        let json: JSONValue
        do { json = try JSONValue.parse(text) } catch {
            throw EngineError.format("\(path): the fcdd-swift metadata of this model file is not valid JSON (\(error))")
        }
        return (try SnapshotInfo(json: json, source: path), file)
    }

    /// Creates the snapshot's network with its weights (for scoring new images).
    public static func loadNetwork(path: String) throws -> (info: SnapshotInfo, network: Network) {
        try loadNetwork(try ModelBytes.file(path))
    }

    /// Creates the network of a snapshot's bytes with its weights.
    public static func loadNetwork(_ model: ModelBytes) throws -> (info: SnapshotInfo, network: Network) {
        let (info, file) = try read(model)
        let path = model.name
        let net: Network
        do { net = try NetworkRegistry.make(info.network, inShape: info.inShape, bias: info.bias, seed: 0) } catch let e as EngineError {
            throw EngineError.format("\(path): the model's network cannot be built (\(e))")
        }
        try net.loadState(networkTensors(file), source: path)
        return (info, net)
    }

    /// Restores weights into `network` and state into `optimizer`, checking that the snapshot was taken
    /// from the same network.
    public static func restore(_ file: SafeTensorsFile, info: SnapshotInfo, into network: Network, optimizer: Optimizer?,
                               source: String) throws {
        guard info.network == network.name, info.inShape == network.inShape, info.bias == network.bias else {
            throw EngineError.invalidArgument("\(source) was taken from \(info.network) \(info.inShape) (bias \(info.bias)), not from \(network.name) \(network.inShape) (bias \(network.bias))")
        }
        try network.loadState(networkTensors(file), source: source)
        if let optimizer = optimizer {
            var state = [String: Tensor]()
            for e in file.entries where e.name.hasPrefix(optimizerPrefix) {
                state[String(e.name.dropFirst(optimizerPrefix.count))] = try file.tensor(e.name)
            }
            try optimizer.loadState(state)
        }
    }

    static func networkTensors(_ file: SafeTensorsFile) throws -> [String: Tensor] {
        var out = [String: Tensor]()
        for e in file.entries where !e.name.hasPrefix(optimizerPrefix) { out[e.name] = try file.tensor(e.name) }
        return out
    }
}
