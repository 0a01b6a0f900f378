// The runners of reference 9.3 in the engine: for every nominal class and repetition one run in
// `<logdir>/normal_<c>/it_<i>` (build the data, train with the session of TrainingSession.swift, test,
// write the artefacts), then a summary across seeds and classes. A run's snapshot is written before its
// first epoch and after every epoch, so a run that stops (Ctrl-C) or dies (a lost machine) resumes from
// its last complete epoch exactly as if it had not stopped. One run can also be run on its own
// (`runSingle`, a task of a grid spread over processes or machines) and the experiment summarised
// afterwards from the runs' result files (`summarizeFinishedRuns`).
#if canImport(Glibc)
import Glibc
#endif

public final class ExperimentRunner {
    public let settings: Settings
    private let report: (ExperimentEvent) -> Bool
    /// Set once the handler asked to stop; every later phase is skipped.
    public private(set) var stopped = false
    public private(set) var results: [RunResult] = []
    /// The experiment's folder: given, or `logdir + logdir_suffix` with `{t}` replaced when `run` starts.
    public private(set) var directory: String

    /// `settings` must be resolved (Settings.resolve); they are checked again here. `directory`: the
    /// experiment's folder when it is already chosen (runs of one experiment in several processes).
    /// `report` receives logs and progress; returning false requests a stop.
    public init(settings: Settings, directory: String? = nil, report: @escaping (ExperimentEvent) -> Bool) throws {
        try settings.validate(.experiment)
        if let directory = directory, directory.isEmpty { throw EngineError.invalidArgument("the experiment directory is empty") }
        self.settings = settings
        self.directory = directory ?? ""
        self.report = report
    }

    private func keepGoing(_ event: ExperimentEvent) -> Bool {
        if !report(event) { stopped = true }
        return !stopped
    }

    /// The runs of the experiment in order: every class of `classes` (all when empty) times every
    /// repetition.
    public func plannedRuns() throws -> [(nominalClass: Int, className: String, iteration: Int)] {
        let names = try DatasetCatalog.classNames(settings)
        let classes = settings.classes.isEmpty ? Array(names.indices) : settings.classes
        for c in classes where c >= names.count {
            throw EngineError.invalidArgument("class \(c) does not exist: \(settings.dataset.rawValue) has classes 0..\(names.count - 1) (\(names.joined(separator: ", ")))")
        }
        return classes.flatMap { c in (0..<settings.iterations).map { (c, names[c], $0) } }
    }

    /// `load` is one run's snapshot: training every class and repetition from it would silently start
    /// them all from that one class's weights.
    private func checkLoadFitsOneRun() throws {
        guard let load = settings.load else { return }
        let runs = try plannedRuns()
        guard runs.count == 1 else {
            throw EngineError.invalidArgument("--load \(load) continues one run, but this experiment has \(runs.count) runs (\(settings.classes.isEmpty ? "all classes" : "classes \(settings.classes.map(String.init).joined(separator: " "))") x \(settings.iterations) repetitions): choose one run with --normal-class C --it 1, or continue a stopped experiment of several runs with --resume DIR (each run from its own snapshot)")
        }
        let (info, _) = try Snapshot.read(path: load)
        if let stored = info.extra["nominal_class"]?.intValue, stored != runs[0].nominalClass {
            throw EngineError.invalidArgument("--load \(load) is a snapshot of class \(stored), but this run trains class \(runs[0].nominalClass)")
        }
    }

    public func runDirectory(nominalClass c: Int, iteration i: Int) -> String {
        ExperimentLayout.runDirectory(experiment: directory, nominalClass: c, iteration: i)
    }

    /// Checks the data, applies the threads setting and makes the experiment's folder.
    /// A whole experiment (`wholeExperiment`) starts in a folder of its own: one that holds an earlier
    /// experiment's results (its summary, a run's snapshot or result, which a new start would replace) is
    /// refused unless `overwrite` is set. What a start that failed early leaves (logs, empty run folders)
    /// is not a result, so the same command can be run again once its data is in place.
    private func start(wholeExperiment: Bool = false) throws {
        try Prerequisites.check(settings)
        try checkLoadFitsOneRun()
        try EngineRuntime.checkThreads(settings.threads)
        if directory.isEmpty { directory = settings.experimentDirectory(startTime: localTimestamp()) }
        if wholeExperiment && !settings.overwrite, let found = try ExperimentLayout.earlierResult(in: directory) {
            throw EngineError.exists("\(directory) already holds an experiment (\(found)); continue a stopped one with --resume \(directory), replace its files with --overwrite (overwrite=True), or choose another --logdir")
        }
        try createDirectories(directory)
    }

    /// Runs every class and repetition; returns the summary (also written to `<directory>/summary.json`).
    public func run() throws -> JSONValue {
        try EngineRuntime.using(threads: settings.threads) { try runAll() }
    }

    private func runAll() throws -> JSONValue {
        try start(wholeExperiment: true)
        let runs = try plannedRuns()
        _ = keepGoing(.experimentStarted(directory: directory, runs: runs.count, settings: settings.json(.experiment)))
        for r in runs {
            guard !stopped else { break }
            results.append(try runOne(nominalClass: r.nominalClass, className: r.className, iteration: r.iteration, resume: false))
        }
        return try writeSummary()
    }

    /// Runs one run of the experiment (class `c`, repetition `i`) in its folder. With `resume`, a run whose
    /// folder holds a result is not run again, and one whose folder holds a snapshot continues from it.
    public func runSingle(nominalClass c: Int, iteration i: Int, resume: Bool) throws -> RunResult {
        try EngineRuntime.using(threads: settings.threads) { try runOnly(nominalClass: c, iteration: i, resume: resume) }
    }

    private func runOnly(nominalClass c: Int, iteration i: Int, resume: Bool) throws -> RunResult {
        guard let run = try plannedRuns().first(where: { $0.nominalClass == c && $0.iteration == i }) else {
            throw EngineError.invalidArgument("class \(c), repetition \(i) is not a run of this experiment (classes \(settings.classes.isEmpty ? "all" : "\(settings.classes)"), it \(settings.iterations))")
        }
        try start()
        if resume, let done = try RunResult.load(directory: runDirectory(nominalClass: c, iteration: i)) { return done }
        return try runOne(nominalClass: c, className: run.className, iteration: i, resume: resume)
    }

    /// The summary of the runs that have finished (their result.json), written like that of `run`.
    public func summarizeFinishedRuns() throws -> JSONValue {
        guard !directory.isEmpty else { throw EngineError.invalidArgument("summarizing needs the experiment directory") }
        results = try plannedRuns().compactMap { try RunResult.load(directory: runDirectory(nominalClass: $0.nominalClass, iteration: $0.iteration)) }
        return try writeSummary()
    }

    private func writeSummary() throws -> JSONValue {
        let summary = ExperimentSummary.make(results, settings: settings, directory: directory)
        try writeJSONFile(summary, to: directory + "/" + ExperimentLayout.summaryFile)
        try ExperimentSummary.drawCurves(results, logdir: directory)
        return summary
    }

    func runOne(nominalClass c: Int, className: String, iteration i: Int, resume: Bool) throws -> RunResult {
        let started = now()
        let seed = settings.runSeed(iteration: i)
        let dir = try RunDirectory(path: runDirectory(nominalClass: c, iteration: i)) { [unowned self] e in self.keepGoing(e) }
        var result = RunResult(nominalClass: c, className: className, iteration: i, seed: seed, directory: dir.path)
        _ = keepGoing(.runStarted(directory: dir.path, nominalClass: c, className: className, iteration: i, seed: seed))
        try dir.writeJSON(ExperimentLayout.configFile, runConfig(nominalClass: c, className: className, iteration: i, seed: seed))

        _ = keepGoing(.phase("preparing data"))
        let data = try DatasetCatalog.prepare(settings, nominalClass: c, seed: seed, log: dir.log)
        let snapshot = dir.file(ExperimentLayout.snapshotFile)
        let resumeFrom = resume && pathExists(snapshot) ? snapshot : settings.load
        let session = try TrainingSession(settings: settings, samples: data.train, seed: seed, resume: resumeFrom, log: dir.log)
        let network = session.network, trainer = session.trainer
        dir.log("##### NET RECEPTION \(network.reception.map { "{n: \($0.n), j: \($0.j), r: \($0.r), s: \($0.s)}" } ?? "none") #####")
        var extraFields: [(String, JSONValue)] = [("dataset", .string(settings.dataset.rawValue)), ("nominal_class", .number(Double(c))),
                                                  ("class_name", .string(className)), ("seed", .number(Double(seed)))]
        if let tiles = data.tiles { extraFields.append(("tiles", tiles.json)) }   // predict and export tile the same way
        let extra: JSONValue = .object(extraFields)
        // The snapshot and history.json always describe a whole number of epochs: a stop or a crash
        // within an epoch leaves those of the epoch before, from which training continues exactly.
        func checkpoint() throws {
            try Snapshot.write(path: snapshot, info: try session.snapshotInfo(preprocessing: data.preprocessing, extra: extra),
                               network: network, optimizer: session.optimizer)
            try dir.writeJSON("history.json", EpochRecord.json(trainer.history))
        }
        var checkpointError: Error?
        trainer.epochEnded = { _ in
            do { try checkpoint() } catch { checkpointError = error }
            return checkpointError == nil
        }
        defer { trainer.epochEnded = { _ in true } }   // the closure holds the trainer: break the cycle
        if trainer.completedEpochs < settings.epochs {
            try checkpoint()
            _ = keepGoing(.phase("training"))
            let shape = network.inShape.map(String.init).joined(separator: "x")
            let perStep = settings.batchSize * settings.accBatches
            dir.log("training \(settings.net) for \(settings.epochs - trainer.completedEpochs) epochs of \(trainer.stepsPerEpoch) steps (\(perStep) images each), \(data.train.count) samples of \(shape)")
            if let note = Self.sizeNote(net: settings.net, dataset: settings.dataset, inShape: network.inShape) { dir.log(note) }
        }
        let outcome = try trainer.run { [unowned self] p in self.keepGoing(.progress(p)) }
        if let error = checkpointError { throw error }
        if outcome == .stopped {
            dir.log("stopped after \(trainer.completedEpochs) complete epoch\(trainer.completedEpochs == 1 ? "" : "s"); continue with --resume \(directory) (or this run alone with --load \(snapshot))")
            return result
        }
        try checkpoint()
        try RunPictures.lossCurve(trainer.history, path: dir.file("err.png"))

        _ = keepGoing(.phase("testing"))
        try RunPictures.trainingPictures(trainer.loader, network: network, settings: settings, directory: dir, seed: seed)
        let tested: (labels: [Int], scores: [Float], pixels: (() throws -> PixelRanking?)?)
        var pictures: TestOutputs? = nil
        switch data.test {
        case .items(let test):
            guard let outputs = try TestPass.run(network: network, test: test, gaussStd: settings.gaussStd,
                                                 shouldContinue: { !self.stopped }) else { return result }
            tested = (outputs.labels, outputs.scores, test.hasGroundTruth ? { try TestPass.pixelRanking(outputs, test: test) } : nil)
            pictures = outputs
        case .tiles(let set):
            guard let outputs = try TestPass.runTiles(network: network, set: set, gaussStd: settings.gaussStd,
                                                      shouldContinue: { !self.stopped }) else { return result }
            tested = (outputs.labels, outputs.scores, set.groundTruth == nil ? nil : { try TestPass.pixelRanking(outputs, set: set) })
        }
        if Set(tested.labels).count == 2 {
            let roc = try ROCCurve.compute(labels: tested.labels, scores: tested.scores.map(Double.init))
            result.auc = roc.auc
            result.roc = roc
            try dir.writeJSON("roc.json", roc.json)
            try RunPictures.rocCurve(roc, path: dir.file("roc_curve.png"), title: "image-level ROC: \(className) nominal, test split")
            dir.log("##### ROC TEST SCORE \(roc.auc) #####")
        } else {
            dir.log("the test split has only one label; no ROC")
        }
        if let pixels = tested.pixels {
            let ranking: PixelRanking?
            do { ranking = try pixels() } catch let e as EngineError {
                // The original turns failed pixel-level scoring into a warning (reference 8.3).
                dir.log("no pixel-level ROC: \(e)")
                ranking = nil
            }
            if let ranking = ranking {
                let roc = ranking.roc()
                result.pixelAUC = roc.auc
                result.pixelROC = roc
                try dir.writeJSON("gtmap_roc.json", roc.json)
                try RunPictures.rocCurve(roc, path: dir.file("gtmap_roc_curve.png"), title: "pixel-level ROC against the ground-truth maps: \(className)")
                dir.log("##### GTMAP ROC TEST SCORE \(roc.auc) #####")
            }
        }
        if let pictures {
            try RunPictures.testPictures(pictures, network: network, settings: settings, directory: dir, seed: seed)
        } else {
            dir.log("heatmap pictures are drawn at the network's input size, so a run on tiles draws none; `fcdd-swift predict \(snapshot) IMAGES` draws each image's heatmap overlay at its resolution")
        }
        result.seconds = now() - started
        try dir.writeJSON(ExperimentLayout.resultFile, result.json)
        return result
    }

    /// Explains a network that runs at another image size than it was made for (e.g. FCDD_CNN28_W on
    /// custom images, which are always 224x224): it works, but the cost is not what its name suggests.
    static func sizeNote(net: String, dataset: Dataset, inShape: [Int]) -> String? {
        guard let side = NetworkRegistry.designedSide(of: net), inShape.count == 3, inShape[1] != side else { return nil }
        let factor = Double(inShape[1] * inShape[2]) / Double(side * side)
        let cost = factor >= 1 ? "about \(Int(factor.rounded()))x the computation per image of \(side)x\(side)"
                               : "about 1/\(Int((1 / factor).rounded())) of the computation per image of \(side)x\(side)"
        return "note: \(net) was made for \(side)x\(side) images; \(dataset.rawValue) images reach it at \(inShape[1])x\(inShape[2]) (see --help for the sizes per dataset), so it runs there, fully convolutional, at \(cost)"
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
public func localTimestamp() -> String {
    var now = time(nil)
    var parts = tm()
    localtime_r(&now, &parts)
    var buffer = [CChar](repeating: 0, count: 32)
    let count = strftime(&buffer, buffer.count, "%Y%m%d%H%M%S", &parts)
    return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
