// The pictures of one run (reference 8.4-8.6), drawn by the engine as PNG: the loss history, ROC curves,
// the heatmap overview of the test set (`heatmaps_global.png`) and of training samples
// (`train_heatmaps_global.png`), the paper pictures per label, and the dataset preview.

enum RunPictures {
    static func lossCurve(_ history: [EpochRecord], path: String) throws {
        guard !history.isEmpty else { return }
        try StandardPlots.lossHistory(err: history.map { $0.loss }).write(path: path)
    }

    static func rocCurve(_ roc: ROCCurve, path: String, title: String) throws {
        try StandardPlots.roc(roc, title: title).write(path: path)
    }

    static func pictureSettings(_ settings: Settings) -> HeatmapPictureSettings {
        HeatmapPictureSettings(quantile: settings.quantile, maxResolution: settings.resdown, nominalLabel: settings.nominalLabel)
    }

    /// The rows of the pictures for the network family: FCDD/AE anomaly heatmaps against their raw maps,
    /// HSC gradient maps (blurred with `--blur-heatmaps`, reference 4.7; AE rows are never blurred, Q10).
    static func pictureData(inputs: Tensor, labels: [Int], scores: [Float], scoreMaps: Tensor?, heatmaps: Tensor,
                            groundTruth: [Float]?, network: Network, settings: Settings) throws -> HeatmapPictureData {
        let shape = Array(inputs.shape.dropFirst())
        let gt = groundTruth.map { Tensor(shape: [inputs.batch, 1, shape[1], shape[2]], data: $0) }
        let scoresD = scores.map(Double.init)
        switch network.objective {
        case .fcdd, .ae:
            return HeatmapPictureData(inputs: inputs, labels: labels, imageScores: scoresD,
                                      heatmaps: HeatmapRows(maps: heatmaps, reference: scoreMaps ?? heatmaps), groundTruth: gt)
        case .hsc:
            var maps = heatmaps
            if settings.blurHeatmaps { maps = try blurred(maps, network: network, std: settings.gaussStd) }
            return HeatmapPictureData(inputs: inputs, labels: labels, imageScores: scoresD,
                                      gradientHeatmaps: HeatmapRows(maps: maps, reference: heatmaps), groundTruth: gt)
        }
    }

    /// Gaussian blur with the receptive field of the corresponding FCDD net as kernel size (odd).
    static func blurred(_ maps: Tensor, network: Network, std: Double) throws -> Tensor {
        guard let fcdd = network.correspondingFCDD else { return maps }
        let reference = try NetworkRegistry.make(fcdd, inShape: network.inShape, bias: true, seed: 0)
        guard var r = reference.reception?.r else { return maps }
        if r % 2 == 0 { r -= 1 }
        var out = maps
        try GaussianBlur(size: r, sigma: std).apply(&out.data, planes: maps.batch * maps.shape[1],
                                                    height: maps.shape[2], width: maps.shape[3])
        return out
    }

    static func testPictures(_ outputs: TestOutputs, network: Network, settings: Settings, directory: RunDirectory,
                             seed: UInt64) throws {
        let data = try pictureData(inputs: outputs.inputs, labels: outputs.labels, scores: outputs.scores,
                                   scoreMaps: outputs.scoreMaps, heatmaps: outputs.heatmaps,
                                   groundTruth: outputs.groundTruth, network: network, settings: settings)
        var rng = RandomSource(seed: mixSeed(seed, 0x9_1C7))
        if try OverviewPicture.write(data, settings: pictureSettings(settings), directory: directory.path, random: &rng) == nil {
            directory.log("Heatmap 'heatmaps' cannot be generated. For some labels there are too few samples!")
        }
        for picture in try PaperPictures.write(data, settings: pictureSettings(settings), directory: directory.path, random: &rng)
        where picture.normalisation == .local {
            directory.log(PaperPictures.logLine(label: picture.label, indices: picture.indices))
        }
        if let old = settings.vizIds {
            // `--viz-ids`: the same samples as an earlier experiment's paper pictures (reference 8.4 B).
            let runPath = directory.path.split(separator: "/").suffix(2).joined(separator: "/")   // normal_<c>/it_<i>
            let logPath = "\(old)/\(runPath)/log.txt"
            let specific = try vizIndices(logPath: logPath, count: outputs.labels.count)
            let target = directory.file("specific_viz_ids")
            try createDirectories(target)
            try PaperPictures.write(data, settings: pictureSettings(settings), directory: target, specificIndices: specific, random: &rng)
            directory.log("paper pictures for the samples of \(logPath) written to \(target)")
        }
    }

    /// Parses the paper-picture index lines of an earlier run's log.txt.
    static func vizIndices(logPath: String, count: Int) throws -> [Int: [Int]] {
        guard pathExists(logPath) else {
            throw EngineError.notFound("--viz-ids: \(logPath) does not exist (the earlier experiment must have the same classes and repetitions)")
        }
        let text = String(decoding: try readWholeFile(logPath), as: UTF8.self)
        var out = [Int: [Int]]()
        for line in text.split(separator: "\n") where line.contains("Interpretation visualization paper image") {
            let halves = line.split(separator: ":", maxSplits: 1)
            guard halves.count == 2, let labelWord = halves[0].split(separator: " ").last, let label = Int(labelWord) else { continue }
            let indices = halves[1].split(whereSeparator: { $0 == "," || $0 == "[" || $0 == "]" || $0 == " " }).compactMap { Int($0) }
            guard indices.allSatisfy({ $0 >= 0 && $0 < count }) else {
                throw EngineError.invalidArgument("--viz-ids: \(logPath) names samples outside this test set of \(count) images")
            }
            out[label] = indices
        }
        guard !out.isEmpty else { throw EngineError.format("--viz-ids: \(logPath) has no paper-picture index lines") }
        return out
    }

    /// Samples of the training loader (with augmentation and artificial anomalies) until every label has
    /// `perLabel` samples or the epoch ends: the source of `ds_preview.png` and `train_heatmaps_global.png`.
    static func trainingSamples(_ loader: BatchLoader, perLabel: Int = 20) throws -> Batch? {
        var loader = loader   // batch() reuses its arrays when the last batch is gone
        let order = loader.order(epoch: 0)
        var parts = [Batch](), counts = [Float: Int]()
        var b = 0
        while b < loader.batchesPerEpoch {
            let batch = try loader.batch(b, of: order, epoch: 1_000_000)   // a stream of its own
            parts.append(batch)
            for l in batch.labels { counts[l, default: 0] += 1 }
            b += 1
            if counts.count >= 2 && counts.values.allSatisfy({ $0 >= perLabel }) { break }
        }
        return parts.isEmpty ? nil : Batch.concatenate(parts)
    }

    static func trainingPictures(_ loader: BatchLoader, network: Network, settings: Settings,
                                 directory: RunDirectory, seed: UInt64) throws {
        guard let batch = try trainingSamples(loader) else { return }
        let labels = batch.labels.map { Int($0) }
        try DatasetPreview.renderCaptioned(inputs: batch.images, labels: labels, groundTruth: batch.groundTruth,
                                           nominalLabel: settings.nominalLabel).write(path: directory.file("ds_preview.png"))
        let result = try network.inspect(batch.images, heatmaps: true, gaussStd: settings.gaussStd)
        let data = try pictureData(inputs: batch.images, labels: labels, scores: result.scores, scoreMaps: result.scoreMaps,
                                   heatmaps: result.heatmaps!, groundTruth: batch.groundTruth?.data, network: network,
                                   settings: settings)
        var rng = RandomSource(seed: mixSeed(seed, 0x7_2A1))
        if try OverviewPicture.write(data, settings: pictureSettings(settings), directory: directory.path, name: "train_heatmaps",
                                     random: &rng) == nil {
            directory.log("Heatmap 'train_heatmaps' cannot be generated. For some labels there are too few samples!")
        }
    }
}
