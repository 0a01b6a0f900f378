// Decisions through the C ABI: choosing a threshold from scores (or pooled pixel scores) and labels,
// deciding images from their scores and heatmaps (label, regions, masks), and setting a detector's
// thresholds. Pure functions on caller arrays, so they serve the engine's detector, a training
// snapshot's scores and an ONNX runtime's outputs alike. Sizes are checked before memory is read.
import FCDDCore

/// The most scores one call takes (pixel calibration pools every pixel of every image).
private let maxScores: Int64 = 1 << 34

@_cdecl("fcdd_threshold_choose")
public func fcdd_threshold_choose(_ scores: UnsafePointer<Float>?, _ labels: UnsafePointer<UInt8>?, _ n: Int64,
                                  _ method: UnsafePointer<CChar>?, _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64,
                                  _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        guard n >= 1, n <= maxScores else { throw EngineError.invalidArgument("threshold: need 1 to \(maxScores) scores, got n = \(n)") }
        let request = try JSONValue.parse(try string(method, "method_json"))
        let what = request["level"]?.stringValue == "pixel" ? "pixel scores" : "image scores"
        try CheckedAllocation.reserve([Int(n), 2], elementSize: MemoryLayout<Float>.size, what: "\(n) \(what)")
        let values = try floats(scores, Int(n), "scores")
        let labelList = labels.map { Array(UnsafeBufferPointer(start: $0, count: Int(n))).map { $0 == 0 ? UInt8(0) : 1 } }
        let threshold = try ThresholdCalibration.choose(scores: values, labels: labelList, method: try ThresholdMethod(json: request),
                                                        what: what)
        try writeText(threshold.json.serialized(), buf, cap, needed)
    }
}

@_cdecl("fcdd_decide")
public func fcdd_decide(_ scores: UnsafePointer<Float>?, _ maps: UnsafePointer<Float>?, _ n: Int64, _ h: Int32, _ w: Int32,
                        _ thresholds: UnsafePointer<CChar>?, _ minArea: Int64, _ masks: UnsafeMutablePointer<UInt8>?,
                        _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64, _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        guard n >= 1, n <= 1 << 32 else { throw EngineError.invalidArgument("decide: need at least one image, got n = \(n)") }
        guard minArea >= 1, minArea <= Int64(Int32.max) else { throw EngineError.invalidArgument("decide: min_area must be >= 1, got \(minArea)") }
        let chosen: DecisionThresholds
        do { chosen = try DecisionThresholds(json: try JSONValue.parse(try string(thresholds, "thresholds_json")), source: "decide") }
        catch EngineError.format(let why) { throw EngineError.invalidArgument(why) }
        let count = Int(n)
        let scoreList = try floats(scores, count, "scores")
        var mapList: [Float]? = nil, plane = 0
        if maps != nil || masks != nil {
            guard maps != nil else { throw EngineError.invalidArgument("decide: masks need the heatmaps (maps)") }
            guard h >= 1, w >= 1, h <= ArrayImages.maxSide, w <= ArrayImages.maxSide else {
                throw EngineError.invalidArgument("decide: map size \(h) x \(w) is invalid")
            }
            plane = Int(h) * Int(w)
            try CheckedAllocation.reserve([count, plane], elementSize: MemoryLayout<Float>.size + 8, what: "\(n) heatmaps of \(h) x \(w)")
            mapList = try floats(maps, count * plane, "maps")
            if let bad = mapList!.first(where: { !$0.isFinite }) { throw EngineError.invalidArgument("decide: maps contain \(bad)") }
        }
        let maskBuffer = masks.map { UnsafeMutableBufferPointer(start: $0, count: count * plane) }
        let decisions = Decisions.decide(scores: scoreList, maps: mapList, height: Int(h), width: Int(w), thresholds: chosen,
                                         minArea: Int(minArea), masks: maskBuffer)
        try writeText(JSONValue.array(decisions.map { .object($0.fields) }).serialized(), buf, cap, needed)
    }
}

@_cdecl("fcdd_detector_set_thresholds")
public func fcdd_detector_set_thresholds(_ det: OpaquePointer?, _ thresholds: UnsafePointer<CChar>?) -> Int32 {
    guarded {
        let handle = try object(det, DetectorHandle.self, "det")
        do { handle.detector.thresholds = try DecisionThresholds(json: try JSONValue.parse(try string(thresholds, "thresholds_json")), source: "thresholds") }
        catch EngineError.format(let why) { throw EngineError.invalidArgument(why) }
    }
}
