// Scores and heatmaps of new images: the test transform of the fitted data (images of another size are
// first resized to it), the network in eval mode, and heatmaps brought back to the images' resolution.
// A detector fitted on tiles scores every tile of an image instead (Tiling/TileScoring.swift).

/// Scores (higher = more anomalous) and, when asked for, heatmaps at the images' sizes, one after the
/// other (N x H x W for images of one size).
public struct DetectorOutput {
    public var scores: [Float]
    public var maps: [Float]?
}

extension Detector {
    /// Images per network call: bounds the memory of preprocessed inputs for large sets.
    static let inferenceChunk = 64

    public func inspect(_ images: ArrayImages, maps wantMaps: Bool) throws -> DetectorOutput {
        guard wantMaps else { return DetectorOutput(scores: try inspect(images, mapsInto: nil), maps: nil) }
        try CheckedAllocation.reserve([images.totalPixels], elementSize: MemoryLayout<Float>.size, what: "the heatmaps")
        var maps = [Float](repeating: 0, count: images.totalPixels)
        let scores = try maps.withUnsafeMutableBufferPointer { try inspect(images, mapsInto: $0) }
        return DetectorOutput(scores: scores, maps: maps)
    }

    /// Scores, with the heatmaps written into `maps` when given (one value per pixel of the images, each
    /// image's map after the one before): the caller's buffer of the C ABI, so a map is written once.
    public func inspect(_ images: ArrayImages, mapsInto maps: UnsafeMutableBufferPointer<Float>?) throws -> [Float] {
        let fitted = try requireFitted()
        if let maps, maps.count != images.totalPixels {
            throw EngineError.shapeMismatch("the heatmap buffer holds \(maps.count) values, not one per pixel of the images")
        }
        return try EngineRuntime.using(threads: threads ?? fitted.3.threads) { try inspect(images, fitted, mapsInto: maps) }
    }

    func inspect(_ images: ArrayImages, _ fitted: (Network, PipelineSpec, [Int], Settings),
                 mapsInto maps: UnsafeMutableBufferPointer<Float>?) throws -> [Float] {
        let (network, spec, dataShape, settings) = fitted
        guard images.channels == dataShape[0] else {
            throw EngineError.shapeMismatch("the detector was fitted on \(dataShape[0])-channel images; got \(images.channels)-channel images")
        }
        if let tiles = try TileScoring(settings: settings) {
            return try tiles.inspect(images, network: network, spec: spec, gaussStd: settings.gaussStd, mapsInto: maps)
        }
        try network.reserveWorkingMemory(batch: min(images.count, Detector.inferenceChunk), training: false)
        let pipeline = try ItemPipeline(spec: spec, training: false)
        let source = ArrayImageSource(images, channels: spec.channels)
        let (rawH, rawW) = (spec.rawShape[1], spec.rawShape[2])
        let side = spec.shape[1]
        var scores = [Float]()
        scores.reserveCapacity(images.count)
        var mapStart = 0
        var start = 0
        while start < images.count {
            let end = min(images.count, start + Detector.inferenceChunk), first = start
            let inputs = try Parallel.map(end - first) { k -> [Float] in
                var image = try source.image(at: first + k)
                if image.height != rawH || image.width != rawW {
                    image = try image.resized(to: .exact(height: rawH, width: rawW))
                }
                var rng = RandomSource(seed: 0)   // the test transform draws nothing
                return try pipeline(image, groundTruth: nil, &rng).image.data
            }
            let x = Tensor(shape: [inputs.count] + spec.shape, data: inputs.flatMap { $0 })
            let result = try network.inspect(x, heatmaps: maps != nil, gaussStd: settings.gaussStd)
            scores += result.scores
            if let maps, let heat = result.heatmaps {
                for k in 0..<inputs.count {
                    let map = heat.data[(k * side * side)..<((k + 1) * side * side)]
                    let size = images.sizes[first + k]
                    let out = UnsafeMutableBufferPointer(rebasing: maps[mapStart..<(mapStart + size.pixels)])
                    if side == size.height && side == size.width {
                        _ = out.update(fromContentsOf: map)
                    } else {
                        _ = out.update(fromContentsOf: MapResize.bilinear(Array(map), height: side, width: side,
                                                                           toHeight: size.height, toWidth: size.width))
                    }
                    mapStart += size.pixels
                }
            }
            start = end
        }
        return scores
    }
}

/// Resizing of float maps as PyTorch's `F.interpolate(mode="bilinear", align_corners=False)`.
enum MapResize {
    static func bilinear(_ map: [Float], height: Int, width: Int, toHeight outH: Int, toWidth outW: Int) -> [Float] {
        let rows = weights(input: height, output: outH), cols = weights(input: width, output: outW)
        var out = [Float](repeating: 0, count: outH * outW)
        for y in 0..<outH {
            let (y0, y1, wy) = rows[y]
            for x in 0..<outW {
                let (x0, x1, wx) = cols[x]
                let top = map[y0 * width + x0] * (1 - wx) + map[y0 * width + x1] * wx
                let bottom = map[y1 * width + x0] * (1 - wx) + map[y1 * width + x1] * wx
                out[y * outW + x] = top * (1 - wy) + bottom * wy
            }
        }
        return out
    }

    /// Source indices and the weight of the second one per output position (torch's
    /// `area_pixel_compute_source_index` with align_corners=False, clamped at 0).
    static func weights(input: Int, output: Int) -> [(Int, Int, Float)] {
        let scale = Float(input) / Float(output)
        return (0..<output).map { d in
            let src = max(scale * (Float(d) + 0.5) - 0.5, 0)
            let i0 = min(Int(src), input - 1)
            let i1 = min(i0 + 1, input - 1)
            return (i0, i1, src - Float(i0))
        }
    }
}
