// Network functions of the C ABI: create/free, describe, mode, state, forward, loss and gradients,
// scores, heatmaps, save/load.
import FCDDCore

private func handle(_ p: OpaquePointer?) throws -> NetworkHandle { try object(p, NetworkHandle.self, "net") }

private func gaussStd(_ std: Double) throws -> Double? {
    guard std.isFinite else { throw EngineError.invalidArgument("gauss_std must be finite") }
    return std > 0 ? std : nil
}

private func copyOut(_ t: Tensor, _ out: UnsafeMutablePointer<Float>?, _ count: Int64, _ what: String) throws {
    try checkCount(count, t.count, what)
    let out = try required(out, what)
    t.data.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: t.count) }
}

private func stateEntry(_ net: Network, _ key: String) throws -> (name: String, entry: StateEntry) {
    guard let e = net.stateEntries.first(where: { $0.name == key }) else {
        throw EngineError.notFound("\(net.name) has no parameter or buffer named '\(key)'")
    }
    return e
}

@_cdecl("fcdd_network_create")
public func fcdd_network_create(_ name: UnsafePointer<CChar>?, _ c: Int32, _ h: Int32, _ w: Int32, _ bias: Int32,
                                _ seed: UInt64, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded {
        try deliver(out) {
            NetworkHandle(try NetworkRegistry.make(try string(name, "name"), inShape: [Int(c), Int(h), Int(w)],
                                                   bias: bias != 0, seed: seed))
        }
    }
}

@_cdecl("fcdd_network_free")
public func fcdd_network_free(_ net: OpaquePointer?) { release(net, NetworkHandle.self) }

@_cdecl("fcdd_network_describe")
public func fcdd_network_describe(_ p: OpaquePointer?, _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64,
                                  _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let net = try handle(p).net
        func ints(_ a: [Int]) -> JSONValue { .array(a.map { .number(Double($0)) }) }
        let reception: JSONValue = net.reception.map {
            .object([("n", .number(Double($0.n))), ("j", .number(Double($0.j))), ("r", .number(Double($0.r))),
                     ("s", .number($0.s))])
        } ?? .null
        let state: [JSONValue] = net.stateEntries.map { name, entry in
            var fields: [(String, JSONValue)] = [("name", .string(name)), ("shape", ints(entry.tensor.shape))]
            switch entry {
            case .parameter(let p):
                fields += [("kind", .string("parameter")), ("trainable", .bool(p.trainable)), ("dtype", .string("F32"))]
            case .buffer(let b):
                fields += [("kind", .string("buffer")), ("trainable", .bool(false)),
                           ("dtype", .string(b.isInteger ? "I64" : "F32"))]
            }
            return .object(fields)
        }
        let json: JSONValue = .object([
            ("name", .string(net.name)), ("kind", .string(net.objective.rawValue)),
            ("in_shape", ints(net.inShape)), ("out_shape", ints(net.outItemShape)),
            ("bias", .bool(net.bias)), ("training", .bool(net.training)),
            ("reception", reception), ("parameter_count", .number(Double(net.parameterCount))),
            ("corresponding_fcdd", net.correspondingFCDD.map { .string($0) } ?? .null),
            ("state", .array(state)),
        ])
        try writeText(json.serialized(), buf, cap, needed)
    }
}

@_cdecl("fcdd_network_set_training")
public func fcdd_network_set_training(_ p: OpaquePointer?, _ training: Int32) -> Int32 {
    guarded { try handle(p).net.setTraining(training != 0) }
}

@_cdecl("fcdd_network_get_state")
public func fcdd_network_get_state(_ p: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Float>?,
                                   _ count: Int64) -> Int32 {
    guarded {
        let net = try handle(p).net
        let key = try string(name, "name")
        let e = try stateEntry(net, key)
        try copyOut(e.entry.tensor, out, count, "'\(key)'")
    }
}

@_cdecl("fcdd_network_set_state")
public func fcdd_network_set_state(_ p: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ values: UnsafePointer<Float>?,
                                   _ count: Int64) -> Int32 {
    guarded {
        let net = try handle(p).net
        let key = try string(name, "name")
        let e = try stateEntry(net, key)
        try checkCount(count, e.entry.tensor.count, "'\(key)'")
        try net.setState(key, try floats(values, Int(count), "values"))
    }
}

@_cdecl("fcdd_network_get_grad")
public func fcdd_network_get_grad(_ p: OpaquePointer?, _ name: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<Float>?,
                                  _ count: Int64) -> Int32 {
    guarded {
        let net = try handle(p).net
        let key = try string(name, "name")
        guard let e = net.namedParameters.first(where: { $0.name == key }) else {
            throw EngineError.notFound("\(net.name) has no parameter named '\(key)'")
        }
        try copyOut(e.parameter.grad, out, count, "gradient of '\(key)'")
    }
}

@_cdecl("fcdd_network_forward")
public func fcdd_network_forward(_ p: OpaquePointer?, _ x: UnsafePointer<Float>?, _ n: Int64,
                                 _ out: UnsafeMutablePointer<Float>?, _ outCount: Int64) -> Int32 {
    guarded {
        let net = try handle(p).net
        try checkCount(outCount, Int(max(n, 0)) * net.outItemShape.reduce(1, *), "out")
        let input = try batch(x, n, for: net)
        for v in input.data where !v.isFinite { throw EngineError.invalidArgument("input contains NaN or infinity") }
        let y = try net.forward(input)
        net.clearCaches()
        try copyOut(y, out, outCount, "out")
    }
}

@_cdecl("fcdd_network_loss_and_grad")
public func fcdd_network_loss_and_grad(_ p: OpaquePointer?, _ x: UnsafePointer<Float>?, _ n: Int64,
                                       _ labels: UnsafePointer<Float>?, _ gtmaps: UnsafePointer<Float>?,
                                       _ objective: UnsafePointer<CChar>?, _ std: Double,
                                       _ lossOut: UnsafeMutablePointer<Double>?) -> Int32 {
    guarded {
        let net = try handle(p).net
        let lossOut = try required(lossOut, "loss_out")
        let input = try batch(x, n, for: net)
        let y = labels.map { Array(UnsafeBufferPointer(start: $0, count: Int(n))) }
        let gt = gtmaps.map { Tensor(shape: [Int(n), 1, net.inShape[1], net.inShape[2]],
                                     data: Array(UnsafeBufferPointer(start: $0, count: Int(n) * net.inShape[1] * net.inShape[2]))) }
        var obj: Objective? = nil
        if let objective {
            let s = String(cString: objective)
            guard let o = Objective(rawValue: s) else {
                throw EngineError.invalidArgument("unknown objective '\(s)'; use fcdd, hsc or ae")
            }
            obj = o
        }
        lossOut.pointee = try net.lossAndGradient(input, labels: y, gtmaps: gt, objective: obj, gaussStd: try gaussStd(std))
    }
}

@_cdecl("fcdd_network_scores")
public func fcdd_network_scores(_ p: OpaquePointer?, _ x: UnsafePointer<Float>?, _ n: Int64,
                                _ out: UnsafeMutablePointer<Float>?) -> Int32 {
    guarded {
        let net = try handle(p).net
        let out = try required(out, "scores_out")
        let s = try net.scores(try batch(x, n, for: net))
        s.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: s.count) }
    }
}

@_cdecl("fcdd_network_heatmaps")
public func fcdd_network_heatmaps(_ p: OpaquePointer?, _ x: UnsafePointer<Float>?, _ n: Int64, _ std: Double,
                                  _ out: UnsafeMutablePointer<Float>?, _ outCount: Int64) -> Int32 {
    guarded {
        let net = try handle(p).net
        try checkCount(outCount, Int(max(n, 0)) * net.inShape[1] * net.inShape[2], "out")
        let maps = try net.heatmaps(try batch(x, n, for: net), gaussStd: try gaussStd(std))
        try copyOut(maps, out, outCount, "out")
    }
}

@_cdecl("fcdd_network_save")
public func fcdd_network_save(_ p: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    guarded { try handle(p).net.save(path: try string(path, "path")) }
}

@_cdecl("fcdd_network_load")
public func fcdd_network_load(_ p: OpaquePointer?, _ path: UnsafePointer<CChar>?) -> Int32 {
    guarded { try handle(p).net.load(path: try string(path, "path")) }
}
