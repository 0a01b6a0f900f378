// Area under the per-region-overlap curve (Bergmann et al., "The MVTec Anomaly Detection Dataset",
// IJCV 2021, and its evaluation code `pro_curve_util.py` / `generic_util.trapezoid`):
// * every connected component of every ground-truth map is one region; components use 8-connectivity
//   (a 3 x 3 structuring element, as the MVTec evaluation code passes to `scipy.ndimage.label`), so a
//   defect drawn with diagonal strokes stays one region;
// * for a threshold t, PRO(t) = mean over all regions of the fraction of the region's pixels with
//   score >= t, and FPR(t) = fraction of all nominal pixels (GT 0, all images pooled) with score >= t;
// * one curve point per distinct score (descending), plus (0, 0) in front and (1, 1) at the end;
// * trapezoid integration of PRO over FPR up to `limit` with linear interpolation at the limit, divided
//   by `limit`. Score maps are resized to each GT map with PyTorch nearest first, as for the pixel AUC.

/// Normalised area under the PRO curve up to FPR `limit` (default 0.3), in [0, 1].
public func auPRO(scoreMaps: Tensor, groundTruth: [GroundTruthMask], limit: Double = 0.3) throws -> Double {
    try auPRO(planes: try ScorePlanes(scoreMaps, count: groundTruth.count), groundTruth: groundTruth, limit: limit)
}

/// The same for score maps each at its own size.
public func auPRO(planes: ScorePlanes, groundTruth: [GroundTruthMask], limit: Double = 0.3) throws -> Double {
    guard limit > 0, limit <= 1 else { throw EngineError.invalidArgument("AUPRO: limit must be in (0, 1], got \(limit)") }
    guard planes.count == groundTruth.count else {
        throw EngineError.shapeMismatch("AUPRO: \(planes.count) score maps but \(groundTruth.count) ground-truth maps")
    }
    var nominal = [Float]()
    var anomalous = [(score: Float, weight: Double)]()
    var regionCount = 0
    try planes.values.withUnsafeBufferPointer { src in
        for (i, gt) in groundTruth.enumerated() {
            let size = planes.sizes[i]
            let scores = NearestResize.plane(UnsafeBufferPointer(rebasing: src[planes.plane(i)]), height: size.height, width: size.width,
                                             outHeight: gt.height, outWidth: gt.width)
            if let bad = scores.first(where: { !$0.isFinite }) {
                throw EngineError.invalidArgument("AUPRO: scores must be finite, found \(bad) in map \(i)")
            }
            let (labels, sizes) = connectedComponents(gt)
            regionCount += sizes.count
            for p in 0..<scores.count {
                let region = Int(labels[p])
                if region == 0 { nominal.append(scores[p]) } else { anomalous.append((scores[p], 1 / Double(sizes[region - 1]))) }
            }
        }
    }
    guard regionCount > 0 else { throw EngineError.invalidArgument("AUPRO: no ground-truth map has an anomalous region") }
    guard !nominal.isEmpty else { throw EngineError.invalidArgument("AUPRO: there are no nominal (GT 0) pixels") }
    nominal.sort()
    anomalous.sort { $0.score < $1.score }

    // Walk the distinct scores from high to low and keep the points up to the first one beyond the limit.
    var fprs: [Double] = [0], pros: [Double] = [0]
    var n = nominal.count - 1, a = anomalous.count - 1
    var falsePositives = 0, overlap = 0.0
    let nominalCount = Double(nominal.count), regions = Double(regionCount)
    while (n >= 0 || a >= 0) && fprs.last! <= limit {
        let value: Float
        if n < 0 { value = anomalous[a].score } else if a < 0 { value = nominal[n] } else { value = max(nominal[n], anomalous[a].score) }
        while n >= 0 && nominal[n] == value { falsePositives += 1; n -= 1 }
        while a >= 0 && anomalous[a].score == value { overlap += anomalous[a].weight; a -= 1 }
        fprs.append(min(Double(falsePositives) / nominalCount, 1))
        pros.append(min(overlap / regions, 1))
    }
    if fprs.last! <= limit { fprs.append(1); pros.append(1) }
    return trapezoid(x: fprs, y: pros, upTo: limit) / limit
}

/// `generic_util.trapezoid(x, y, x_max)`: area of the points with x <= xMax plus, if xMax is not itself
/// an x value, the interpolated piece from the last point below it to xMax.
func trapezoid(x: [Double], y: [Double], upTo xMax: Double) -> Double {
    var area = 0.0
    var lastInside = 0
    for i in 1..<x.count where x[i] <= xMax {
        area += 0.5 * (y[i] + y[i - 1]) * (x[i] - x[i - 1])
        lastInside = i
    }
    if !x.contains(xMax), lastInside + 1 < x.count {
        let (i0, i1) = (lastInside, lastInside + 1)  // bisect_right(x, xMax) = i1
        let yAt = y[i0] + (y[i1] - y[i0]) * (xMax - x[i0]) / (x[i1] - x[i0])
        area += 0.5 * (yAt + y[i0]) * (xMax - x[i0])
    }
    return area
}

/// 8-connected components of the GT-1 pixels (ConnectedComponents.swift).
func connectedComponents(_ gt: GroundTruthMask) -> (labels: [Int32], sizes: [Int]) {
    connectedComponents(height: gt.height, width: gt.width) { gt.mask[$0] == 1 }
}
