// Learning-rate schedules, stepped once after every epoch (reference 5.2).
#if canImport(Glibc)
import Glibc
#endif

public enum LearningRateSchedule: Equatable {
    /// lr_e = lr_0 * gamma^e (torch LambdaLR with the original's lambda); gamma in (0, 1].
    case lambda(gamma: Double)
    /// lr multiplied by gamma at each milestone epoch (torch MultiStepLR).
    case milestones(gamma: Double, epochs: [Int])

    public func validate() throws {
        switch self {
        case .lambda(let g):
            guard g > 0, g <= 1 else { throw EngineError.invalidArgument("lambda schedule gamma must be in (0, 1], got \(g)") }
        case .milestones(let g, let e):
            guard g > 0, g <= 1 else { throw EngineError.invalidArgument("milestone gamma must be in (0, 1], got \(g)") }
            guard e.allSatisfy({ $0 > 1 }) else { throw EngineError.invalidArgument("milestones must all be > 1, got \(e)") }
        }
    }

    /// The learning rate for epoch index `epoch` (0-based) from the initial rate.
    public func learningRate(initial lr0: Double, epoch: Int) -> Double {
        switch self {
        case .lambda(let g):
            return lr0 * pow(g, Double(epoch))
        case .milestones(let g, let e):
            return lr0 * pow(g, Double(e.filter { $0 <= epoch }.count))
        }
    }
}

/// Drives an optimiser's learning rate through a schedule.
public final class Scheduler {
    public let schedule: LearningRateSchedule
    public let initialLearningRate: Double
    public private(set) var epoch = 0
    public let optimizer: Optimizer

    public init(_ optimizer: Optimizer, schedule: LearningRateSchedule) throws {
        try schedule.validate()
        self.optimizer = optimizer
        self.schedule = schedule
        self.initialLearningRate = optimizer.learningRate
    }

    /// Advances one epoch and sets the optimiser's learning rate for the next one.
    public func step() {
        epoch += 1
        optimizer.learningRate = schedule.learningRate(initial: initialLearningRate, epoch: epoch)
    }

    /// Restores the epoch counter (resuming from a snapshot).
    public func setEpoch(_ e: Int) {
        epoch = max(0, e)
        optimizer.learningRate = schedule.learningRate(initial: initialLearningRate, epoch: epoch)
    }
}
