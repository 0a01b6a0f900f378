// `Detector.fit`: which images train, which feed the supervisor, the constants, the network and the
// training loop. Known anomalies (label 1) are ordinary labelled training samples, except with
// supervise mode `noise` + noise mode `outlier_exposure`, where they join the outlier-exposure images as
// the pool the supervisor draws its anomalies from (the original's semi-supervised `mvtec_gt` setting).

extension Detector {
    /// Trains on `images` (labels 0 nominal / 1 known anomaly, nil = all nominal; masks inside `images`)
    /// with optional outlier-exposure images. `report` receives the events (start, step, epoch) as JSON;
    /// returning false stops training after the current step, and the detector keeps the weights so far.
    /// While an epoch event is reported, `inspect` scores with the weights so far.
    /// On an error the detector keeps its previous state.
    public func fit(_ images: ArrayImages, labels given: [Int]?, outliers: ArrayImages?,
                    report: (JSONValue) -> Bool) throws {
        // The trainer keeps its epoch hook as a property; the hook does not outlive this call.
        try withoutActuallyEscaping(report) { report in
            try fitHere(images, labels: given, outliers: outliers, escapingReport: report)
        }
    }

    private func fitHere(_ images: ArrayImages, labels given: [Int]?, outliers: ArrayImages?,
                         escapingReport report: @escaping (JSONValue) -> Bool) throws {
        let labels = given ?? [Int](repeating: 0, count: images.count)
        guard labels.count == images.count else {
            throw EngineError.shapeMismatch("\(labels.count) labels for \(images.count) images")
        }
        guard labels.allSatisfy({ $0 == 0 || $0 == 1 }) else { throw EngineError.invalidArgument("labels must be 0 (nominal) or 1 (anomalous)") }
        let nominal = labels.indices.filter { labels[$0] == 0 }, anomalous = labels.indices.filter { labels[$0] == 1 }
        guard !nominal.isEmpty else { throw EngineError.invalidArgument("fit needs at least one nominal image (label 0)") }
        let c = images.channels, largest = images.largestSize
        // On tiles the network sees tiles: they choose the profile, as images of that size would. Images
        // of different sizes choose it by the largest.
        let tile = self.given.json["tile_size"]?.intValue
        let resolved = try resolve(dataShape: tile.map { [c, $0, $0] } ?? [c, largest.height, largest.width],
                                   hasOutliers: outliers != nil || !anomalous.isEmpty)
        let settings = resolved.settings
        try checkMasks(images, nominal: nominal, objective: settings.objective)
        try EngineRuntime.using(threads: threads ?? settings.threads) {
            try train(images, labels: labels, nominal: nominal, anomalous: anomalous, outliers: outliers, resolved: resolved, report: report)
        }
    }

    private func train(_ images: ArrayImages, labels: [Int], nominal: [Int], anomalous: [Int], outliers: ArrayImages?,
                       resolved: ResolvedSettings, report: @escaping (JSONValue) -> Bool) throws {
        let settings = resolved.settings
        let c = images.channels, largest = images.largestSize

        let netC = Detector.networkChannels(net: settings.net, dataChannels: c)
        let scoring = try TileScoring(settings: settings)
        try scoring?.check(net: settings.net)
        let tiles = scoring?.layout
        let side = tiles?.size ?? Detector.inputSide(net: settings.net, height: largest.height, width: largest.width)
        let constants = try tiles.map { try TiledRunData.constants(images, nominal: nominal, channels: netC, layout: $0, settings: settings) }
            ?? Detector.resizedConstants(images, nominal: nominal, channels: netC, side: side, settings: settings)
        // Without tiles, images of one size are augmented at that size and then resized to the network's
        // (the original's order); images of different sizes are first resized to the network's size.
        let raw = tiles == nil ? images.uniformSize ?? ImageSize(height: side, width: side) : ImageSize(height: side, width: side)
        let (rawH, rawW) = (raw.height, raw.width)
        let resizedTo = raw == images.uniformSize ? nil : raw
        let spec = try PipelineSpec.generic(preprocessing: settings.preprocessing, channels: netC, height: side, width: side,
                                            rawHeight: rawH, rawWidth: rawW, constants: constants, groundTruthMaps: images.hasMasks)

        let seed = UInt64(settings.seed)
        var rng = RandomSource(seed: mixSeed(seed, 0xDA7A))
        let usesPool = settings.superviseMode == .noise && settings.noiseMode == .outlierExposure
        var provider: OutlierProvider? = nil
        if usesPool {
            let pool = try OutlierPool(anomalies: ArrayImageSource(images, indices: anomalous, channels: netC, masks: true,
                                                                   fullMasks: Set(anomalous), resizedTo: raw),
                                       outliers: outliers.map { ArrayImageSource($0, channels: netC) },
                                       limit: settings.oeLimit, rng: &rng)
            provider = PoolOutliers(pool: pool, rawShape: [netC, rawH, rawW]) { image, hh, ww in
                image.height == hh && image.width == ww ? image : try image.resized(to: .exact(height: hh, width: ww))
            }
        } else if outliers != nil {
            throw EngineError.invalidArgument("oe_data is used with supervise_mode 'noise' and noise_mode 'outlier_exposure' only (now '\(settings.superviseMode.rawValue)' and '\(settings.noiseMode.rawValue)')")
        }
        let trainIndices = usesPool ? nominal : Array(labels.indices)
        let supervisor = try OnlineSupervisor(mode: settings.superviseMode, noise: settings.noiseMode, anomalousLabel: 1, outliers: provider)
        let trainPipeline = try ItemPipeline(spec: spec, training: true)
        let samples: TrainingSampleSource = tiles.map {
            TiledTrainingSamples(images: images, indices: trainIndices, channels: netC, layout: $0, supervisor: supervisor,
                                 pipeline: trainPipeline, labels: labels, wholeImageAnomalies: Set(anomalous))
        } ?? SupervisedTrainingSamples(
            raw: ArrayImageSource(images, indices: trainIndices, channels: netC, masks: true, fullMasks: Set(anomalous),
                                  resizedTo: tiles == nil ? resizedTo : nil),
            supervisor: supervisor, pipeline: trainPipeline, labelOf: { labels[trainIndices[$0]] }, rawShape: [netC, 0, 0])
        let fittedShape = [c, rawH, rawW]

        let session = try TrainingSession(settings: settings, samples: samples, seed: seed)
        let network = session.network, trainer = session.trainer
        var keepGoing = report(.object([
            ("event", .string("start")), ("epochs", .number(Double(settings.epochs))),
            ("steps", .number(Double(trainer.stepsPerEpoch))), ("samples", .number(Double(samples.count))),
            ("in_shape", .array(spec.shape.map { .number(Double($0)) })), ("network", .string(settings.net)),
            ("profile", .string(resolved.profile?.rawValue ?? "")),
        ]))
        let epochs = settings.epochs
        trainer.epochEnded = { record in
            network.eval()
            self.betweenEpochs = (network, spec, fittedShape, settings)
            defer { self.betweenEpochs = nil; network.train() }
            keepGoing = report(.object([
                ("event", .string("epoch")), ("epoch", .number(Double(record.epoch))), ("epochs", .number(Double(epochs))),
                ("loss", .number(record.loss)), ("loss_std", .number(record.lossStd)), ("lr", .number(record.learningRate)),
                ("seconds", .number(record.seconds)), ("images", .number(Double(record.images))),
            ]))
            return keepGoing
        }
        let outcome: TrainingOutcome = keepGoing ? try trainer.run { p in
            keepGoing = report(ExperimentEvent.progress(p).json)
            return keepGoing
        } : .stopped
        network.eval()
        self.resolved = resolved
        self.network = network
        self.thresholds = DecisionThresholds()   // those of an earlier fit do not hold for the new weights
        self.spec = spec
        self.dataShape = fittedShape
        self.history = trainer.history
        self.completedEpochs = trainer.completedEpochs
        self.stopped = outcome == .stopped && trainer.completedEpochs < settings.epochs
    }

    /// Normalisation constants from the nominal images resized to the network's side.
    static func resizedConstants(_ images: ArrayImages, nominal: [Int], channels: Int, side: Int, settings: Settings) throws -> ChannelConstants {
        let source = ArrayImageSource(images, indices: nominal, channels: channels)
        return try ChannelStatistics.constants(for: settings.preprocessing, count: nominal.count, channels: channels) { i in
            let image = try source.image(at: i)
            return image.height == side && image.width == side ? image : try image.resized(to: .exact(height: side, width: side))
        }
    }

    /// Masks must leave nominal images unmarked and are only used by the FCDD objective.
    private func checkMasks(_ images: ArrayImages, nominal: [Int], objective: Objective) throws {
        guard images.hasMasks else { return }
        guard objective == .fcdd else {
            throw EngineError.invalidArgument("ground-truth maps are used by the fcdd objective only, not by '\(objective.rawValue)'")
        }
        let marked = nominal.filter { !images.maskIsEmpty(at: $0) }
        guard marked.isEmpty else {
            throw EngineError.invalidArgument("the ground-truth maps of images labelled nominal must be empty; images \(marked.prefix(5).map(String.init).joined(separator: ", ")) mark anomalous pixels")
        }
    }
}

/// The supervisor's outlier pool: known anomalies (with their masks) and outlier-exposure images,
/// optionally limited to `limit` distinct images drawn at random (`oe_limit`).
struct OutlierPool: ImageSource {
    let anomalies: ArrayImageSource
    let outliers: ArrayImageSource?
    /// Pool positions kept after the limit (into anomalies, then outliers).
    let kept: [Int]

    init(anomalies: ArrayImageSource, outliers: ArrayImageSource?, limit: Int?, rng: inout RandomSource) throws {
        let total = anomalies.count + (outliers?.count ?? 0)
        guard total > 0 else {
            throw EngineError.invalidArgument("noise_mode 'outlier_exposure' draws anomalies from oe_data and the known anomalies (label 1), but there are none")
        }
        self.anomalies = anomalies; self.outliers = outliers
        kept = limit.map { drawWithoutReplacement($0, from: total, using: &rng) } ?? Array(0..<total)
    }

    var count: Int { kept.count }
    var hasGroundTruth: Bool { anomalies.hasGroundTruth }
    func classLabel(at index: Int) -> Int { 1 }

    func image(at index: Int) throws -> RawImage {
        let k = kept[index]
        return k < anomalies.count ? try anomalies.image(at: k) : try outliers!.image(at: k - anomalies.count)
    }

    /// The anomaly's mask; nil for outlier-exposure images (the supervisor marks them wholly anomalous).
    func groundTruth(at index: Int) throws -> RawImage? {
        let k = kept[index]
        return k < anomalies.count ? try anomalies.groundTruth(at: k) : nil
    }
}
