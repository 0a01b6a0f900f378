// A dataset made ready for one run (one nominal class): the training samples with the online
// supervisor and augmentation applied, the deterministic test split, and the description of the
// test-time preprocessing that a snapshot stores so that new images can be scored the same way.

/// One preprocessed test item. Labels are final (0 nominal, 1 anomalous after the nominal-label mapping).
public struct TestSample {
    /// C x H x W network input.
    public var image: [Float]
    public var label: Int
    /// H x W ground-truth map at network resolution in {0, 1}, for datasets with maps.
    public var groundTruth: [Float]?

    public init(image: [Float], label: Int, groundTruth: [Float]? = nil) {
        self.image = image; self.label = label; self.groundTruth = groundTruth
    }
}

/// The test split of a prepared dataset. Must be safe for concurrent reads.
public protocol TestSampleSource {
    var count: Int { get }
    var itemShape: [Int] { get }
    var hasGroundTruth: Bool { get }
    func sample(at index: Int) throws -> TestSample
    /// The ground-truth map at the image's original resolution (one channel, 0/255), for the pixel-level
    /// AUC of reference 8.3; nil when the dataset has no maps, and for test images that take no part in
    /// the pixel-level AUC (custom one-vs-rest: the images of the other classes, as in the original, whose
    /// pixel AUC covers the nominal class's test images).
    func originalGroundTruth(at index: Int) throws -> RawImage?
}

/// How a run is tested.
public enum TestSplit {
    /// Preprocessed items at the network's input size.
    case items(TestSampleSource)
    /// Images at their own resolution, scored tile by tile (`tile_size`).
    case tiles(TiledTestSet)
}

public struct PreparedDataset {
    public var className: String
    public var train: TrainingSampleSource
    public var test: TestSplit
    /// Stored in snapshots: what `predict` needs to preprocess new images like the test split.
    public var preprocessing: JSONValue

    public init(className: String, train: TrainingSampleSource, test: TestSampleSource, preprocessing: JSONValue) {
        self.className = className; self.train = train; self.test = .items(test); self.preprocessing = preprocessing
    }

    public init(className: String, train: TrainingSampleSource, tiledTest: TiledTestSet, preprocessing: JSONValue) {
        self.className = className; self.train = train; self.test = .tiles(tiledTest); self.preprocessing = preprocessing
    }

    /// The preprocessed test items of a run that resizes; nil on tiles.
    public var testItems: TestSampleSource? {
        if case .items(let items) = test { return items }
        return nil
    }

    /// How the run's network scores on tiles (stored in its snapshot); nil when it resizes.
    public var tiles: TileScoring? {
        if case .tiles(let set) = test { return set.scoring }
        return nil
    }
}
