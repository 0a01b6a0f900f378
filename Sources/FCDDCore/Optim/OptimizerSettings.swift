// Optimiser and schedule hyper-parameters as a value, so that a run's settings and a snapshot describe
// them the same way and can re-create the optimiser when a run resumes (reference 5.1-5.2). Snapshots
// store them as {"type", "lr", "weight_decay", ...} and {"type", "gamma", "milestones"}.

/// `--optimizer-type`.
public enum OptimizerKind: String, CaseIterable {
    /// SGD with Nesterov momentum 0.9 (the original's only SGD).
    case sgd
    /// Adam with PyTorch's betas and eps.
    case adam
}

public struct OptimizerSettings: Equatable {
    public var kind: OptimizerKind
    public var learningRate: Double
    public var weightDecay: Double
    /// SGD only; the original always uses momentum 0.9 with Nesterov.
    public var momentum: Double = 0.9
    public var nesterov: Bool = true
    /// Adam only (PyTorch defaults).
    public var beta1: Double = 0.9
    public var beta2: Double = 0.999
    public var eps: Double = 1e-8

    public init(kind: OptimizerKind, learningRate: Double, weightDecay: Double) {
        self.kind = kind; self.learningRate = learningRate; self.weightDecay = weightDecay
    }

    public func make(for network: Network) throws -> Optimizer {
        switch kind {
        case .sgd: return try SGD(network, lr: learningRate, momentum: momentum, nesterov: nesterov, weightDecay: weightDecay)
        case .adam: return try Adam(network, lr: learningRate, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay)
        }
    }

    public var json: JSONValue {
        var o: [(String, JSONValue)] = [("type", .string(kind.rawValue)), ("lr", .number(learningRate)),
                                        ("weight_decay", .number(weightDecay))]
        switch kind {
        case .sgd: o += [("momentum", .number(momentum)), ("nesterov", .bool(nesterov))]
        case .adam: o += [("betas", .array([.number(beta1), .number(beta2)])), ("eps", .number(eps))]
        }
        return .object(o)
    }

    public init(json: JSONValue) throws {
        guard let type = json["type"]?.stringValue, let kind = OptimizerKind(rawValue: type) else {
            throw EngineError.format("optimizer: 'type' must be \"sgd\" or \"adam\"")
        }
        guard let lr = json["lr"]?.doubleValue, let wd = json["weight_decay"]?.doubleValue else {
            throw EngineError.format("optimizer: needs numbers 'lr' and 'weight_decay'")
        }
        self.init(kind: kind, learningRate: lr, weightDecay: wd)
        if let m = json["momentum"]?.doubleValue { momentum = m }
        if let n = json["nesterov"]?.boolValue { nesterov = n }
        if let b = json["betas"]?.arrayValue, b.count == 2, let b1 = b[0].doubleValue, let b2 = b[1].doubleValue {
            beta1 = b1; beta2 = b2
        }
        if let e = json["eps"]?.doubleValue { eps = e }
    }
}

extension LearningRateSchedule {
    public var json: JSONValue {
        switch self {
        case .lambda(let g): return .object([("type", .string("lambda")), ("gamma", .number(g))])
        case .milestones(let g, let e):
            return .object([("type", .string("milestones")), ("gamma", .number(g)),
                            ("milestones", .array(e.map { .number(Double($0)) }))])
        }
    }

    public init(json: JSONValue) throws {
        guard let g = json["gamma"]?.doubleValue else { throw EngineError.format("scheduler: needs a number 'gamma'") }
        switch json["type"]?.stringValue {
        case "lambda": self = .lambda(gamma: g)
        case "milestones":
            guard let list = json["milestones"]?.arrayValue, case let m = list.compactMap({ $0.intValue }), m.count == list.count else {
                throw EngineError.format("scheduler: milestones must be a list of integers")
            }
            self = .milestones(gamma: g, epochs: m)
        default: throw EngineError.format("scheduler: 'type' must be \"lambda\" or \"milestones\"")
        }
        try validate()
    }
}
