// A detector fitted on tiles (`tile_size`) scores an image of any size tile by tile at its own
// resolution: every tile of the layout goes through the test transform and the network, batches of tiles
// from one image or several fill the network's calls, the tiles' heatmaps are stitched into the image's
// map (averaged where tiles overlap, TileStitching.swift) and the tiles' scores make the image's score.
// Memory for one image: a batch of tiles, the image as handed over, and its map, stitched straight into
// the output.

extension Detector {
    func inspectTiles(_ images: ArrayImages, _ fitted: (Network, PipelineSpec, [Int], Settings), layout: TileLayout,
                      mapsInto maps: UnsafeMutableBufferPointer<Float>?) throws -> [Float] {
        let (network, spec, _, settings) = fitted
        let size = layout.size, chunk = Detector.inferenceChunk
        try network.reserveWorkingMemory(batch: chunk, training: false)
        let pipeline = try ItemPipeline(spec: spec, training: false)
        // Images smaller than a tile are scored as one tile whose missing pixels repeat the edge.
        let windows = images.uniformSize.map { [layout.windows(of: $0)] } ?? images.sizes.map { layout.windows(of: $0) }
        func windowsOf(_ image: Int) -> [CropWindow] { windows.count == 1 ? windows[0] : windows[image] }
        let tiles = (0..<images.count).flatMap { i in windowsOf(i).map { (image: i, window: $0) } }

        var scores = [Float]()
        scores.reserveCapacity(images.count)
        var tileScores = [Float]()
        var stitcher: TileStitcher? = nil
        // An image smaller than a tile is stitched at one tile's size here, then its part is copied out.
        var padded: UnsafeMutableBufferPointer<Float>? = nil
        defer { padded?.deallocate() }
        var mapStart = 0
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
            let result = try network.inspect(x, heatmaps: maps != nil, gaussStd: settings.gaussStd)
            for (k, tile) in batch.enumerated() {
                let image = images.sizes[tile.image], covered = layout.coveredSize(image)
                if let maps {
                    if stitcher == nil {
                        let own = UnsafeMutableBufferPointer(rebasing: maps[mapStart..<(mapStart + image.pixels)])
                        if covered == image {
                            stitcher = TileStitcher(into: own, height: image.height, width: image.width, layout: layout)
                        } else {
                            try CheckedAllocation.reserve([covered.height, covered.width], elementSize: MemoryLayout<Float>.size,
                                                          what: "the heatmap of an image smaller than a tile")
                            padded?.deallocate()
                            padded = .allocate(capacity: covered.pixels)
                            stitcher = TileStitcher(into: padded!, height: covered.height, width: covered.width, layout: layout)
                        }
                    }
                    stitcher!.add(result.heatmaps!.data[(k * size * size)..<((k + 1) * size * size)], at: tile.window)
                }
                tileScores.append(result.scores[k])
                guard tileScores.count == windowsOf(tile.image).count else { continue }
                // The image's last tile: its score and map are complete.
                scores.append(settings.tileScore.combine(tileScores[...], topK: settings.tileTopK))
                tileScores.removeAll(keepingCapacity: true)
                if let done = stitcher {
                    done.finish()
                    if covered != image {
                        for y in 0..<image.height {
                            for x in 0..<image.width { maps![mapStart + y * image.width + x] = padded![y * covered.width + x] }
                        }
                    }
                    stitcher = nil
                    mapStart += image.pixels
                }
            }
            start += batch.count
        }
        return scores
    }
}
