// The training loop of reference 5.3, run inside the engine: per-epoch shuffling, batch accumulation
// (`accBatches` loader batches concatenated into one forward/backward/step), the learning-rate
// schedule stepped after every epoch, progress reports after every step, and a clean stop on request
// (Ctrl-C) that keeps the weights of the last completed step.
#if canImport(Glibc)
import Glibc
#endif

/// Settings of one training run.
public struct TrainingOptions {
    public var epochs: Int
    public var batchSize: Int
    /// Loader batches concatenated per optimiser step (effective batch = batchSize * accBatches).
    public var accBatches: Int
    public var objective: Objective
    /// Std of the receptive-field Gaussian for the ground-truth loss (nil: the network's default).
    public var gaussStd: Double?
    public var seed: UInt64

    public init(epochs: Int, batchSize: Int, accBatches: Int = 1, objective: Objective, gaussStd: Double? = nil, seed: UInt64) {
        self.epochs = epochs; self.batchSize = batchSize; self.accBatches = accBatches
        self.objective = objective; self.gaussStd = gaussStd; self.seed = seed
    }

    public func validate() throws {
        guard epochs >= 0 else { throw EngineError.invalidArgument("epochs must be >= 0, got \(epochs)") }
        guard batchSize >= 1 else { throw EngineError.invalidArgument("batch size must be >= 1, got \(batchSize)") }
        guard accBatches >= 1 else { throw EngineError.invalidArgument("acc_batches must be >= 1, got \(accBatches)") }
    }
}

/// The per-epoch record written to `history.json`.
public struct EpochRecord: Equatable {
    public var epoch: Int
    /// Mean and std of the step losses of the epoch (the exact epoch statistics, not the original's
    /// cosmetic 10-step window).
    public var loss: Double
    public var lossStd: Double
    public var learningRate: Double
    public var seconds: Double
    /// Seconds spent preparing batches (decoding, anomalies, augmentation) outside forward/backward.
    public var dataSeconds: Double
    public var images: Int
}

/// Reported after every optimiser step.
public struct TrainingProgress {
    public var epoch: Int          // 0-based, counting resumed epochs
    public var epochs: Int
    public var step: Int           // 1-based within the epoch
    public var stepsPerEpoch: Int
    public var loss: Double        // of this step
    public var epochLoss: Double   // running mean over the epoch so far
    public var imagesPerSecond: Double
    public var learningRate: Double
    public var secondsInEpoch: Double   // since the epoch's first step began
}

public enum TrainingOutcome: Equatable {
    case finished
    /// Stopped on request after `completedEpochs` full epochs; the weights are those of the last step.
    case stopped
}

public final class Trainer {
    public let network: Network
    public let optimizer: Optimizer
    public let scheduler: Scheduler
    public private(set) var loader: BatchLoader
    public let options: TrainingOptions
    /// Epochs completed so far, including those restored from a snapshot.
    public private(set) var completedEpochs: Int
    public private(set) var history: [EpochRecord] = []

    /// `history`: the records of the `completedEpochs` epochs already trained (a resumed run).
    public init(network: Network, optimizer: Optimizer, scheduler: Scheduler, samples: TrainingSampleSource,
                options: TrainingOptions, completedEpochs: Int = 0, history: [EpochRecord] = []) throws {
        try options.validate()
        guard samples.itemShape == network.inShape else {
            throw EngineError.shapeMismatch("training images are \(samples.itemShape) but \(network.name) takes \(network.inShape)")
        }
        guard options.objective == network.objective else {
            throw EngineError.invalidArgument("objective '\(options.objective.rawValue)' does not fit the \(network.objective.rawValue) network \(network.name)")
        }
        // A step holds accBatches loader batches (concatenated) and the network's activations for them.
        let (stepBatch, overflow) = options.batchSize.multipliedReportingOverflow(by: options.accBatches)
        guard !overflow else { throw EngineError.invalidArgument("batch size \(options.batchSize) x \(options.accBatches) accumulated batches is too large") }
        try network.reserveWorkingMemory(batch: stepBatch, training: true)
        self.network = network; self.optimizer = optimizer; self.scheduler = scheduler; self.options = options
        self.loader = try BatchLoader(source: samples, batchSize: options.batchSize, seed: options.seed)
        self.completedEpochs = completedEpochs
        self.history = Array(history.prefix(completedEpochs))
    }

    /// Optimiser steps per epoch: ceil(batches / accBatches).
    public var stepsPerEpoch: Int { (loader.batchesPerEpoch + options.accBatches - 1) / options.accBatches }

    /// Called after every completed epoch; returning false stops training there.
    public var epochEnded: (EpochRecord) -> Bool = { _ in true }

    /// Trains until `options.epochs` epochs are complete. `progress` is called after every step; when it
    /// (or `epochEnded`) returns false the loop stops at once (an epoch cut short is not counted as
    /// completed).
    public func run(progress: (TrainingProgress) -> Bool = { _ in true }) throws -> TrainingOutcome {
        network.train()
        defer { network.clearCaches() }
        while completedEpochs < options.epochs {
            let epoch = completedEpochs
            let order = loader.order(epoch: epoch)
            let epochStart = now()
            var losses = [Double](), images = 0, dataSeconds = 0.0
            var b = 0
            while b < loader.batchesPerEpoch {
                let dataStart = now()
                let batches = b..<min(loader.batchesPerEpoch, b + options.accBatches)
                let batch = try loader.batch(batches, of: order, epoch: epoch)
                b = batches.upperBound
                dataSeconds += now() - dataStart
                let useGT = loader.source.hasGroundTruth && options.objective == .fcdd
                let loss = try network.lossAndGradient(batch.images, labels: batch.labels,
                                                       gtmaps: useGT ? batch.groundTruth : nil,
                                                       objective: options.objective, gaussStd: options.gaussStd)
                guard loss.isFinite else {
                    throw EngineError.state("the loss became \(loss) in epoch \(epoch) (learning rate too high?)")
                }
                optimizer.step()
                losses.append(loss)
                images += batch.labels.count
                let elapsed = max(now() - epochStart, 1e-9)
                let report = TrainingProgress(epoch: epoch, epochs: options.epochs, step: losses.count,
                                              stepsPerEpoch: stepsPerEpoch, loss: loss,
                                              epochLoss: losses.reduce(0, +) / Double(losses.count),
                                              imagesPerSecond: Double(images) / elapsed,
                                              learningRate: optimizer.learningRate, secondsInEpoch: elapsed)
                if !progress(report) { return .stopped }
            }
            let mean = losses.reduce(0, +) / Double(losses.count)
            let variance = losses.count > 1 ? losses.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(losses.count - 1) : 0
            history.append(EpochRecord(epoch: epoch, loss: mean, lossStd: variance.squareRoot(),
                                       learningRate: optimizer.learningRate, seconds: now() - epochStart,
                                       dataSeconds: dataSeconds, images: images))
            scheduler.step()
            completedEpochs += 1
            if !epochEnded(history[history.count - 1]) { return .stopped }
        }
        return .finished
    }
}

/// Monotonic seconds.
func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) * 1e-9
}
