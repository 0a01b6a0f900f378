// The checks of settings, all in one place: every field against its range and choices, then the
// combinations the original refuses or that cannot work (a network built for another objective,
// synthetic noise that is really an outlier dataset, an option the dataset's runner does not offer: what
// each dataset offers, and its own checks, come from its definition). Each message names the settings involved, their values and what would be valid.

extension Settings {
    public func validate(_ context: SettingsContext) throws {
        for field in SettingsSchema.fields(for: context) { try field.check(self, context) }
        func label(_ name: String) -> String { SettingsSchema.field(name)!.label(context) }
        func refuse(_ message: String) -> EngineError { .invalidArgument(message) }

        if let built = NetworkRegistry.objective(of: net), built != objective {
            let suggestion = NetworkRegistry.baseline(of: net, for: objective).map { " (e.g. \($0))" } ?? ""
            throw refuse("\(label("objective")) '\(objective.rawValue)' needs a \(objective.rawValue) network\(suggestion); \(label("net")) \(net) is built for '\(built.rawValue)'")
        }
        if !bias && NetworkRegistry.requiresBias(net) {
            throw refuse("\(label("net")) \(net) is only defined with bias (the original asserts it); leave \(label("bias")) on")
        }
        _ = try schedule(label: label("lr_sched_param"))
        if context == .detector && !PipelineSpec.supported(.generic).contains(preprocessing) {
            throw refuse("\(label("preproc")) '\(preprocessing.rawValue)' is for CIFAR-10's fixed constants; the detector offers \(PipelineSpec.supported(.generic).map(\.rawValue).joined(separator: ", "))")
        }
        try validateSupervision(context, label)
        if let stride = tileStride {
            guard let size = tileSize else {
                throw refuse("\(label("tile_stride")) \(stride) needs \(label("tile_size")); without tiles, images are resized to the network's size")
            }
            guard stride <= size else {
                throw refuse("\(label("tile_stride")) \(stride) is larger than \(label("tile_size")) \(size): pixels between the tiles would have no score; use at most \(size)")
            }
        }
        if context == .experiment { try validateExperiment(label) }
    }

    private func validateSupervision(_ context: SettingsContext, _ label: (String) -> String) throws {
        let noise = "\(label("noise_mode")) '\(noiseMode.rawValue)'", mode = "\(label("supervise_mode")) '\(superviseMode.rawValue)'"
        switch context {
        case .experiment where noiseMode == .outlierExposure:
            throw EngineError.invalidArgument("\(noise) uses the images given to fs.FCDD.fit (oe_data, known anomalies); experiments name an outlier dataset instead (cifar100, emnist, imagenet, imagenet22k, mvtec, mvtec_gt)")
        case .detector where !NoiseMode.available(in: .detector).contains(noiseMode):
            throw EngineError.invalidArgument("\(noise) reads an outlier dataset from disk, which the in-memory detector does not; pass the outlier images as oe_data and use noise_mode 'outlier_exposure'")
        default:
            break
        }
        if (superviseMode == .malformedNormal || superviseMode == .malformedNormalGT) && noiseMode.isOutlierExposure {
            throw EngineError.invalidArgument("\(mode) adds synthetic noise to nominal images and needs a synthetic noise mode (\(NoiseMode.synthetic.map(\.rawValue).joined(separator: ", "))), not '\(noiseMode.rawValue)'")
        }
        if noiseMode == .mvtecGT && superviseMode != .noise {
            throw EngineError.invalidArgument("\(noise) only works with supervise_mode 'noise', not '\(superviseMode.rawValue)'")
        }
    }

    private func validateExperiment(_ label: (String) -> String) throws {
        let name = dataset.rawValue, definition = dataset.definition
        if Set(classes).count != classes.count {
            // A repeated class would run twice into the same normal_<c>/it_<i> folders and count twice.
            throw EngineError.invalidArgument("\(label("classes")) must not repeat a class; got \(classes)")
        }
        let preprocessings = definition.preprocessings
        if !preprocessings.contains(preprocessing) {
            throw EngineError.invalidArgument("\(label("preproc")) '\(preprocessing.rawValue)' is not offered for \(name)\(definition.refusalNote(for: preprocessing)); use one of \(preprocessings.map(\.rawValue).joined(separator: ", "))")
        }
        if !definition.superviseModes.contains(superviseMode) {
            throw EngineError.invalidArgument("\(label("supervise_mode")) '\(superviseMode.rawValue)' is not offered for \(name) (as in the original); use one of \(definition.superviseModes.map(\.rawValue).joined(separator: ", "))")
        }
        if let owner = Dataset.allCases.first(where: { $0.definition.exclusiveNoiseModes.contains(noiseMode) }), owner != dataset {
            throw EngineError.invalidArgument("\(label("noise_mode")) '\(noiseMode.rawValue)' uses \(owner.definition.exclusiveNoiseModesUse) and only works with dataset \(owner.rawValue), not \(name)")
        }
        if superviseMode == .noise && noiseMode.isOutlierExposure && !definition.outlierSources.contains(noiseMode) {
            let sources = definition.outlierSources.isEmpty ? "none: use a synthetic noise mode such as confetti"
                : definition.outlierSources.map(\.rawValue).joined(separator: ", ")
            throw EngineError.invalidArgument("\(label("noise_mode")) '\(noiseMode.rawValue)': \(name) offers no outlier exposure from it (its sources: \(sources))")
        }
        if offlineSupervision {
            guard definition.offersOfflineSupervision else {
                let offering = Dataset.allCases.filter(\.definition.offersOfflineSupervision).map(\.rawValue)
                throw EngineError.invalidArgument("\(label("offline_supervision")) is not offered for \(name) (as in the original; it is for \(offering.joined(separator: ", ")))")
            }
            guard !noiseMode.isOnlineOnly else {
                throw EngineError.invalidArgument("\(label("noise_mode")) '\(noiseMode.rawValue)' works with online supervision only; leave \(label("offline_supervision")) off")
            }
        }
        if tileSize != nil {
            guard definition.trainsOnTiles else {
                let offering = Dataset.allCases.filter(\.definition.trainsOnTiles).map(\.rawValue)
                throw EngineError.invalidArgument("\(label("tile_size")) cuts tiles from images at their own resolution: experiments offer it for \(offering.joined(separator: ", ")), not \(name) (whose images are stored at one size); with arrays of any images use fs.FCDD(tile_size=...)")
            }
            guard nominalLabel == 0 else {
                throw EngineError.invalidArgument("\(label("nominal_label")) 1 is not offered with \(label("tile_size")); use 0")
            }
            guard !offlineSupervision else {
                throw EngineError.invalidArgument("\(label("offline_supervision")) generates anomalies once per training image, not per tile; leave it off with \(label("tile_size"))")
            }
        }
        try definition.validateExperiment(self, label: label)
    }
}
