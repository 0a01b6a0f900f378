// The runners of reference 9.3 in the engine: for every nominal class and repetition one run in
// `<logdir>/normal_<c>/it_<i>` (build the data, train with the session of TrainingSession.swift,
// snapshot, test, write the artefacts), then a summary across seeds and classes. A stop request (Ctrl-C)
// ends training at once, still writes a resumable snapshot and the history, and skips everything after.
#if canImport(Glibc)
import Glibc
#endif

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
    public let settings: Settings
    private let report: (ExperimentEvent) -> Bool
    /// Set once the handler asked to stop; every later phase is skipped.
    public private(set) var stopped = false
    public private(set) var results: [RunResult] = []
    /// The experiment's folder (`logdir + logdir_suffix` with `{t}` replaced), set when `run` starts.
    public private(set) var directory = ""

    /// `settings` must be resolved (Settings.resolve); they are checked again here. `report` receives
    /// logs and progress; returning false requests a stop.
    public init(settings: Settings, report: @escaping (ExperimentEvent) -> Bool) throws {
        try settings.validate(.experiment)
        self.settings = settings
        self.report = report
    }

    private func keepGoing(_ event: ExperimentEvent) -> Bool {
        if !report(event) { stopped = true }
        return !stopped
    }

    /// Runs every class and repetition; returns the summary (also written to `<directory>/summary.json`).
    public func run() throws -> JSONValue {
        try settings.checkFilesExist()
        if let threads = settings.threads { try EngineRuntime.setThreads(threads) }
        let names = try DatasetCatalog.classNames(settings)
        let classes = settings.classes.isEmpty ? Array(names.indices) : settings.classes
        for c in classes where c >= names.count {
            throw EngineError.invalidArgument("class \(c) does not exist: \(settings.dataset.rawValue) has classes 0..\(names.count - 1) (\(names.joined(separator: ", ")))")
        }
        directory = settings.experimentDirectory(startTime: localTimestamp())
        try createDirectories(directory)
        _ = keepGoing(.experimentStarted(directory: directory, runs: classes.count * settings.iterations))
        for c in classes {
            for i in 0..<settings.iterations {
                guard !stopped else { break }
                results.append(try runOne(nominalClass: c, className: names[c], iteration: i))
            }
        }
        let summary = ExperimentSummary.make(results, settings: settings, directory: directory)
        try writeJSONFile(summary, to: directory + "/summary.json")
        try ExperimentSummary.drawCurves(results, logdir: directory)
        return summary
    }

    func runOne(nominalClass c: Int, className: String, iteration i: Int) throws -> RunResult {
        let seed = settings.runSeed(iteration: i)
        let dir = try RunDirectory(path: "\(directory)/normal_\(c)/it_\(i)") { [unowned self] e in self.keepGoing(e) }
        var result = RunResult(nominalClass: c, className: className, iteration: i, directory: dir.path)
        _ = keepGoing(.runStarted(directory: dir.path, nominalClass: c, className: className, iteration: i, seed: seed))
        try dir.writeJSON("config.json", runConfig(nominalClass: c, className: className, iteration: i, seed: seed))

        _ = keepGoing(.phase("preparing data"))
        let data = try DatasetCatalog.prepare(settings, nominalClass: c, seed: seed, log: dir.log)
        let session = try TrainingSession(settings: settings, samples: data.train, seed: seed, resume: settings.load, log: dir.log)
        let network = session.network, trainer = session.trainer
        dir.log("##### NET RECEPTION \(network.reception.map { "{n: \($0.n), j: \($0.j), r: \($0.r), s: \($0.s)}" } ?? "none") #####")
        let extra: JSONValue = .object([("dataset", .string(settings.dataset.rawValue)), ("nominal_class", .number(Double(c))),
                                        ("class_name", .string(className)), ("seed", .number(Double(seed)))])
        let snapshot = dir.file("snapshot.safetensors")
        func writeSnapshot() throws {
            try Snapshot.write(path: snapshot, info: try session.snapshotInfo(preprocessing: data.preprocessing, extra: extra),
                               network: network, optimizer: session.optimizer)
        }
        if trainer.completedEpochs < settings.epochs {
            _ = keepGoing(.phase("training"))
            dir.log("training \(settings.net) for \(settings.epochs - trainer.completedEpochs) epochs, \(trainer.stepsPerEpoch) steps per epoch, \(data.train.count) samples")
        }
        let outcome: TrainingOutcome
        do {
            outcome = try trainer.run { [unowned self] p in self.keepGoing(.progress(p)) }
        } catch {
            // Keep what was learned so far (reference 5.5: the snapshot is written also after an exception).
            try? writeSnapshot()
            throw error
        }
        try writeSnapshot()
        try dir.writeJSON("history.json", EpochRecord.json(trainer.history))
        try RunPictures.lossCurve(trainer.history, path: dir.file("err.png"))
        if outcome == .stopped {
            dir.log("stopped after \(trainer.completedEpochs) complete epochs; resume with --load \(snapshot)")
            return result
        }

        _ = keepGoing(.phase("testing"))
        try RunPictures.trainingPictures(trainer.loader, network: network, settings: settings, directory: dir, seed: seed)
        guard let outputs = try TestPass.run(network: network, test: data.test, gaussStd: settings.gaussStd,
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
        try RunPictures.testPictures(outputs, network: network, settings: settings, directory: dir, seed: seed)
        return result
    }

    /// A run's config.json: the resolved settings (so `--config` repeats the experiment) and, under
    /// "run", which run of it this is.
    func runConfig(nominalClass c: Int, className: String, iteration i: Int, seed: UInt64) -> JSONValue {
        var fields = settings.json(.experiment).objectValue ?? []
        fields.append(("run", .object([
            ("directory", .string(directory)), ("nominal_class", .number(Double(c))), ("class_name", .string(className)),
            ("iteration", .number(Double(i))), ("seed", .number(Double(seed))), ("engine_version", .string(FCDDVersion.string)),
        ])))
        return .object(fields)
    }
}

/// The local time as YYYYmmddHHMMSS (the `{t}` of `logdir`).
func localTimestamp() -> String {
    var now = time(nil)
    var parts = tm()
    localtime_r(&now, &parts)
    var buffer = [CChar](repeating: 0, count: 32)
    let count = strftime(&buffer, buffer.count, "%Y%m%d%H%M%S", &parts)
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
