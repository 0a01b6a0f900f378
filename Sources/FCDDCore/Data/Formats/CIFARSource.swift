// CIFAR-10 (the dataset of reference 7.3) and CIFAR-100 (the `cifar100` outlier-exposure source, 6.7) as
// image sources, from either release, held in memory (50,000 images: 154 MB).
//
// Where the files live: the original passes `--datadir` to torchvision's CIFAR10 as `root` and
// `<datadir>/cifar100` to CIFAR100, and torchvision extracts the python release there
// (`cifar-10-batches-py`, `cifar-100-python`). The binary release is looked for next to it
// (`cifar-10-batches-bin`, `cifar-100-binary`); for CIFAR-100 a release directly under `<datadir>` is
// accepted as well.

/// A split of CIFAR-10 or CIFAR-100: 3 x 32 x 32 RGB images with their class (fine class for CIFAR-100).
public struct CIFARImageSource: ImageSource {
    public let variant: CIFARVariant
    /// N x 3 x 32 x 32 bytes.
    let pixels: [UInt8]
    let labels: [Int]

    public var count: Int { labels.count }

    /// Concatenates parsed batches (e.g. the five CIFAR-10 training batches).
    public init(variant: CIFARVariant, batches: [CIFARBatch]) throws {
        for batch in batches {
            guard batch.pixels.count == batch.labels.count * cifarImageBytes else {
                throw EngineError.shapeMismatch("\(variant.rawValue): a batch of \(batch.labels.count) labels needs \(batch.labels.count * cifarImageBytes) pixel bytes, got \(batch.pixels.count)")
            }
            guard batch.labels.allSatisfy({ (0..<variant.classCount).contains($0) }) else {
                throw EngineError.invalidArgument("\(variant.rawValue): labels must be in 0...\(variant.classCount - 1)")
            }
        }
        self.variant = variant
        pixels = batches.flatMap(\.pixels)
        labels = batches.flatMap(\.labels)
    }

    public func image(at index: Int) throws -> RawImage {
        guard index >= 0, index < count else {
            throw EngineError.invalidArgument("image index \(index) is outside 0..<\(count)")
        }
        return try RawImage(channels: 3, height: 32, width: 32,
                            pixels: Array(pixels[(index * cifarImageBytes)..<((index + 1) * cifarImageBytes)]))
    }

    public func classLabel(at index: Int) -> Int {
        precondition(index >= 0 && index < count, "label index \(index) outside 0..<\(count)")
        return labels[index]
    }

    /// Reads files of either release. The release is told by content: a pickle starts with the PROTO
    /// opcode 0x80, a binary record with a label byte (< 100).
    public init(variant: CIFARVariant, paths: [String]) throws {
        let batches = try paths.map { path -> CIFARBatch in
            let bytes = try readWholeFile(path)
            return bytes.first == 0x80 ? try parseCIFARPickle(bytes, variant: variant, source: path)
                                       : try parseCIFARBinary(bytes, variant: variant, source: path)
        }
        try self.init(variant: variant, batches: batches)
    }

    /// CIFAR-10 train (50,000) or test (10,000) under `datadir` (the original's `--datadir`).
    public static func cifar10(datadir: String, train: Bool) throws -> CIFARImageSource {
        try CIFARImageSource(variant: .cifar10, paths: try cifar10Files(datadir: datadir, train: train))
    }

    /// CIFAR-100 train (50,000) or test (10,000) under `datadir` (the original's `--datadir`), fine labels.
    public static func cifar100(datadir: String, train: Bool) throws -> CIFARImageSource {
        try CIFARImageSource(variant: .cifar100, paths: try cifar100Files(datadir: datadir, train: train))
    }

    /// The batch files of CIFAR-10 under `datadir`, found without reading them (throws `.notFound`
    /// naming every place tried).
    static func cifar10Files(datadir: String, train: Bool) throws -> [String] {
        let python = train ? (1...5).map { "data_batch_\($0)" } : ["test_batch"]
        let locations = [
            DatasetFileSearch.Location(folder: DatasetFileSearch.join(datadir, "cifar-10-batches-py"),
                                       files: python.map { [$0] }),
            DatasetFileSearch.Location(folder: DatasetFileSearch.join(datadir, "cifar-10-batches-bin"),
                                       files: python.map { [$0 + ".bin"] }),
        ]
        return try DatasetFileSearch.locate(dataset: "CIFAR-10 \(train ? "train" : "test")", locations: locations,
            layout: "<datadir>/cifar-10-batches-py/{data_batch_1..5, test_batch} (python release, as torchvision extracts it) or <datadir>/cifar-10-batches-bin/{data_batch_1..5.bin, test_batch.bin} (binary release)")
    }

    /// The file of CIFAR-100's split under `datadir`, found without reading it.
    static func cifar100Files(datadir: String, train: Bool) throws -> [String] {
        let name = train ? "train" : "test"
        var locations: [DatasetFileSearch.Location] = []
        for root in [DatasetFileSearch.join(datadir, "cifar100"), datadir] {
            locations.append(.init(folder: DatasetFileSearch.join(root, "cifar-100-python"), files: [[name]]))
            locations.append(.init(folder: DatasetFileSearch.join(root, "cifar-100-binary"), files: [[name + ".bin"]]))
        }
        return try DatasetFileSearch.locate(dataset: "CIFAR-100 \(name)", locations: locations,
            layout: "<datadir>/cifar100/cifar-100-python/{train, test} (python release, where the original's CIFAR-100 OE source has torchvision extract it) or <datadir>/cifar100/cifar-100-binary/{train.bin, test.bin} (binary release)")
    }
}
