// The in-memory detector (`fs.FCDD`) through the C ABI: create from settings, fit on 8-bit image
// blocks with events, score / heatmaps, describe, save and load; plus the evaluation metrics and heatmap
// overlays that work on arrays. Sizes are checked before any caller memory is read.
import FCDDCore

final class DetectorHandle {
    let detector: Detector
    /// The caller's fields stored with the model (threshold, ...), as loaded or last saved.
    var extra: JSONValue
    init(_ detector: Detector, extra: JSONValue = .null) { self.detector = detector; self.extra = extra }
}

/// An image block (n, c, h, w) of 8-bit values from the caller, with optional (n, h, w) masks.
private func imageBlock(_ pixels: UnsafePointer<UInt8>?, _ n: Int64, _ c: Int32, _ h: Int32, _ w: Int32,
                        masks: UnsafePointer<UInt8>? = nil, _ what: String) throws -> ArrayImages {
    guard n >= 1 else { throw EngineError.invalidArgument("\(what): no images (n = \(n))") }
    guard c == 1 || c == 3 else { throw EngineError.invalidArgument("\(what): images must have 1 or 3 channels, got \(c)") }
    guard h >= 1, w >= 1 else { throw EngineError.invalidArgument("\(what): image size \(h) x \(w) must be positive") }
    return try ArrayImages(copying: try required(pixels, what), count: Int(n), channels: Int(c), height: Int(h), width: Int(w), masks: masks)
}

/// Images of their own sizes (n, c, heights[k] x widths[k] each, one after the other), with optional masks.
private func imageList(_ pixels: UnsafePointer<UInt8>?, _ n: Int64, _ c: Int32, _ heights: UnsafePointer<Int32>?,
                       _ widths: UnsafePointer<Int32>?, masks: UnsafePointer<UInt8>? = nil, _ what: String) throws -> ArrayImages {
    guard n >= 1, n <= 1 << 32 else { throw EngineError.invalidArgument("\(what): no images (n = \(n))") }
    guard c == 1 || c == 3 else { throw EngineError.invalidArgument("\(what): images must have 1 or 3 channels, got \(c)") }
    let hs = UnsafeBufferPointer(start: try required(heights, "heights"), count: Int(n))
    let ws = UnsafeBufferPointer(start: try required(widths, "widths"), count: Int(n))
    let sizes = zip(hs, ws).map { ImageSize(height: Int($0), width: Int($1)) }
    return try ArrayImages(copying: try required(pixels, what), channels: Int(c), sizes: sizes, masks: masks)
}

private func fit(_ det: OpaquePointer?, _ images: () throws -> ArrayImages, _ labels: UnsafePointer<Int32>?,
                 _ oe: UnsafePointer<UInt8>?, _ oeN: Int64, _ oeC: Int32, _ oeH: Int32, _ oeW: Int32,
                 _ callback: EventCallback?, _ user: UnsafeMutableRawPointer?) throws {
    let handle = try object(det, DetectorHandle.self, "det")
    let block = try images()
    let labelList = labels.map { Array(UnsafeBufferPointer(start: $0, count: block.count)).map(Int.init) }
    let outliers = oe == nil && oeN == 0 ? nil : try imageBlock(oe, oeN, oeC, oeH, oeW, "oe_data")
    let sink = EventSink(callback, user)
    try handle.detector.fit(block, labels: labelList, outliers: outliers) { sink.send($0) }
}

private func infer(_ det: OpaquePointer?, _ images: () throws -> ArrayImages, _ scores: UnsafeMutablePointer<Float>?,
                   _ maps: UnsafeMutablePointer<Float>?) throws {
    let handle = try object(det, DetectorHandle.self, "det")
    let scoresOut = try required(scores, "scores")
    let block = try images()
    // The heatmaps are written straight into the caller's buffer (one value per pixel of the images).
    let mapsOut = maps.map { UnsafeMutableBufferPointer(start: $0, count: block.totalPixels) }
    let result = try handle.detector.inspect(block, mapsInto: mapsOut)
    result.withUnsafeBufferPointer { scoresOut.update(from: $0.baseAddress!, count: $0.count) }
}

@_cdecl("fcdd_detector_create")
public func fcdd_detector_create(_ settings: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let given = try JSONValue.parse(try string(settings, "settings_json"))
        out.pointee = retain(DetectorHandle(try Detector(given: given)))
    }
}

@_cdecl("fcdd_detector_free")
public func fcdd_detector_free(_ det: OpaquePointer?) {
    release(det, DetectorHandle.self)
}

@_cdecl("fcdd_detector_fit")
public func fcdd_detector_fit(_ det: OpaquePointer?, _ images: UnsafePointer<UInt8>?, _ n: Int64, _ c: Int32, _ h: Int32,
                              _ w: Int32, _ labels: UnsafePointer<Int32>?, _ masks: UnsafePointer<UInt8>?,
                              _ oe: UnsafePointer<UInt8>?, _ oeN: Int64, _ oeC: Int32, _ oeH: Int32, _ oeW: Int32,
                              _ callback: EventCallback?, _ user: UnsafeMutableRawPointer?) -> Int32 {
    guarded {
        try fit(det, { try imageBlock(images, n, c, h, w, masks: masks, "images") }, labels, oe, oeN, oeC, oeH, oeW, callback, user)
    }
}

@_cdecl("fcdd_detector_fit_sizes")
public func fcdd_detector_fit_sizes(_ det: OpaquePointer?, _ images: UnsafePointer<UInt8>?, _ n: Int64, _ c: Int32,
                                    _ heights: UnsafePointer<Int32>?, _ widths: UnsafePointer<Int32>?,
                                    _ labels: UnsafePointer<Int32>?, _ masks: UnsafePointer<UInt8>?,
                                    _ oe: UnsafePointer<UInt8>?, _ oeN: Int64, _ oeC: Int32, _ oeH: Int32, _ oeW: Int32,
                                    _ callback: EventCallback?, _ user: UnsafeMutableRawPointer?) -> Int32 {
    guarded {
        try fit(det, { try imageList(images, n, c, heights, widths, masks: masks, "images") }, labels, oe, oeN, oeC, oeH, oeW, callback, user)
    }
}

@_cdecl("fcdd_detector_infer")
public func fcdd_detector_infer(_ det: OpaquePointer?, _ images: UnsafePointer<UInt8>?, _ n: Int64, _ c: Int32, _ h: Int32,
                                _ w: Int32, _ scores: UnsafeMutablePointer<Float>?, _ maps: UnsafeMutablePointer<Float>?) -> Int32 {
    guarded { try infer(det, { try imageBlock(images, n, c, h, w, "images") }, scores, maps) }
}

@_cdecl("fcdd_detector_infer_sizes")
public func fcdd_detector_infer_sizes(_ det: OpaquePointer?, _ images: UnsafePointer<UInt8>?, _ n: Int64, _ c: Int32,
                                      _ heights: UnsafePointer<Int32>?, _ widths: UnsafePointer<Int32>?,
                                      _ scores: UnsafeMutablePointer<Float>?, _ maps: UnsafeMutablePointer<Float>?) -> Int32 {
    guarded { try infer(det, { try imageList(images, n, c, heights, widths, "images") }, scores, maps) }
}

@_cdecl("fcdd_detector_describe")
public func fcdd_detector_describe(_ det: OpaquePointer?, _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64,
                                   _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let handle = try object(det, DetectorHandle.self, "det")
        var fields = handle.detector.json.objectValue ?? []
        fields.append(("user", handle.extra))
        try writeText(JSONValue.object(fields).serialized(), buf, cap, needed)
    }
}

@_cdecl("fcdd_detector_save")
public func fcdd_detector_save(_ det: OpaquePointer?, _ path: UnsafePointer<CChar>?, _ extra: UnsafePointer<CChar>?) -> Int32 {
    guarded {
        let handle = try object(det, DetectorHandle.self, "det")
        let fields = extra == nil ? JSONValue.null : try JSONValue.parse(String(cString: extra!))
        try handle.detector.save(path: try string(path, "path"), extra: fields)
        handle.extra = fields
    }
}

@_cdecl("fcdd_detector_load")
public func fcdd_detector_load(_ path: UnsafePointer<CChar>?, _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded {
        let out = try required(out, "out")
        let (detector, extra) = try Detector.load(path: try string(path, "path"))
        out.pointee = retain(DetectorHandle(detector, extra: extra))
    }
}

@_cdecl("fcdd_detector_to_bytes")
public func fcdd_detector_to_bytes(_ det: OpaquePointer?, _ extra: UnsafePointer<CChar>?,
                                   _ data: UnsafeMutablePointer<UnsafeMutablePointer<UInt8>?>?,
                                   _ nbytes: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let handle = try object(det, DetectorHandle.self, "det")
        let json = extra == nil ? JSONValue.null : try JSONValue.parse(try string(extra, "extra_json"))
        try handOut(try handle.detector.encoded(extra: json), data, nbytes)
    }
}

@_cdecl("fcdd_detector_from_bytes")
public func fcdd_detector_from_bytes(_ data: UnsafePointer<UInt8>?, _ nbytes: Int64, _ source: UnsafePointer<CChar>?,
                                     _ out: UnsafeMutablePointer<OpaquePointer?>?) -> Int32 {
    guarded {
        let (detector, extra) = try Detector.load(try callerBytes(data, nbytes, source))
        try deliver(out) { DetectorHandle(detector, extra: extra) }
    }
}

@_cdecl("fcdd_detector_set_threads")
public func fcdd_detector_set_threads(_ det: OpaquePointer?, _ threads: Int32) -> Int32 {
    guarded {
        let handle = try object(det, DetectorHandle.self, "det")
        let count: Int? = threads == 0 ? nil : Int(threads)
        try EngineRuntime.checkThreads(count)
        handle.detector.threads = count
    }
}

@_cdecl("fcdd_evaluate")
public func fcdd_evaluate(_ scores: UnsafePointer<Float>?, _ labels: UnsafePointer<Int32>?, _ n: Int64,
                          _ maps: UnsafePointer<Float>?, _ masks: UnsafePointer<UInt8>?, _ h: Int32, _ w: Int32,
                          _ proLimit: Double, _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64,
                          _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let sizes = n >= 1 && n <= 1 << 32 ? [ImageSize](repeating: ImageSize(height: Int(h), width: Int(w)), count: Int(n)) : []
        try evaluate(scores, labels, n, maps, masks, sizes, proLimit, buf, cap, needed)
    }
}

@_cdecl("fcdd_evaluate_sizes")
public func fcdd_evaluate_sizes(_ scores: UnsafePointer<Float>?, _ labels: UnsafePointer<Int32>?, _ n: Int64,
                                _ maps: UnsafePointer<Float>?, _ masks: UnsafePointer<UInt8>?,
                                _ heights: UnsafePointer<Int32>?, _ widths: UnsafePointer<Int32>?, _ proLimit: Double,
                                _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64, _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        var sizes = [ImageSize]()
        if n >= 1, n <= 1 << 32, maps != nil || masks != nil {
            let hs = UnsafeBufferPointer(start: try required(heights, "heights"), count: Int(n))
            let ws = UnsafeBufferPointer(start: try required(widths, "widths"), count: Int(n))
            sizes = zip(hs, ws).map { ImageSize(height: Int($0), width: Int($1)) }
        }
        try evaluate(scores, labels, n, maps, masks, sizes, proLimit, buf, cap, needed)
    }
}

/// The metrics of n images whose maps and masks (when given) have the given sizes, one after the other.
private func evaluate(_ scores: UnsafePointer<Float>?, _ labels: UnsafePointer<Int32>?, _ n: Int64,
                      _ maps: UnsafePointer<Float>?, _ masks: UnsafePointer<UInt8>?, _ sizes: [ImageSize],
                      _ proLimit: Double, _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64,
                      _ needed: UnsafeMutablePointer<Int64>?) throws {
    guard n >= 1, n <= 1 << 32 else { throw EngineError.invalidArgument("evaluate: need at least one image, got n = \(n)") }
    let count = Int(n)
    let scoreList = try floats(scores, count, "scores")
    let labelList = Array(UnsafeBufferPointer(start: try required(labels, "labels"), count: count)).map(Int.init)
    var planes: ScorePlanes? = nil, gt: [GroundTruthMask]? = nil
    if maps != nil || masks != nil {
        guard let maps, let masks else { throw EngineError.invalidArgument("evaluate: maps and masks go together") }
        var total = 0
        for size in sizes {
            guard size.height >= 1, size.width >= 1, size.height <= ArrayImages.maxSide, size.width <= ArrayImages.maxSide,
                  case let (sum, overflow) = total.addingReportingOverflow(size.pixels), !overflow else {
                throw EngineError.invalidArgument("evaluate: map size \(size.height) x \(size.width) is invalid")
            }
            total = sum
        }
        planes = try ScorePlanes(values: Array(UnsafeBufferPointer(start: maps, count: total)), sizes: sizes)
        var start = 0
        gt = try sizes.map { size in
            defer { start += size.pixels }
            return try GroundTruthMask(height: size.height, width: size.width,
                                       mask: UnsafeBufferPointer(start: masks + start, count: size.pixels).map { $0 == 0 ? 0 : 1 })
        }
    }
    let result = try DetectorMetrics.evaluate(scores: scoreList, labels: labelList, maps: planes, masks: gt, proLimit: proLimit)
    try writeText(result.serialized(), buf, cap, needed)
}

@_cdecl("fcdd_overlay")
public func fcdd_overlay(_ images: UnsafePointer<UInt8>?, _ maps: UnsafePointer<Float>?, _ n: Int64, _ c: Int32, _ h: Int32,
                         _ w: Int32, _ quantile: Double, _ global: Int32, _ alpha: Double, _ out: UnsafeMutablePointer<UInt8>?) -> Int32 {
    guarded {
        let block = try imageBlock(images, n, c, h, w, "images")
        let out = try required(out, "out")
        let quantile = quantile.isNaN ? HeatmapOverlay.defaultQuantile : quantile   // NaN: the engine's default
        guard quantile > 0, quantile <= 1 else { throw EngineError.invalidArgument("overlay: quantile must be in (0, 1], got \(quantile)") }
        let plane = Int(h) * Int(w)   // a block of one size (imageBlock checked it)
        let heat = try floats(maps, block.count * plane, "maps")
        guard heat.allSatisfy({ $0.isFinite }) else { throw EngineError.invalidArgument("overlay: maps contain NaN or infinity") }
        let reference = global != 0 ? Tensor(shape: [block.count, 1, Int(h), Int(w)], data: heat) : nil
        for i in 0..<block.count {
            let image = try block.image(at: i)
            let picture = try HeatmapOverlay.render(
                image: Tensor(shape: [image.channels, image.height, image.width], data: image.pixels.map { Float($0) / 255 }),
                heatmap: Tensor(shape: [plane], data: Array(heat[(i * plane)..<((i + 1) * plane)])),
                quantile: quantile, reference: reference, alpha: Float(alpha), stretchImage: false)
            let bytes = try picture.png().pixels
            bytes.withUnsafeBufferPointer { (out + i * plane * 3).update(from: $0.baseAddress!, count: plane * 3) }
        }
    }
}
