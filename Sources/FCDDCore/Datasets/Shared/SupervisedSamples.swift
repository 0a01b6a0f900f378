// The generic composition every dataset shares (reference 7.1, 6.2, Appendix B): a raw split, the
// online supervisor on the raw 8-bit image, then the dataset's item pipeline; and for the test split
// the deterministic pipeline with the final 0/1 labels and the maps for the pixel-level AUC.

/// Training samples: nominal raw images -> supervisor (50% artificial anomalies) -> training transform.
struct SupervisedTrainingSamples: TrainingSampleSource {
    let raw: ImageSource
    let supervisor: OnlineSupervisor
    let pipeline: ItemPipeline
    /// Label of every raw training image (nominal: the nominal label; `other` mode: per image).
    let labelOf: (Int) -> Int
    /// Applied to images the supervisor kept (Pascal VOC's contrast stretch, reference 7.6).
    var keptImageAdjustment: ((RawImage) -> RawImage)? = nil
    /// The raw shape at which the supervisor generates noise when it replaces without loading.
    let rawShape: [Int]

    var count: Int { raw.count }
    var itemShape: [Int] { pipeline.spec.shape }
    var hasGroundTruth: Bool { pipeline.spec.hasGroundTruth }

    func sample(at index: Int, rng: inout RandomSource) throws -> TrainingSample {
        let label = labelOf(index)
        var supervised: SupervisedSample
        if supervisor.isActive && supervisor.mode == .noise && rawShape[1] > 0 {
            // The replacement ignores the image: draw the coin first and skip decoding replaced images
            // (what the original's ImageNet and custom datasets do, reference 6.2).
            let replace = rng.bernoulli(supervisor.probability)
            let image = replace ? RawImage(channels: rawShape[0], height: rawShape[1], width: rawShape[2], value: 0)
                                : try raw.image(at: index)
            let gt = hasGroundTruth ? (replace ? nil : try raw.groundTruth(at: index)) : nil
            supervised = try supervisor(image: image, label: label, groundTruth: gt ?? zeroMap(image), &rng, replace: replace)
        } else {
            let image = try raw.image(at: index)
            let gt = hasGroundTruth ? try raw.groundTruth(at: index) ?? zeroMap(image) : nil
            supervised = try supervisor(image: image, label: label, groundTruth: gt, &rng)
        }
        if !supervised.replaced, let adjust = keptImageAdjustment { supervised.image = adjust(supervised.image) }
        if !hasGroundTruth { supervised.groundTruth = nil }
        let item = try pipeline(supervised.image, groundTruth: supervised.groundTruth, &rng)
        return TrainingSample(image: item.image.data, label: Float(supervised.label), groundTruth: item.groundTruth?.data)
    }

    private func zeroMap(_ image: RawImage) -> RawImage? {
        hasGroundTruth ? RawImage(channels: 1, height: image.height, width: image.width, value: 0) : nil
    }
}

/// Test samples: raw split -> test transform; label 1 = anomalous (after the nominal-label mapping).
struct PipelineTestSamples: TestSampleSource {
    let raw: AnomalyLabeledSource
    let pipeline: ItemPipeline
    let nominalLabel: Int
    /// Original-resolution maps for the pixel-level AUC; nil when the dataset has none. The closure
    /// returns nil for an image outside the pixel-level evaluation (custom one-vs-rest: other classes).
    let originalMaps: ((Int) throws -> RawImage?)?
    /// Maps test positions to raw indices (ImageNet-30's fixed test order); nil = identity.
    var order: [Int]? = nil
    var keptImageAdjustment: ((RawImage) -> RawImage)? = nil

    var count: Int { order?.count ?? raw.count }
    var itemShape: [Int] { pipeline.spec.shape }
    var hasGroundTruth: Bool { originalMaps != nil }

    func sample(at position: Int) throws -> TestSample {
        let index = order?[position] ?? position
        var image = try raw.image(at: index)
        if let adjust = keptImageAdjustment { image = adjust(image) }
        let gt = pipeline.spec.hasGroundTruth ? try raw.groundTruth(at: index) : nil
        var rng = RandomSource(seed: 0)   // the test transforms draw nothing
        let item = try pipeline(image, groundTruth: gt, &rng)
        let anomalous = raw.isAnomalous(at: index)
        var map = item.groundTruth?.data
        if map == nil, originalMaps != nil {
            // Datasets whose maps are not part of the item pipeline: nearest-resize the original map.
            if let original = try originalMaps!(index) {
                let (h, w) = (itemShape[1], itemShape[2])
                let swap = nominalLabel == 1
                map = original.resizedNearestTorch(height: h, width: w).pixels.map { ($0 > 0) != swap ? 1 : 0 }
            }
        }
        return TestSample(image: item.image.data, label: anomalous == (nominalLabel == 0) ? 1 : 0, groundTruth: map)
    }

    /// In the label convention, like the item pipeline's maps: with nominal label 1 the map is swapped
    /// (reference 7.1, pixel value 0 -> nominal label), so that the pixel-level AUC counts label-1 pixels
    /// as positive exactly as the image-level AUC counts label-1 images.
    func originalGroundTruth(at position: Int) throws -> RawImage? {
        guard let maps = originalMaps, var map = try maps(order?[position] ?? position) else { return nil }
        if nominalLabel == 1 {
            for i in map.pixels.indices { map.pixels[i] = map.pixels[i] > 0 ? 0 : 255 }
        }
        return map
    }
}

/// An outlier-exposure pool as the supervisor's provider: uniform draws from the (limited) pool,
/// each brought to the dataset's raw shape (resize, gray conversion) as the original's OE sources do.
struct PoolOutliers: OutlierProvider {
    let pool: ImageSource
    /// Raw shape (C, H, W) the dataset asks for; H = W = 0 keeps the pool's size.
    let rawShape: [Int]
    /// Resize rule of the source (reference 6.7): square bilinear for CIFAR-100 and ImageNet-1k, shorter
    /// side for ImageNet-22k, none for MVTec (already at the cache size).
    let resize: (RawImage, Int, Int) throws -> RawImage

    func next(_ rng: inout RandomSource) throws -> (image: RawImage, groundTruth: RawImage?) {
        let index = rng.integer(below: pool.count)
        var image = try resize(try pool.image(at: index), rawShape[1], rawShape[2])
        if image.channels != rawShape[0] { image = image.converted(toChannels: rawShape[0]) }
        let gt = pool.hasGroundTruth ? try pool.groundTruth(at: index) : nil
        return (image, gt)
    }
}

/// Offline supervision (reference 6.3): the anomalies are generated once, one per distinct nominal
/// training image, and appended to the training set (balanced 1:1) with the anomalous label.
struct OfflineSupervisedSamples: TrainingSampleSource {
    let nominal: SupervisedTrainingSamples
    let anomalies: [(image: RawImage, groundTruth: RawImage?)]
    let anomalousLabel: Int

    /// Generates the anomalies for the first `distinct` raw images (the rest repeat them, e.g. MVTec's
    /// tenfold training set).
    init(nominal: SupervisedTrainingSamples, distinct: Int, settings: Settings, outliers: OutlierProvider?,
         rng: inout RandomSource) throws {
        let images = try (0..<distinct).map { try nominal.raw.image(at: $0) }
        anomalies = try OfflineSupervision.anomalies(for: images, mode: settings.superviseMode,
                                                     noise: settings.noiseMode, outliers: outliers, &rng)
        self.nominal = nominal
        self.anomalousLabel = 1 - settings.nominalLabel
    }

    var count: Int { 2 * nominal.count }
    var itemShape: [Int] { nominal.itemShape }
    var hasGroundTruth: Bool { nominal.hasGroundTruth }

    func sample(at index: Int, rng: inout RandomSource) throws -> TrainingSample {
        if index < nominal.count { return try nominal.sample(at: index, rng: &rng) }
        let a = anomalies[(index - nominal.count) % anomalies.count]
        var gt = a.groundTruth
        if hasGroundTruth && gt == nil { gt = RawImage(channels: 1, height: a.image.height, width: a.image.width, value: 255) }
        let item = try nominal.pipeline(a.image, groundTruth: hasGroundTruth ? gt : nil, &rng)
        return TrainingSample(image: item.image.data, label: Float(anomalousLabel), groundTruth: item.groundTruth?.data)
    }
}

extension DatasetCatalog {
    /// Online supervision (the default) or, with `--offline-supervision`, anomalies generated once.
    static func trainingSamples(_ settings: Settings, raw: ImageSource, distinct: Int, pipeline: ItemPipeline,
                                outliers: OutlierProvider?, labelOf: @escaping (Int) -> Int, rawShape: [Int],
                                rng: inout RandomSource) throws -> TrainingSampleSource {
        let supervisor = try DatasetCatalog.supervisor(settings, outliers: outliers)
        guard settings.offlineSupervision && supervisor.isActive else {
            return SupervisedTrainingSamples(raw: raw, supervisor: supervisor, pipeline: pipeline, labelOf: labelOf, rawShape: rawShape)
        }
        let inactive = try OnlineSupervisor(mode: .unsupervised, noise: supervisor.noise, anomalousLabel: supervisor.anomalousLabel)
        let nominal = SupervisedTrainingSamples(raw: raw, supervisor: inactive, pipeline: pipeline, labelOf: labelOf, rawShape: rawShape)
        return try OfflineSupervisedSamples(nominal: nominal, distinct: distinct, settings: settings, outliers: outliers, rng: &rng)
    }
}
