// Learning-rate schedules, stepped once after every epoch (reference 5.2).
#if canImport(Glibc)
import Glibc
#endif

/// `--scheduler-type`.
public enum ScheduleKind: String, CaseIterable {
    /// lr_e = lr_0 * gamma^e.
    case lambda
    /// lr times gamma at each milestone epoch.
    case milestones
}

public enum LearningRateSchedule: Equatable {
    /// lr_e = lr_0 * gamma^e (torch LambdaLR with the original's lambda); gamma in (0, 1].
    case lambda(gamma: Double)
    /// lr multiplied by gamma at each milestone epoch (torch MultiStepLR).
    case milestones(gamma: Double, epochs: [Int])

    /// The schedule of the runners' `--scheduler-type KIND --lr-sched-param P...`: lambda takes [GAMMA],
    /// milestones [GAMMA, M1, M2, ...]. Errors name `field`, the value and what is expected.
    public init(kind: ScheduleKind, parameters p: [Double], field: String = "lr_sched_param") throws {
        let shown = "[" + p.map { JSONValue.number($0).serialized() }.joined(separator: ", ") + "]"
        switch kind {
        case .lambda:
            guard p.count == 1 else {
                throw EngineError.invalidArgument("\(field) of the lambda schedule must be [GAMMA] with GAMMA in (0, 1]; got \(shown)")
            }
            self = .lambda(gamma: p[0])
        case .milestones:
            guard p.count >= 2, p.dropFirst().allSatisfy({ $0 == $0.rounded() && abs($0) < 1e9 }) else {
                throw EngineError.invalidArgument("\(field) of the milestones schedule must be [GAMMA, M1, M2, ...] with GAMMA in (0, 1] and whole epochs M > 1; got \(shown)")
            }
            self = .milestones(gamma: p[0], epochs: p.dropFirst().map { Int($0) })
        }
        do { try validate() } catch EngineError.invalidArgument(let why) {
            throw EngineError.invalidArgument("\(field) \(shown): \(why)")
        }
    }

    public var kind: ScheduleKind {
        switch self { case .lambda: return .lambda; case .milestones: return .milestones }
    }

    /// The parameter list of `--lr-sched-param`.
    public var parameters: [Double] {
        switch self {
        case .lambda(let g): return [g]
        case .milestones(let g, let e): return [g] + e.map(Double.init)
        }
    }

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
