// A detector fitted on tiles (`tile_size`) scores an image of any size tile by tile at its own
// resolution: every tile of the layout goes through the test transform and the network, batches of tiles
// from one image or several fill the network's calls, the tiles' heatmaps are stitched into the image's
// map (averaged where tiles overlap, TileStitching.swift) and the tiles' scores make the image's score.
// Memory for one image: a batch of tiles, the image as handed over, and its map.

extension Detector {
    func inspectTiles(_ images: ArrayImages, _ fitted: (Network, PipelineSpec, [Int], Settings), layout: TileLayout,
                      maps wantMaps: Bool) throws -> DetectorOutput {
        let (network, spec, _, settings) = fitted
        let size = layout.size, chunk = Detector.inferenceChunk
        try network.reserveWorkingMemory(batch: chunk, training: false)
        let pipeline = try ItemPipeline(spec: spec, training: false)
        // Images smaller than a tile are scored as one tile whose missing pixels repeat the edge.
        let windows = images.uniformSize.map { [layout.windows(of: $0)] } ?? images.sizes.map { layout.windows(of: $0) }
        func windowsOf(_ image: Int) -> [CropWindow] { windows.count == 1 ? windows[0] : windows[image] }
        let tiles = (0..<images.count).flatMap { i in windowsOf(i).map { (image: i, window: $0) } }

        var output = DetectorOutput(scores: [], maps: wantMaps ? [] : nil)
        output.scores.reserveCapacity(images.count)
        var tileScores = [Float](), stitcher: TileStitcher? = nil
        var start = 0
        while start < tiles.count {
            let batch = tiles[start..<min(tiles.count, start + chunk)]
            let inputs = try Parallel.map(batch.count) { k -> [Float] in
                let tile = batch[batch.startIndex + k]
                var raw = images.tile(at: tile.image, tile.window)
                if raw.channels != spec.channels { raw = raw.converted(toChannels: spec.channels) }
                var rng = RandomSource(seed: 0)   // the test transform draws nothing
                return try pipeline(raw, groundTruth: nil, &rng).image.data
            }
            let x = Tensor(shape: [inputs.count] + spec.shape, data: inputs.flatMap { $0 })
            let result = try network.inspect(x, heatmaps: wantMaps, gaussStd: settings.gaussStd)
            for (k, tile) in batch.enumerated() {
                let image = images.sizes[tile.image], covered = layout.coveredSize(image)
                if wantMaps {
                    if stitcher == nil { stitcher = try TileStitcher(height: covered.height, width: covered.width, layout: layout) }
                    stitcher!.add(result.heatmaps!.data[(k * size * size)..<((k + 1) * size * size)], at: tile.window)
                }
                tileScores.append(result.scores[k])
                guard tileScores.count == windowsOf(tile.image).count else { continue }
                // The image's last tile: its score and map are complete.
                output.scores.append(settings.tileScore.combine(tileScores[...], topK: settings.tileTopK))
                tileScores.removeAll(keepingCapacity: true)
                if var done = stitcher {
                    stitcher = nil   // `done` now holds the map's only reference: finishing it copies nothing
                    var map = done.finish()
                    if covered != image {
                        map = Detector.topLeft(map, width: covered.width, height: image.height, keepWidth: image.width)
                    }
                    if output.maps!.isEmpty { output.maps = map } else { output.maps! += map }   // one image: no copy
                }
            }
            start += batch.count
        }
        return output
    }

    /// The top-left `height` x `keepWidth` part of a map `width` pixels wide.
    static func topLeft(_ map: [Float], width: Int, height: Int, keepWidth: Int) -> [Float] {
        (0..<height).flatMap { y in map[(y * width)..<(y * width + keepWidth)] }
    }
}
