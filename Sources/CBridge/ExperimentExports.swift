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

    /// The last event of a call: the result, marked as a summary and with whether it was stopped.
    func sendSummary(_ result: JSONValue, stopped: Bool) {
        let fields = result.objectValue ?? [("result", result)]
        _ = send(.object([("event", .string("summary")), ("stopped", .bool(stopped))] + fields))
    }
}

@_cdecl("fcdd_experiment_run")
public func fcdd_experiment_run(_ config: UnsafePointer<CChar>?, _ callback: EventCallback?,
                                _ user: UnsafeMutableRawPointer?) -> Int32 {
    guarded {
        let text = try string(config, "config_json")
        let resolved = try Settings.resolve(SettingsRequest(context: .experiment, given: try JSONValue.parse(text),
                                                            environment: SettingsRequest.processEnvironment))
        let sink = EventSink(callback, user)
        let runner = try ExperimentRunner(settings: resolved.settings) { sink.send($0.json) }
        sink.sendSummary(try runner.run(), stopped: runner.stopped)
    }
}

@_cdecl("fcdd_predict_run")
public func fcdd_predict_run(_ request: UnsafePointer<CChar>?, _ callback: EventCallback?,
                             _ user: UnsafeMutableRawPointer?) -> Int32 {
    guarded {
        let text = try string(request, "request_json")
        let parsed = try PredictionRequest(json: try JSONValue.parse(text))
        let sink = EventSink(callback, user)
        let summary = try Prediction.run(parsed) { sink.send($0) }
        sink.sendSummary(summary, stopped: sink.stopRequested)
    }
}
