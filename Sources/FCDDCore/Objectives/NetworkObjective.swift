// What a user does with a network: one training-mode loss and backward pass, image-level anomaly
// scores and pixel-level heatmaps (reference sections 4.5-4.6), with the inputs validated first.

extension Network {
    /// Batches larger than this are scored in pieces to bound memory (eval mode is per-sample).
    static let evalChunk = 64
    /// Bytes of the widest layer output per worker that an eval pass keeps in flight: passes over a few
    /// images at a time keep each layer's output in the core's cache for the next layer, where 64 images
    /// of FCDD_CNN28_W (25 MB per layer) went through memory three times per layer.
    static let evalCacheBytesPerWorker = 1 << 20

    /// Images per eval-mode forward pass: enough for every worker to have its own, and as many more as
    /// fit `evalCacheBytesPerWorker`, at most `evalChunk`.
    var evalImagesPerPass: Int {
        let perImage = max(widestOutputFloatsPerItem * MemoryLayout<Float>.size, 1)
        return min(Network.evalChunk, max(1, Network.evalCacheBytesPerWorker / perImage) * max(Parallel.threads, 1))
    }

    func validateFinite(_ t: Tensor, _ what: String) throws {
        for v in t.data where !v.isFinite {
            throw EngineError.invalidArgument("\(what) contains NaN or infinity")
        }
    }

    /// One training-mode forward and backward pass. Gradients of this batch replace the previous ones.
    /// `labels`: 0 nominal (pulled in), 1 anomalous (pushed out); nil means all 0. `gtmaps`: (N, 1, H, W)
    /// ground-truth maps in [0, 1] (FCDD only). Returns the batch loss. The mode is restored afterwards.
    public func lossAndGradient(_ x: Tensor, labels: [Float]? = nil, gtmaps: Tensor? = nil,
                                objective: Objective? = nil, gaussStd: Double? = nil) throws -> Double {
        try validateInput(x.shape)
        try validateFinite(x, "input")
        let n = x.batch
        let objective = objective ?? self.objective
        guard objective == self.objective else {
            throw EngineError.invalidArgument("objective '\(objective.rawValue)' needs a \(objective.rawValue) network, but \(name) is a \(self.objective.rawValue) network")
        }
        let labels = labels ?? [Float](repeating: 0, count: n)
        guard labels.count == n else {
            throw EngineError.shapeMismatch("\(labels.count) labels for a batch of \(n) images")
        }
        guard labels.allSatisfy({ $0 == 0 || $0 == 1 }) else {
            throw EngineError.invalidArgument("labels must be 0 (nominal) or 1 (anomalous)")
        }
        if let gt = gtmaps {
            guard objective == .fcdd, let _ = reception else {
                throw EngineError.invalidArgument("ground-truth maps are only used by the FCDD objective")
            }
            guard gt.shape == [n, 1, inShape[1], inShape[2]] else {
                throw EngineError.shapeMismatch("gtmaps must be (\(n), 1, \(inShape[1]), \(inShape[2])), got \(gt.shape)")
            }
            guard gt.data.allSatisfy({ $0 >= 0 && $0 <= 1 }) else {
                throw EngineError.invalidArgument("gtmaps must hold values in [0, 1] (1 = anomalous pixel)")
            }
        }
        if let s = gaussStd, !(s > 0 && s.isFinite) {
            throw EngineError.invalidArgument("gauss_std must be a positive number, got \(s)")
        }
        let wasTraining = training
        train()
        defer { setTraining(wasTraining) }
        let out = try forward(x)
        let result: LossAndGradient
        switch objective {
        case .fcdd:
            if let gt = gtmaps, let rec = reception {
                result = try Losses.fcddGroundTruth(output: out, gtmaps: gt, reception: rec, std: gaussStd)
            } else {
                result = Losses.fcdd(output: out, labels: labels, training: true)
            }
        case .hsc:
            result = Losses.hsc(output: out, labels: labels, training: true)
        case .ae:
            result = Losses.ae(output: out, input: x)
        }
        zeroGrad()
        backward(result.dOutput)
        hasGradients = true
        clearCaches()
        return result.loss
    }

    /// Eval-mode forward in chunks; returns the concatenated outputs. The mode is restored afterwards.
    func evalOutputs(_ x: Tensor, _ body: (Tensor, Tensor) throws -> Tensor) throws -> Tensor {
        try validateInput(x.shape)
        try validateFinite(x, "input")
        let wasTraining = training
        eval()
        defer { setTraining(wasTraining); clearCaches() }
        var parts = [Tensor]()
        var start = 0
        while start < x.batch {
            let chunk = x.items(start..<min(x.batch, start + evalImagesPerPass))
            parts.append(try body(chunk, try forward(chunk)))
            start += chunk.batch
        }
        return Tensor.concatenate(parts)
    }

    /// One anomaly score per image, higher is more anomalous: FCDD the mean pseudo-Huber value of the
    /// low-resolution map, HSC the distance `sqrt(||z||^2+1)-1`, AE the mean squared error.
    public func scores(_ x: Tensor) throws -> [Float] {
        try inspect(x, heatmaps: false, gaussStd: nil).scores
    }

    /// Heatmaps (N, 1, H, W) at input resolution: FCDD the pseudo-Huber map upsampled with the
    /// receptive-field Gaussian of std `gaussStd`; HSC the absolute input gradient summed over channels;
    /// AE the channel mean of the squared reconstruction error.
    public func heatmaps(_ x: Tensor, gaussStd: Double?) throws -> Tensor {
        try inspect(x, heatmaps: true, gaussStd: gaussStd).heatmaps!
    }

    /// Scores, raw score maps and (optionally) heatmaps from one eval-mode pass, as the test procedure
    /// needs them together (reference 8.1). `scoreMaps` are FCDD's low-resolution pseudo-Huber maps
    /// (N, 1, h, w) and AE's error maps (N, 1, H, W); HSC has none.
    public func inspect(_ x: Tensor, heatmaps wantMaps: Bool, gaussStd: Double?) throws -> Inspection {
        if let s = gaussStd, !(s > 0 && s.isFinite) {
            throw EngineError.invalidArgument("gauss_std must be a positive number, got \(s)")
        }
        try validateInput(x.shape)
        try validateFinite(x, "input")
        let side = inShape[2], c = inShape[0], hw = inShape[1] * inShape[2]
        var scores = [Float](), maps = [Tensor](), heat = [Tensor]()
        _ = try evalOutputs(x) { input, out in
            let n = out.batch
            switch objective {
            case .fcdd:
                guard let rec = reception else { throw EngineError.state("\(name) has no receptive field") }
                let l = Losses.pseudoHuberMap(out)
                let per = l.itemCount
                scores += (0..<n).map { i in
                    var s = 0.0
                    for k in 0..<per { s += Double(l.data[i * per + k]) }
                    return Float(s / Double(per))
                }
                maps.append(l)
                if wantMaps { heat.append(try ReceptiveUpsampling.upsample(l, reception: rec, outSide: side, std: gaussStd)) }
            case .hsc:
                let dist = Losses.hscDistances(out)
                scores += dist
                if wantMaps {
                    // Gradient of the sum of per-sample distances w.r.t. the input (section 4.6).
                    var dz = out
                    let per = out.itemCount
                    for i in 0..<n { for k in 0..<per { dz.data[i * per + k] /= (dist[i] + 1) } }
                    let gx = backward(dz, needInputGrad: true)
                    zeroGrad()
                    heat.append(channelReduce(gx, channels: c, hw: hw) { abs($0) })
                }
            case .ae:
                let per = out.itemCount
                var err = out
                for i in 0..<n {
                    var s = 0.0
                    for k in 0..<per {
                        let e = out.data[i * per + k] - input.data[i * per + k]
                        s += Double(e) * Double(e)
                        err.data[i * per + k] = e * e / Float(c)
                    }
                    scores.append(Float(s / Double(per)))
                }
                let m = channelReduce(err, channels: c, hw: hw) { $0 }
                maps.append(m)
                if wantMaps { heat.append(m) }
            }
            return Tensor(zeros: [n])
        }
        // Finite weights can still overflow (absurd values in a loaded file): an error that says so, rather
        // than NaN scores that every later step (thresholds, AUROC, maps) would carry on silently.
        if let bad = scores.firstIndex(where: { !$0.isFinite }) {
            throw EngineError.state("\(name) gives the score \(scores[bad]) for image \(bad): its weights make the computation overflow (were they loaded from a damaged or foreign file?)")
        }
        return Inspection(scores: scores, scoreMaps: maps.isEmpty ? nil : Tensor.concatenate(maps),
                          heatmaps: heat.isEmpty ? nil : Tensor.concatenate(heat))
    }

    /// (N, C, H, W) -> (N, 1, H, W) summing `f(value)` over channels.
    private func channelReduce(_ t: Tensor, channels c: Int, hw: Int, _ f: (Float) -> Float) -> Tensor {
        let n = t.batch
        var out = Tensor(zeros: [n, 1, inShape[1], inShape[2]])
        for i in 0..<n {
            for ch in 0..<c {
                for k in 0..<hw { out.data[i * hw + k] += f(t.data[(i * c + ch) * hw + k]) }
            }
        }
        return out
    }
}

/// The result of `Network.inspect`.
public struct Inspection {
    public var scores: [Float]
    public var scoreMaps: Tensor?
    public var heatmaps: Tensor?
}
