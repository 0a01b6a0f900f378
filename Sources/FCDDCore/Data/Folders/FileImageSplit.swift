// A dataset split whose images are files on disk, decoded on every access (nothing is kept in memory,
// so splits larger than RAM work, and concurrent reads are safe because the split is immutable).
// ImageNet, Pascal VOC, custom folders and the ImageNet OE pools are all such lists of files.

/// A split whose items are known to be normal or anomalous with respect to the run's nominal class.
public protocol AnomalyLabeledSource: ImageSource {
    /// Whether the item is an anomaly (the original's `anomalous_label`) rather than nominal.
    func isAnomalous(at index: Int) -> Bool
}

/// Checks an index coming from a caller; a bad index is an error, never a trap.
func checkIndex(_ index: Int, _ count: Int, _ what: String) throws {
    guard index >= 0 && index < count else {
        throw EngineError.invalidArgument("\(what): index \(index) is outside 0..<\(count)")
    }
}

/// Image files read lazily, with class labels, anomaly flags and optional ground-truth map files.
public struct FileImageSplit: AnomalyLabeledSource {
    /// Full paths of the image files, in split order.
    public let files: [String]
    /// Dataset-specific class index per file.
    public let classLabels: [Int]
    /// Whether each file is an anomaly for the nominal class the split was made for.
    public let anomalous: [Bool]
    /// Ground-truth map path per file (nil entry = no stored map: a constant map, 0 for nominal and 255
    /// for anomalous images, reference 7.7); the whole array is nil when the split has no maps.
    public let groundTruthFiles: [String?]?
    /// Convert every image to RGB, as PIL's `convert("RGB")` in torchvision's default loader.
    public let convertsToRGB: Bool
    /// Names the split in error messages.
    public let name: String

    public init(name: String, files: [String], classLabels: [Int], anomalous: [Bool],
                groundTruthFiles: [String?]? = nil, convertsToRGB: Bool = true) {
        precondition(classLabels.count == files.count && anomalous.count == files.count)
        precondition(groundTruthFiles.map { $0.count == files.count } ?? true)
        self.name = name; self.files = files; self.classLabels = classLabels; self.anomalous = anomalous
        self.groundTruthFiles = groundTruthFiles; self.convertsToRGB = convertsToRGB
    }

    public var count: Int { files.count }

    public func image(at index: Int) throws -> RawImage {
        try checkIndex(index, count, name)
        let image = try readImageFile(path: files[index])
        return convertsToRGB ? image.converted(toChannels: 3) : image
    }

    public func classLabel(at index: Int) -> Int { classLabels[index] }

    public func isAnomalous(at index: Int) -> Bool { anomalous[index] }

    public var hasGroundTruth: Bool { groundTruthFiles != nil }

    /// The stored map (first channel) or, when none is stored, the constant map at the image's size,
    /// which costs a decode of the image; `item(at:)` gets both with one decode.
    public func groundTruth(at index: Int) throws -> RawImage? {
        try item(at: index).groundTruth
    }

    /// Image and ground-truth map together (the map is nil when the split has no maps). A stored map
    /// must have the image's height and width.
    public func item(at index: Int) throws -> (image: RawImage, groundTruth: RawImage?) {
        let image = try self.image(at: index)
        return (image, try groundTruth(at: index, imageSize: ImageSize(height: image.height, width: image.width)))
    }

    /// The map of image `index` when the image's size is already known, without decoding the image: the
    /// stored map (first channel; it must have that size) or the constant map.
    public func groundTruth(at index: Int, imageSize: ImageSize) throws -> RawImage? {
        guard let maps = groundTruthFiles else { return nil }
        try checkIndex(index, count, name)
        guard let mapPath = maps[index] else {
            return RawImage(channels: 1, height: imageSize.height, width: imageSize.width, value: anomalous[index] ? 255 : 0)
        }
        let map = try readImageFile(path: mapPath).firstChannel
        guard map.height == imageSize.height && map.width == imageSize.width else {
            throw EngineError.shapeMismatch("\(mapPath): ground-truth map is \(map.height) x \(map.width) but its image \(files[index]) is \(imageSize.height) x \(imageSize.width)")
        }
        return map
    }

    /// The items at `indices` (in that order, repeats allowed), e.g. a limited or balanced pool.
    public func subset(_ indices: [Int]) throws -> FileImageSplit {
        for i in indices { try checkIndex(i, count, name) }
        return FileImageSplit(name: name, files: indices.map { files[$0] },
                              classLabels: indices.map { classLabels[$0] },
                              anomalous: indices.map { anomalous[$0] },
                              groundTruthFiles: groundTruthFiles.map { g in indices.map { g[$0] } },
                              convertsToRGB: convertsToRGB)
    }

    /// A pool limited to `limit` distinct items drawn once uniformly without replacement (reference 6.7);
    /// no limit or a limit >= count keeps everything.
    public func limited(to limit: Int?, using rng: inout RandomSource) throws -> FileImageSplit {
        guard let limit = try checkedLimit(limit, what: name), limit < count else { return self }
        return try subset(drawWithoutReplacement(limit, from: count, using: &rng))
    }
}
