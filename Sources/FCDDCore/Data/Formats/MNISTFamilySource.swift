// Fashion-MNIST (reference 7.2) and EMNIST letters (the `emnist` outlier-exposure source, reference 6.7)
// from their IDX files, held in memory as one uint8 block (F-MNIST train: 47 MB, EMNIST letters: 98 MB).
//
// Where the files live: the original hands `--datadir` to torchvision as `root` for F-MNIST and
// `<datadir>/emnist` for EMNIST. torchvision 0.10 (the original's pinned version) keeps the raw files in
// `<root>/<class name>/raw/`, and because the original subclasses the datasets the class names are
// `MyFashionMNIST` and `OEEMNIST`; a plain torchvision download uses `FashionMNIST` and `EMNIST`. Both
// folders are searched, each for the extracted file and its `.gz`.

/// A split of an MNIST-family dataset: gray images of one size with a class label each.
public struct IDXImageSource: ImageSource {
    public let count: Int
    public let height: Int
    public let width: Int
    /// N x H x W bytes, upright.
    let pixels: [UInt8]
    let labels: [UInt8]

    /// Images and labels from already-parsed IDX content; `transposed` turns column-major images
    /// (EMNIST) upright. Throws when the counts differ.
    public init(images: (count: Int, height: Int, width: Int, pixels: [UInt8]), labels: [UInt8],
                transposed: Bool = false, source: String) throws {
        guard images.count == labels.count else {
            throw EngineError.format("\(source): \(images.count) images but \(labels.count) labels")
        }
        guard images.count > 0 else { throw EngineError.format("\(source): the split holds no images") }
        guard images.height >= 1, images.width >= 1, images.pixels.count == images.count * images.height * images.width else {
            throw EngineError.shapeMismatch("\(source): \(images.pixels.count) bytes do not form \(images.count) images of \(images.height) x \(images.width)")
        }
        count = images.count
        // A transposed file stores each image as W x H (rows of the file are columns of the image).
        (height, width) = transposed ? (images.width, images.height) : (images.height, images.width)
        pixels = transposed ? transposeEach(images.pixels, count: images.count, rows: images.height, columns: images.width) : images.pixels
        self.labels = labels
    }

    /// Reads the image and label IDX files (plain or gzip).
    public init(imagesPath: String, labelsPath: String, transposed: Bool = false) throws {
        try self.init(images: try readIDXImages(path: imagesPath), labels: try readIDXLabels(path: labelsPath),
                      transposed: transposed, source: "\(imagesPath) + \(labelsPath)")
    }

    public func image(at index: Int) throws -> RawImage {
        guard index >= 0, index < count else {
            throw EngineError.invalidArgument("image index \(index) is outside 0..<\(count)")
        }
        let plane = height * width
        return try RawImage(channels: 1, height: height, width: width,
                            pixels: Array(pixels[(index * plane)..<((index + 1) * plane)]))
    }

    /// The stored class (F-MNIST 0...9; EMNIST letters 1...26 for a...z, as in torchvision).
    public func classLabel(at index: Int) -> Int {
        precondition(index >= 0 && index < count, "label index \(index) outside 0..<\(count)")
        return Int(labels[index])
    }

    /// Fashion-MNIST train (60,000) or test (10,000) split under `datadir` (the original's `--datadir`).
    public static func fashionMNIST(datadir: String, train: Bool) throws -> IDXImageSource {
        let paths = try fashionMNISTFiles(datadir: datadir, train: train)
        return try IDXImageSource(imagesPath: paths[0], labelsPath: paths[1])
    }

    /// The images and labels files of Fashion-MNIST under `datadir`, found without reading them.
    static func fashionMNISTFiles(datadir: String, train: Bool) throws -> [String] {
        let prefix = train ? "train" : "t10k"
        let stems = ["\(prefix)-images-idx3-ubyte", "\(prefix)-labels-idx1-ubyte"]
        let folders = ["FashionMNIST", "MyFashionMNIST"].map { DatasetFileSearch.join(datadir, $0, "raw") }
        return try DatasetFileSearch.locate(
            dataset: "Fashion-MNIST \(train ? "train" : "test")",
            locations: folders.map { DatasetFileSearch.Location(folder: $0, files: stems.map { [$0, $0 + ".gz"] }) },
            layout: "<datadir>/FashionMNIST/raw/\(stems[0])[.gz] and \(stems[1])[.gz] (torchvision's FashionMNIST raw folder; the original's MyFashionMNIST/raw is accepted too)")
    }

    /// EMNIST letters train split (124,800 images, labels 1...26) under `datadir`, returned upright: the
    /// files store every image transposed and the original's `OEEMNIST` transposes them back (6.7).
    public static func emnistLetters(datadir: String) throws -> IDXImageSource {
        let paths = try emnistLettersFiles(datadir: datadir)
        return try IDXImageSource(imagesPath: paths[0], labelsPath: paths[1], transposed: true)
    }

    /// The images and labels files of EMNIST letters under `datadir`, found without reading them.
    static func emnistLettersFiles(datadir: String) throws -> [String] {
        let stems = ["emnist-letters-train-images-idx3-ubyte", "emnist-letters-train-labels-idx1-ubyte"]
        let root = DatasetFileSearch.join(datadir, "emnist")
        let folders = [DatasetFileSearch.join(root, "EMNIST", "raw"), DatasetFileSearch.join(root, "OEEMNIST", "raw"),
                       DatasetFileSearch.join(root, "EMNIST", "raw", "gzip")]
        return try DatasetFileSearch.locate(
            dataset: "EMNIST letters train",
            locations: folders.map { DatasetFileSearch.Location(folder: $0, files: stems.map { [$0, $0 + ".gz"] }) },
            layout: "<datadir>/emnist/EMNIST/raw/\(stems[0])[.gz] and \(stems[1])[.gz] (torchvision's EMNIST raw folder under <datadir>/emnist, as the original's OE source uses; its OEEMNIST/raw and the official gzip/ folder are accepted too)")
    }
}

/// Transposes each of `count` row-major `rows x columns` images.
private func transposeEach(_ pixels: [UInt8], count: Int, rows: Int, columns: Int) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: pixels.count)
    let plane = rows * columns
    for n in 0..<count {
        let base = n * plane
        for r in 0..<rows {
            for c in 0..<columns { out[base + c * rows + r] = pixels[base + r * columns + c] }
        }
    }
    return out
}
