// What the training loop consumes: samples that are already preprocessed float images with a label
// (0 nominal, 1 anomalous) and, for datasets with pixel annotations, a ground-truth map. A source
// composes a dataset split, the online supervisor (artificial anomalies) and the training transform;
// the loop only asks for sample `i` with a generator that belongs to that sample.

/// One preprocessed training item.
public struct TrainingSample {
    /// C x H x W values of the network input.
    public var image: [Float]
    /// 0 nominal (pulled to the centre), 1 anomalous (pushed away).
    public var label: Float
    /// H x W ground-truth map in {0, 1} (1 = anomalous pixel), for sources with maps.
    public var groundTruth: [Float]?

    public init(image: [Float], label: Float, groundTruth: [Float]? = nil) {
        self.image = image; self.label = label; self.groundTruth = groundTruth
    }
}

/// A random-access, thread-safe source of training samples. `sample(at:rng:)` must draw all its
/// randomness (augmentation, anomaly generation) from `rng`, so that a seed fixes the whole run.
public protocol TrainingSampleSource {
    var count: Int { get }
    /// Network input shape [C, H, W].
    var itemShape: [Int] { get }
    /// Whether samples carry ground-truth maps (then the FCDD loss uses them, reference 4.2).
    var hasGroundTruth: Bool { get }
    func sample(at index: Int, rng: inout RandomSource) throws -> TrainingSample
}

/// A batch ready for the network.
public struct Batch {
    /// (N, C, H, W)
    public var images: Tensor
    public var labels: [Float]
    /// (N, 1, H, W), when the source has ground-truth maps.
    public var groundTruth: Tensor?

    /// Concatenation along the batch dimension (batch accumulation, reference 5.3).
    public static func concatenate(_ parts: [Batch]) -> Batch {
        let gts = parts.compactMap { $0.groundTruth }
        return Batch(images: Tensor.concatenate(parts.map { $0.images }),
                     labels: parts.flatMap { $0.labels },
                     groundTruth: gts.count == parts.count ? Tensor.concatenate(gts) : nil)
    }
}
