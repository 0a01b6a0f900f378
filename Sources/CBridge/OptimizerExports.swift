// Optimiser and learning-rate schedule functions of the C ABI.
import FCDDCore

private func handle(_ p: OpaquePointer?) throws -> OptimizerHandle { try object(p, OptimizerHandle.self, "opt") }

@_cdecl("fcdd_optimizer_create_sgd")
public func fcdd_optimizer_create_sgd(_ net: OpaquePointer?, _ lr: Double, _ momentum: Double, _ nesterov: Int32,
                                      _ weightDecay: Double, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded {
        try deliver(out) {
            let n = try object(net, NetworkHandle.self, "net")
            return OptimizerHandle(try SGD(n.net, lr: lr, momentum: momentum, nesterov: nesterov != 0, weightDecay: weightDecay), n)
        }
    }
}

@_cdecl("fcdd_optimizer_create_adam")
public func fcdd_optimizer_create_adam(_ net: OpaquePointer?, _ lr: Double, _ beta1: Double, _ beta2: Double,
                                       _ eps: Double, _ weightDecay: Double,
                                       _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded {
        try deliver(out) {
            let n = try object(net, NetworkHandle.self, "net")
            return OptimizerHandle(try Adam(n.net, lr: lr, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay), n)
        }
    }
}

@_cdecl("fcdd_optimizer_free")
public func fcdd_optimizer_free(_ opt: OpaquePointer?) { release(opt, OptimizerHandle.self) }

@_cdecl("fcdd_optimizer_step")
public func fcdd_optimizer_step(_ p: OpaquePointer?) -> Int32 {
    guarded {
        let h = try handle(p)
        guard h.network.net.hasGradients else {
            throw EngineError.state("no gradients yet: call loss_and_grad before an optimizer step")
        }
        h.optimizer.step()
    }
}

@_cdecl("fcdd_optimizer_get_lr")
public func fcdd_optimizer_get_lr(_ p: OpaquePointer?, _ out: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded { try required(out, "lr_out").pointee = try handle(p).optimizer.learningRate }
}

@_cdecl("fcdd_optimizer_set_lr")
public func fcdd_optimizer_set_lr(_ p: OpaquePointer?, _ lr: Double) -> Int32 {
    guarded {
        guard lr >= 0, lr.isFinite else { throw EngineError.invalidArgument("learning rate must be >= 0, got \(lr)") }
        try handle(p).optimizer.learningRate = lr
    }
}

@_cdecl("fcdd_optimizer_set_schedule")
public func fcdd_optimizer_set_schedule(_ p: OpaquePointer?, _ kind: UnsafePointer<CChar>?, _ gamma: Double,
                                        _ milestones: UnsafePointer<Int32>?, _ count: Int32) -> Int32 {
    guarded {
        let h = try handle(p)
        let schedule: LearningRateSchedule
        switch try string(kind, "kind") {
        case "lambda":
            schedule = .lambda(gamma: gamma)
        case "milestones":
            guard count >= 0, count <= 10_000 else { throw EngineError.invalidArgument("invalid milestone count \(count)") }
            let m = count == 0 ? [] : Array(UnsafeBufferPointer(start: try required(milestones, "milestones"), count: Int(count)))
            schedule = .milestones(gamma: gamma, epochs: m.map(Int.init))
        case let other:
            throw EngineError.invalidArgument("unknown schedule '\(other)'; use lambda or milestones")
        }
        h.scheduler = try Scheduler(h.optimizer, schedule: schedule)
    }
}

@_cdecl("fcdd_optimizer_schedule_step")
public func fcdd_optimizer_schedule_step(_ p: OpaquePointer?) -> Int32 {
    guarded {
        guard let s = try handle(p).scheduler else { throw EngineError.state("no schedule set; call fcdd_optimizer_set_schedule first") }
        s.step()
    }
}
