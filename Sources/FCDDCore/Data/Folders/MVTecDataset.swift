// MVTec-AD (reference 7.4) from the official folder tree, through the 240x240 cache built on first use.
// Per class: the training split (defect-free images, class label 0 = "good"), the test split (good and
// defective images with their masks; class label = defect-type id) and the test masks at original
// resolution for the pixel-level AUC (8.3).

/// What opening the dataset did with the cache file.
public enum MVTecCacheStatus: Equatable {
    /// A valid cache matching the tree (or, with the tree removed, any valid cache) was used.
    case reused
    /// There was no cache; it was built.
    case built
    /// The cache had been built from a different tree (files added, removed or changed size); rebuilt.
    case rebuiltStale
    /// The cache was damaged (e.g. truncated); rebuilt. The text says what was wrong.
    case rebuiltDamaged(String)
}

/// MVTec-AD below `<dataDirectory>/mvtec`, backed by the cache file `fcdd_mvtec_240x240.cache` there.
public final class MVTecADDataset {
    /// `<dataDirectory>/mvtec`, the folder holding the class folders and the cache.
    public let root: String
    /// Path of the cache file.
    public let cachePath: String
    /// What happened to the cache when the dataset was opened.
    public let cacheStatus: MVTecCacheStatus
    let cache: MVTecCacheFile

    /// Cache file name inside `root`.
    public static let cacheFileName = "fcdd_mvtec_240x240.cache"

    /// Throws `.notFound` (naming the expected layout) when neither the cache nor a class folder exists
    /// below `<dataDirectory>/mvtec`; reads nothing (a quick check before training).
    public static func checkPresent(dataDirectory: String) throws {
        let root = DirectoryListing.join(dataDirectory, "mvtec")
        let cachePath = DirectoryListing.join(root, MVTecADDataset.cacheFileName)
        guard DirectoryListing.kind(of: cachePath) != .missing || MVTecTree.exists(root: root) else {
            throw EngineError.notFound("MVTec-AD not found: neither the cache \(cachePath) nor any class folder exists. \(MVTecAD.layoutDescription(root: root))")
        }
    }

    /// Opens the dataset, building the cache from the tree when it is missing, damaged or stale. Without
    /// the tree a valid cache is enough. Throws `.notFound` (naming the expected layout) when neither
    /// exists, `.format` when only a damaged cache exists.
    public init(dataDirectory: String) throws {
        root = DirectoryListing.join(dataDirectory, "mvtec")
        cachePath = DirectoryListing.join(root, MVTecADDataset.cacheFileName)
        let treeExists = MVTecTree.exists(root: root)
        var status = MVTecCacheStatus.built
        if DirectoryListing.kind(of: cachePath) != .missing {
            var existing: MVTecCacheFile?
            do {
                existing = try MVTecCacheFile(path: cachePath)
            } catch EngineError.format(let why) {
                guard treeExists else {
                    throw EngineError.format("\(why); the MVTec-AD tree is not there to rebuild it from. \(MVTecAD.layoutDescription(root: root))")
                }
                status = .rebuiltDamaged(why)
            }
            if let existing = existing {
                if try !treeExists || MVTecTree.scan(root: root).fingerprint == existing.fingerprint {
                    cache = existing
                    cacheStatus = .reused
                    return
                }
                status = .rebuiltStale
            }
        } else if !treeExists {
            throw EngineError.notFound("MVTec-AD not found: neither the cache \(cachePath) nor any class folder exists. \(MVTecAD.layoutDescription(root: root))")
        }
        let tree = try MVTecTree.scan(root: root)
        try MVTecCacheFile.build(tree: tree, root: root, path: cachePath)
        cache = try MVTecCacheFile(path: cachePath)
        cacheStatus = status
    }

    /// Defect-type names by id (`defectNames[0] == "good"`).
    public var defectNames: [String] { cache.defectNames }

    /// Indices (into `MVTecAD.classNames`) of the classes in the cache.
    public var availableClasses: [Int] { cache.classes.map { $0.classIndex } }

    func cachedClass(_ classIndex: Int) throws -> MVTecCachedClass {
        guard (0..<MVTecAD.classNames.count).contains(classIndex) else {
            throw EngineError.invalidArgument("MVTec-AD: class index \(classIndex) is outside 0..<15")
        }
        guard let cls = cache.cachedClass(classIndex) else {
            let name = MVTecAD.classNames[classIndex]
            throw EngineError.notFound("MVTec-AD: class \(name) is not in the cache \(cachePath); put its folder at \(DirectoryListing.join(root, name)) (the cache is rebuilt on the next open)")
        }
        return cls
    }

    /// Defect-free training images of a class; `repetitions` concatenates the split with itself (the
    /// original uses `MVTecAD.trainingRepetitions` = 10 so that one epoch is ten passes).
    public func trainSplit(classIndex: Int, repetitions: Int = 1) throws -> MVTecTrainSplit {
        guard repetitions >= 1 else { throw EngineError.invalidArgument("MVTec-AD: repetitions must be at least 1, got \(repetitions)") }
        return MVTecTrainSplit(cache: cache, cls: try cachedClass(classIndex), repetitions: repetitions)
    }

    /// Test images of a class (good and defective, sorted traversal order) with 240x240 masks.
    public func testSplit(classIndex: Int) throws -> MVTecTestSplit {
        MVTecTestSplit(cache: cache, cls: try cachedClass(classIndex))
    }

    /// The test masks of a class at original resolution, in test-split order (read from the tree).
    public func originalResolutionMasks(classIndex: Int) throws -> MVTecOriginalMasks {
        MVTecOriginalMasks(classDirectory: DirectoryListing.join(root, MVTecAD.classNames[classIndex]),
                           cls: try cachedClass(classIndex))
    }
}

/// Training split of one MVTec-AD class: cached 3 x 240 x 240 images, class label 0 ("good"), and
/// all-zero ground-truth maps (the original's training set is a ground-truth dataset, 7.4).
public struct MVTecTrainSplit: AnomalyLabeledSource {
    let cache: MVTecCacheFile
    let cls: MVTecCachedClass
    /// How many times the class's images are repeated.
    public let repetitions: Int

    public var count: Int { cls.trainPaths.count * repetitions }
    /// Path of the image relative to the class folder (e.g. "train/good/000.png").
    public func imagePath(at index: Int) -> String { cls.trainPaths[index % cls.trainPaths.count] }

    public func image(at index: Int) throws -> RawImage {
        try checkIndex(index, count, "MVTec-AD train split")
        return try cache.image(record: cls.firstTrainRecord + index % cls.trainPaths.count)
    }
    public func classLabel(at index: Int) -> Int { MVTecAD.goodDefectID }
    public func isAnomalous(at index: Int) -> Bool { false }
    public var hasGroundTruth: Bool { true }
    public func groundTruth(at index: Int) throws -> RawImage? {
        try checkIndex(index, count, "MVTec-AD train split")
        return RawImage(channels: 1, height: cache.side, width: cache.side, value: 0)
    }
}

/// Test split of one MVTec-AD class: cached images, class label = defect-type id (0 = good), masks
/// (0/255, all zero for good images).
public struct MVTecTestSplit: AnomalyLabeledSource {
    let cache: MVTecCacheFile
    let cls: MVTecCachedClass

    public var count: Int { cls.testPaths.count }
    /// Path of the image relative to the class folder (e.g. "test/crack/003.png").
    public func imagePath(at index: Int) -> String { cls.testPaths[index] }
    /// Folder name of the image's defect type ("good" for defect-free images).
    public func defectName(at index: Int) -> String { cache.defectNames[cls.testDefectIDs[index]] }

    public func image(at index: Int) throws -> RawImage {
        try checkIndex(index, count, "MVTec-AD test split")
        return try cache.image(record: cls.firstTestRecord + index)
    }
    public func classLabel(at index: Int) -> Int { cls.testDefectIDs[index] }
    public func isAnomalous(at index: Int) -> Bool { cls.testDefectIDs[index] != MVTecAD.goodDefectID }
    public var hasGroundTruth: Bool { true }
    public func groundTruth(at index: Int) throws -> RawImage? {
        try checkIndex(index, count, "MVTec-AD test split")
        return try cache.mask(cls.firstMask + index)
    }
}

/// Test masks of one class at original resolution for the pixel-level AUC (reference 8.3): read lazily
/// from `ground_truth/`, all zero (at the image's size) for good images; one channel, 0/255.
public struct MVTecOriginalMasks {
    let classDirectory: String
    let cls: MVTecCachedClass

    public var count: Int { cls.testPaths.count }

    public func mask(at index: Int) throws -> RawImage {
        try checkIndex(index, count, "MVTec-AD original-resolution masks")
        let (height, width) = cls.testSizes[index]
        guard cls.testDefectIDs[index] != MVTecAD.goodDefectID else {
            return RawImage(channels: 1, height: height, width: width, value: 0)
        }
        // "test/<defect>/<name>" -> "ground_truth/<defect>/<name>_mask.png", as when the cache was built.
        let parts = cls.testPaths[index].split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3 else {  // the cache header's paths are checked when it is opened
            throw EngineError.format("damaged MVTec-AD cache: test record \(cls.testPaths[index]) of \(classDirectory)")
        }
        let maskPath = "ground_truth/\(parts[1])/\(MVTecAD.maskName(forImage: String(parts[parts.count - 1])))"
        return try readImageFile(path: DirectoryListing.join(classDirectory, maskPath)).firstChannel
    }
}
