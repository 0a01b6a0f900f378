// The engine's view of a dataset split: random access to raw images with their class index and, for
// datasets with pixel annotations, a ground-truth map. Readers for each on-disk format conform to it;
// folder-based sources decode lazily on access so that datasets larger than RAM can be used.

/// A random-access split of a dataset. Implementations must be safe to read from several threads at once.
public protocol ImageSource {
    /// Number of images in the split.
    var count: Int { get }
    /// The raw image at `index` (0 ..< count). Throws for unreadable or corrupt files.
    func image(at index: Int) throws -> RawImage
    /// The class index of the image (dataset-specific: CIFAR class, MVTec defect type id, ...).
    func classLabel(at index: Int) -> Int
    /// Whether `groundTruth(at:)` can return maps.
    var hasGroundTruth: Bool { get }
    /// One-channel map, 0 = normal pixel, 255 = anomalous pixel, same height and width as the image;
    /// nil when the split has no maps or this image has none.
    func groundTruth(at index: Int) throws -> RawImage?
}

extension ImageSource {
    public var hasGroundTruth: Bool { false }
    public func groundTruth(at index: Int) throws -> RawImage? { nil }
}
