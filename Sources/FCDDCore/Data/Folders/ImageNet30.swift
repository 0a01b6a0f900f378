// ImageNet-30 (reference 7.5): 30 ImageNet-1k classes in the layout torchvision's ImageNet folder has
// after extraction, `<datadir>/imagenet/train/<wnid>/*.JPEG` and `<datadir>/imagenet/val/<wnid>/*.JPEG`.
// Train: the nominal class's training images. Test: the validation images of all 30 classes, ordered as
// in the original (its val set lists classes by sorted wnid, then files sorted, and the test subset keeps
// that order), so that the shipped fixed test permutation refers to the same images.

/// Classes, synsets and splits of ImageNet-30.
public struct ImageNet30 {
    /// Class names in class-index order.
    public static let classNames = [
        "acorn", "airliner", "ambulance", "American alligator", "banjo", "barn", "bikini", "digital clock",
        "dragonfly", "dumbbell", "forklift", "goblet", "grand piano", "hotdog", "hourglass", "manhole cover",
        "mosque", "nail", "parking meter", "pillow", "revolver", "dial telephone", "schooner", "snowmobile",
        "soccer ball", "stingray", "strawberry", "tank", "toaster", "volcano",
    ]
    /// WordNet ids of the classes, in class-index order (reference 6.7's ImageNet-22k exclusion list).
    public static let wnids = [
        "n12267677", "n02690373", "n02701002", "n01698640", "n02787622", "n02793495", "n02837789", "n03196217",
        "n02268443", "n03255030", "n03384352", "n03443371", "n03452741", "n07697537", "n03544143", "n03717622",
        "n03788195", "n03804744", "n03891332", "n03938244", "n04086273", "n03187595", "n04147183", "n04252077",
        "n04254680", "n01498041", "n07745940", "n04389033", "n04442312", "n09472597",
    ]
    /// Name of the optional file with the original's fixed test order, looked up in `root`.
    public static let testOrderFileName = "imagenet30_test_random_order.npy"

    /// `<dataDirectory>/imagenet`.
    public let root: String

    public init(dataDirectory: String) {
        root = DirectoryListing.join(dataDirectory, "imagenet")
    }

    private func layout(_ split: String) -> String {
        "ImageNet-30 expects the extracted ImageNet-1k \(split) split as \(root)/\(split)/<wnid>/*.JPEG (torchvision's ImageNet layout) for the 30 wnids \(ImageNet30.wnids.joined(separator: ", "))"
    }

    private func classFolder(_ split: String, _ classIndex: Int) throws -> String {
        let folder = DirectoryListing.join(DirectoryListing.join(root, split), ImageNet30.wnids[classIndex])
        guard DirectoryListing.kind(of: folder) == .directory else {
            throw EngineError.notFound("ImageNet-30: \(folder) (class \(ImageNet30.classNames[classIndex])) does not exist. \(layout(split))")
        }
        return folder
    }

    /// Checks that the training folders of `nominalClasses` and all 30 validation folders (the test split
    /// of every class) exist, without listing them (a quick check before training; throws `.notFound`
    /// naming the first missing folder and the layout).
    public func checkFoldersExist(nominalClasses: [Int]) throws {
        for c in nominalClasses {
            try checkClass(c)
            _ = try classFolder("train", c)
        }
        for c in ImageNet30.wnids.indices { _ = try classFolder("val", c) }
    }

    private func classFiles(_ split: String, _ classIndex: Int) throws -> [String] {
        let folder = try classFolder(split, classIndex)
        let files = try DirectoryListing.imageFiles(under: folder, recursive: true, what: "ImageNet-30 \(split) folder")
        guard !files.isEmpty else { throw EngineError.notFound("ImageNet-30: no images in \(folder). \(layout(split))") }
        return files.map { DirectoryListing.join(folder, $0) }
    }

    private func checkClass(_ nominalClass: Int) throws {
        guard (0..<30).contains(nominalClass) else {
            throw EngineError.invalidArgument("ImageNet-30: class index \(nominalClass) is outside 0..<30")
        }
    }

    /// The nominal class's training images (class label = the class index, all nominal).
    public func trainSplit(nominalClass: Int) throws -> FileImageSplit {
        try checkClass(nominalClass)
        let files = try classFiles("train", nominalClass)
        return FileImageSplit(name: "ImageNet-30 train split", files: files,
                              classLabels: Array(repeating: nominalClass, count: files.count),
                              anomalous: Array(repeating: false, count: files.count))
    }

    /// Validation images of all 30 classes, classes in sorted-wnid order (the original's order); class
    /// label = class index, anomalous = not the nominal class.
    public func testSplit(nominalClass: Int) throws -> FileImageSplit {
        try checkClass(nominalClass)
        var files = [String](), labels = [Int]()
        let bySynset = ImageNet30.wnids.indices.sorted { DirectoryListing.precedes(ImageNet30.wnids[$0], ImageNet30.wnids[$1]) }
        for c in bySynset {
            let f = try classFiles("val", c)
            files += f
            labels += Array(repeating: c, count: f.count)
        }
        return FileImageSplit(name: "ImageNet-30 test split", files: files, classLabels: labels,
                              anomalous: labels.map { $0 != nominalClass })
    }

    /// The order in which test results are presented (pictures); ROC values do not depend on it.
    public struct TestOrder: Equatable {
        /// A permutation of 0 ..< test count.
        public var permutation: [Int]
        /// Whether it came from `imagenet30_test_random_order.npy` (else: identity, the sorted order).
        public var fromFile: Bool
        /// Says where the order came from, for the log.
        public var note: String
    }

    /// The original's fixed test permutation when the user placed `imagenet30_test_random_order.npy` (from
    /// the original repository, `python/fcdd/datasets/confs/`) in `root`; otherwise the identity, with a
    /// note saying so. A file that is not a permutation of 0 ..< `testCount` is an error.
    public func testOrder(testCount: Int) throws -> TestOrder {
        let path = DirectoryListing.join(root, ImageNet30.testOrderFileName)
        guard DirectoryListing.kind(of: path) != .missing else {
            return TestOrder(permutation: Array(0..<testCount), fromFile: false,
                             note: "ImageNet-30: \(path) not found; test results keep the sorted order (place the original's \(ImageNet30.testOrderFileName) there for identical pictures)")
        }
        let array = try NumpyIntegerArray.read(path: path)
        var seen = [Bool](repeating: false, count: testCount)
        guard array.shape.count == 1, array.values.count == testCount,
              array.values.allSatisfy({ v in (0..<testCount).contains(v) && !seen[v] && { seen[v] = true; return true }() }) else {
            throw EngineError.format("\(path): not a permutation of 0..<\(testCount) (shape \(array.shape)); it must match the ImageNet-30 test split")
        }
        return TestOrder(permutation: array.values, fromFile: true, note: "ImageNet-30: fixed test order from \(path)")
    }
}
