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

@_cdecl("fcdd_experiment_plan")
public func fcdd_experiment_plan(_ request: UnsafePointer<CChar>?, _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64,
                                 _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let given = try JSONValue.parse(try string(request, "request_json"))
        guard given.objectValue != nil else { throw EngineError.invalidArgument("request_json must be a JSON object") }
        let plan = try ExperimentPlan.make(try PlanRequest(json: given))
        try writeText(plan.json.serialized(), buf, cap, needed)
    }
}

@_cdecl("fcdd_experiment_run_one")
public func fcdd_experiment_run_one(_ request: UnsafePointer<CChar>?, _ callback: EventCallback?,
                                    _ user: UnsafeMutableRawPointer?) -> Int32 {
    guarded {
        let parsed = try ExperimentTaskRequest(json: try JSONValue.parse(try string(request, "request_json")))
        let (c, i) = try parsed.run()
        let sink = EventSink(callback, user)
        let runner = try ExperimentRunner(settings: parsed.settings, directory: parsed.directory) { sink.send($0.json) }
        let result = try runner.runSingle(nominalClass: c, iteration: i, resume: parsed.resume)
        sink.sendSummary(result.json, stopped: runner.stopped)
    }
}

@_cdecl("fcdd_experiment_summarize")
public func fcdd_experiment_summarize(_ request: UnsafePointer<CChar>?, _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64,
                                      _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let parsed = try ExperimentTaskRequest(json: try JSONValue.parse(try string(request, "request_json")))
        let runner = try ExperimentRunner(settings: parsed.settings, directory: parsed.directory) { _ in true }
        try writeText(try runner.summarizeFinishedRuns().serialized(), buf, cap, needed)
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

@_cdecl("fcdd_calibrate_run")
public func fcdd_calibrate_run(_ request: UnsafePointer<CChar>?, _ callback: EventCallback?,
                               _ user: UnsafeMutableRawPointer?) -> Int32 {
    guarded {
        let parsed = try CalibrationRequest(json: try JSONValue.parse(try string(request, "request_json")))
        let sink = EventSink(callback, user)
        let summary = try Calibration.run(parsed) { sink.send($0) }
        sink.sendSummary(summary, stopped: sink.stopRequested)
    }
}
