// The runners of reference 9.3 in the engine: for every nominal class and repetition one run in
// `<logdir>/normal_<c>/it_<i>` (build the data, network and optimiser, train, snapshot, test, write the
// artefacts), then a summary across seeds and classes. A stop request (Ctrl-C) ends training at once,
// still writes a resumable snapshot and the history, and skips everything after it.

/// The outcome of one run.
public struct RunResult {
    public var nominalClass: Int
    public var className: String
    public var iteration: Int
    public var directory: String
    public var auc: Double?
    public var pixelAUC: Double?
    public var roc: ROCCurve?
    public var pixelROC: ROCCurve?
}

public final class ExperimentRunner {
    public let config: ExperimentConfig
    private let report: (ExperimentEvent) -> Bool
    /// Set once the handler asked to stop; every later phase is skipped.
    public private(set) var stopped = false
    public private(set) var results: [RunResult] = []

    /// `report` receives logs and progress; returning false requests a stop.
    public init(config: ExperimentConfig, report: @escaping (ExperimentEvent) -> Bool) {
        self.config = config
        self.report = report
    }

    private func keepGoing(_ event: ExperimentEvent) -> Bool {
        if !report(event) { stopped = true }
        return !stopped
    }

    /// Runs every class and repetition; returns the summary (also written to `<logdir>/summary.json`).
    public func run() throws -> JSONValue {
        if let t = config.threads { try EngineRuntime.setThreads(t) }
        try createDirectories(config.logdir)
        let names = try DatasetCatalog.classNames(config)
        let classes = config.classes.isEmpty ? Array(names.indices) : config.classes
        for c in classes where c >= names.count {
            throw EngineError.invalidArgument("class \(c) does not exist: \(config.dataset.rawValue) has classes 0..\(names.count - 1) (\(names.joined(separator: ", ")))")
        }
        for c in classes {
            for i in 0..<config.iterations {
                guard !stopped else { break }
                results.append(try runOne(nominalClass: c, className: names[c], iteration: i))
            }
        }
        let summary = ExperimentSummary.make(results, config: config)
        try writeJSONFile(summary, to: config.logdir + "/summary.json")
        try ExperimentSummary.drawCurves(results, logdir: config.logdir)
        return summary
    }

    func runOne(nominalClass c: Int, className: String, iteration i: Int) throws -> RunResult {
        let seed = config.seed &+ UInt64(i)
        let dir = try RunDirectory(path: "\(config.logdir)/normal_\(c)/it_\(i)") { [unowned self] e in self.keepGoing(e) }
        var result = RunResult(nominalClass: c, className: className, iteration: i, directory: dir.path)
        _ = keepGoing(.runStarted(directory: dir.path, nominalClass: c, className: className, iteration: i, seed: seed))
        var runConfig = config.json
        if case .object(var o) = runConfig {
            o += [("nominal_class", .number(Double(c))), ("class_name", .string(className)),
                  ("iteration", .number(Double(i))), ("run_seed", .number(Double(seed))),
                  ("engine_version", .string(FCDDVersion.string))]
            runConfig = .object(o)
        }
        try dir.writeJSON("config.json", runConfig)

        _ = keepGoing(.phase("preparing data"))
        let data = try DatasetCatalog.prepare(config, nominalClass: c, seed: seed, log: dir.log)
        let network = try NetworkFactory.make(config, inShape: data.train.itemShape, seed: seed)
        dir.log("##### NET RECEPTION \(network.reception.map { "{n: \($0.n), j: \($0.j), r: \($0.r), s: \($0.s)}" } ?? "none") #####")
        let optimizer = try config.optimizer.make(for: network)
        let scheduler = try Scheduler(optimizer, schedule: config.schedule)
        var completed = 0
        if let path = config.load {
            let (info, file) = try Snapshot.read(path: path)
            guard info.optimizer.kind == config.optimizer.kind else {
                throw EngineError.invalidArgument("\(path) holds \(info.optimizer.kind.rawValue) optimiser state, but this run uses \(config.optimizer.kind.rawValue); resume with the snapshot's optimiser")
            }
            try Snapshot.restore(file, info: info, into: network, optimizer: optimizer, source: path)
            completed = min(info.completedEpochs, config.epochs)
            scheduler.setEpoch(info.completedEpochs)
            dir.log("resumed from \(path) after \(info.completedEpochs) epochs")
        }
        let trainer = try Trainer(network: network, optimizer: optimizer, scheduler: scheduler, samples: data.train,
                                  options: TrainingOptions(epochs: config.epochs, batchSize: config.batchSize,
                                                           accBatches: config.accBatches, objective: config.objective,
                                                           gaussStd: config.gaussStd, seed: seed),
                                  completedEpochs: completed)
        let info = { SnapshotInfo(network: network.name, inShape: network.inShape, bias: network.bias,
                                  objective: self.config.objective, gaussStd: self.config.gaussStd,
                                  completedEpochs: trainer.completedEpochs, totalEpochs: self.config.epochs,
                                  optimizer: self.config.optimizer, schedule: self.config.schedule,
                                  preprocessing: data.preprocessing,
                                  extra: .object([("dataset", .string(self.config.dataset.rawValue)),
                                                  ("nominal_class", .number(Double(c))), ("class_name", .string(className)),
                                                  ("seed", .number(Double(seed)))])) }
        if trainer.completedEpochs < config.epochs {
            _ = keepGoing(.phase("training"))
            dir.log("training \(config.net) for \(config.epochs - trainer.completedEpochs) epochs, \(trainer.stepsPerEpoch) steps per epoch, \(data.train.count) samples")
        }
        let outcome: TrainingOutcome
        do {
            outcome = try trainer.run { [unowned self] p in self.keepGoing(.progress(p)) }
        } catch {
            // Keep what was learned so far (reference 5.5: the snapshot is written also after an exception).
            try? Snapshot.write(path: dir.file("snapshot.safetensors"), info: info(), network: network, optimizer: optimizer)
            throw error
        }
        try Snapshot.write(path: dir.file("snapshot.safetensors"), info: info(), network: network, optimizer: optimizer)
        try dir.writeJSON("history.json", historyJSON(trainer.history))
        try RunPictures.lossCurve(trainer.history, path: dir.file("err.png"))
        if outcome == .stopped {
            dir.log("stopped after \(trainer.completedEpochs) complete epochs; resume with --load \(dir.file("snapshot.safetensors"))")
            return result
        }

        _ = keepGoing(.phase("testing"))
        try RunPictures.trainingPictures(trainer.loader, network: network, config: config, directory: dir, seed: seed)
        guard let outputs = try TestPass.run(network: network, test: data.test, gaussStd: config.gaussStd,
                                             shouldContinue: { !self.stopped }) else { return result }
        if Set(outputs.labels).count == 2 {
            let roc = try ROCCurve.compute(labels: outputs.labels, scores: outputs.scores.map(Double.init))
            result.auc = roc.auc
            result.roc = roc
            try dir.writeJSON("roc.json", roc.json)
            try RunPictures.rocCurve(roc, path: dir.file("roc_curve.png"))
            dir.log("##### ROC TEST SCORE \(roc.auc) #####")
        } else {
            dir.log("the test split has only one label; no ROC")
        }
        if data.test.hasGroundTruth {
            let ranking: PixelRanking?
            do { ranking = try TestPass.pixelRanking(outputs, test: data.test) } catch let e as EngineError {
                // The original turns failed pixel-level scoring into a warning (reference 8.3).
                dir.log("no pixel-level ROC: \(e)")
                ranking = nil
            }
            if let ranking = ranking {
                let roc = ranking.roc()
                result.pixelAUC = roc.auc
                result.pixelROC = roc
                try RunPictures.rocCurve(roc, path: dir.file("gtmap_roc_curve.png"))
                dir.log("##### GTMAP ROC TEST SCORE \(roc.auc) #####")
            }
        }
        try RunPictures.testPictures(outputs, network: network, config: config, directory: dir, seed: seed)
        return result
    }

    func historyJSON(_ history: [EpochRecord]) -> JSONValue {
        .object([
            ("err", .array(history.map { .number($0.loss) })),
            ("err_std", .array(history.map { .number($0.lossStd) })),
            ("lr", .array(history.map { .number($0.learningRate) })),
            ("seconds", .array(history.map { .number($0.seconds) })),
            ("data_seconds", .array(history.map { .number($0.dataSeconds) })),
            ("images", .array(history.map { .number(Double($0.images)) })),
        ])
    }
}
