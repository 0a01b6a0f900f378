// A detector as one file: the snapshot format of `fcdd-swift train` (safetensors with the weights under
// their PyTorch names, so `load_state_dict` reads them) whose metadata also holds the detector's
// settings, the fitted data shape and history, and the caller's own fields (threshold, ...).

extension Detector {
    /// Writes the fitted detector atomically; `extra` is stored as given and returned by `load`.
    public func save(path: String, extra: JSONValue) throws {
        try writeFileAtomically(try encoded(extra: extra), to: path)
    }

    /// The bytes `save` writes.
    public func encoded(extra: JSONValue) throws -> [UInt8] {
        let (network, spec, _, settings) = try requireFitted()
        var info = SnapshotInfo(network: network.name, inShape: network.inShape, bias: network.bias,
                                objective: settings.objective, gaussStd: settings.gaussStd,
                                completedEpochs: completedEpochs, totalEpochs: settings.epochs,
                                optimizer: settings.optimizerSettings, schedule: try settings.schedule(),
                                preprocessing: spec.json, extra: .object([("detector", json), ("user", extra)]))
        info.thresholds = thresholds
        return try Snapshot.encode(info: info, network: network, optimizer: nil)
    }

    /// Reads a file written by `save`; returns the detector and the caller's fields.
    public static func load(path: String) throws -> (detector: Detector, extra: JSONValue) {
        try load(try ModelBytes.file(path))
    }

    /// Reads the bytes of a file written by `save` (or `encoded`).
    public static func load(_ model: ModelBytes) throws -> (detector: Detector, extra: JSONValue) {
        let (info, network) = try Snapshot.loadNetwork(model)
        let path = model.name
        guard let d = info.extra["detector"], d != .null else {
            throw EngineError.format("\(path) is a training snapshot of `fcdd-swift train`, not a detector model; score images with it through `fcdd-swift predict SNAPSHOT IMAGES`, set its thresholds with `fcdd-swift calibrate`")
        }
        func bad(_ what: String) -> EngineError { .format("\(path): detector model \(what)") }
        guard let settingsJSON = d["settings"] else { throw bad("lacks its settings") }
        guard info.preprocessing != .null else { throw bad("lacks its preprocessing") }
        let spec: PipelineSpec
        do { spec = try PipelineSpec(json: info.preprocessing) } catch let e as EngineError {
            throw bad("has invalid preprocessing: \(e)")
        }
        guard let shape = d["data_shape"]?.arrayValue?.compactMap({ $0.intValue }), shape.count == 3,
              shape[0] == 1 || shape[0] == 3, shape[1] == spec.rawShape[1], shape[2] == spec.rawShape[2] else {
            throw bad("has no valid data_shape")
        }
        let detector: Detector
        do {
            // The stored settings are complete; resolving them again only checks them (and reads older
            // files whose optimiser and schedule were nested objects).
            detector = try Detector(given: settingsJSON)
            detector.resolved = try Settings.resolve(SettingsRequest(context: .detector, given: detector.given.json, dataShape: shape))
        } catch EngineError.invalidArgument(let why) {
            throw bad("has invalid settings: \(why)")
        }
        guard spec.shape == network.inShape, network.name == detector.resolved?.settings.net else {
            throw bad("does not match its network (\(network.name) \(network.inShape) vs preprocessing \(spec.shape))")
        }
        network.eval()
        detector.network = network
        detector.spec = spec
        detector.dataShape = shape
        detector.completedEpochs = info.completedEpochs
        detector.stopped = d["stopped"]?.boolValue ?? false
        detector.history = EpochRecord.history(from: d["history"])
        detector.thresholds = info.thresholds
        return (detector, info.extra["user"] ?? .null)
    }
}
