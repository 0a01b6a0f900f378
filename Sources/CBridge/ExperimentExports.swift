// Long-running calls of the C ABI: a whole training experiment and prediction with a snapshot. Events
// go to the caller's callback as JSON; the callback's return value is how Ctrl-C reaches the engine.
import FCDDCore

public typealias EventCallback = @convention(c) (UnsafePointer<CChar>?, UnsafeMutableRawPointer?) -> Int32

/// Delivers events; remembers a stop request so every later event also reports "stop".
final class EventSink {
    let callback: EventCallback?
    let user: UnsafeMutableRawPointer?
    private(set) var stopRequested = false

    init(_ callback: EventCallback?, _ user: UnsafeMutableRawPointer?) { self.callback = callback; self.user = user }

    func send(_ event: JSONValue) -> Bool {
        guard let callback = callback else { return !stopRequested }
        let keepGoing = event.serialized().withCString { callback($0, user) } == 0
        if !keepGoing { stopRequested = true }
        return !stopRequested
    }
}

@_cdecl("fcdd_experiment_run")
public func fcdd_experiment_run(_ config: UnsafePointer<CChar>?, _ callback: EventCallback?,
                                _ user: UnsafeMutableRawPointer?) -> Int32 {
    guarded {
        let text = try string(config, "config_json")
        let parsed = try ExperimentConfig(json: try JSONValue.parse(text))
        let sink = EventSink(callback, user)
        let runner = ExperimentRunner(config: parsed) { sink.send($0.json) }
        var summary = try runner.run()
        if case .object(var o) = summary {
            o.insert(("stopped", .bool(runner.stopped)), at: 0)
            o.insert(("event", .string("summary")), at: 0)
            summary = .object(o)
        }
        _ = sink.send(summary)
    }
}

@_cdecl("fcdd_predict_run")
public func fcdd_predict_run(_ request: UnsafePointer<CChar>?, _ callback: EventCallback?,
                             _ user: UnsafeMutableRawPointer?) -> Int32 {
    guarded {
        let text = try string(request, "request_json")
        let parsed = try PredictionRequest(json: try JSONValue.parse(text))
        let sink = EventSink(callback, user)
        var summary = try Prediction.run(parsed) { sink.send($0) }
        if case .object(var o) = summary {
            o.insert(("stopped", .bool(sink.stopRequested)), at: 0)
            o.insert(("event", .string("summary")), at: 0)
            summary = .object(o)
        }
        _ = sink.send(summary)
    }
}
