// The network, optimiser, schedule and training loop of one run, assembled from the settings in one
// place for experiment runs (ExperimentRunner.swift) and the in-memory detector (DetectorTraining.swift),
// so that the same settings and seed train the same way in both; plus the snapshot that describes the
// run's state.

public final class TrainingSession {
    public let settings: Settings
    public let seed: UInt64
    public let network: Network
    public let optimizer: Optimizer
    public let scheduler: Scheduler
    public let trainer: Trainer

    /// Builds the run for `samples` (their item shape is the network's input), initialised from `seed`.
    /// The callers have applied the `threads` setting before they prepared the data.
    /// With `resume`, weights, optimiser state and the epoch counter come from that snapshot.
    public init(settings: Settings, samples: TrainingSampleSource, seed: UInt64, resume: String? = nil,
                log: (String) -> Void = { _ in }) throws {
        let network = try NetworkFactory.make(settings.net, inShape: samples.itemShape, bias: settings.bias, seed: seed,
                                              vggWeights: settings.vggWeights)
        let optimizer = try settings.optimizerSettings.make(for: network)
        let scheduler = try Scheduler(optimizer, schedule: try settings.schedule())
        var completed = 0, history = [EpochRecord]()
        if let path = resume {
            let (info, file) = try Snapshot.read(path: path)
            guard info.optimizer.kind == settings.optimizer else {
                throw EngineError.invalidArgument("\(path) holds \(info.optimizer.kind.rawValue) optimiser state, but this run uses \(settings.optimizer.rawValue); resume with the snapshot's optimiser")
            }
            try Snapshot.restore(file, info: info, into: network, optimizer: optimizer, source: path)
            completed = min(info.completedEpochs, settings.epochs)
            history = info.history
            scheduler.setEpoch(info.completedEpochs)
            log("resumed from \(path) after \(info.completedEpochs) epochs")
        }
        let options = TrainingOptions(epochs: settings.epochs, batchSize: settings.batchSize, accBatches: settings.accBatches,
                                      objective: settings.objective, gaussStd: settings.gaussStd, seed: seed)
        self.trainer = try Trainer(network: network, optimizer: optimizer, scheduler: scheduler, samples: samples,
                                   options: options, completedEpochs: completed, history: history)
        self.settings = settings; self.seed = seed
        self.network = network; self.optimizer = optimizer; self.scheduler = scheduler
    }

    /// The snapshot description of the run as it stands: `preprocessing` re-creates the test transform,
    /// `extra` is stored as given.
    public func snapshotInfo(preprocessing: JSONValue, extra: JSONValue) throws -> SnapshotInfo {
        SnapshotInfo(network: network.name, inShape: network.inShape, bias: network.bias, objective: settings.objective,
                     gaussStd: settings.gaussStd, completedEpochs: trainer.completedEpochs, totalEpochs: settings.epochs,
                     optimizer: settings.optimizerSettings, schedule: try settings.schedule(),
                     preprocessing: preprocessing, extra: extra, history: trainer.history)
    }
}
