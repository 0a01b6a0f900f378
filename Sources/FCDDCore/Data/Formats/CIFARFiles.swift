// The two releases of CIFAR-10 / CIFAR-100 (https://www.cs.toronto.edu/~kriz/cifar.html), parsed into
// images (N x 3 x 32 x 32 planar uint8, exactly the order both releases store: 1024 red, 1024 green,
// 1024 blue bytes per image, rows top to bottom) and class labels.
//  * binary release: records of <label byte(s)><3072 pixel bytes>; CIFAR-10 has one label byte,
//    CIFAR-100 a coarse and a fine byte (the fine label is the class, as torchvision's CIFAR100 uses).
//  * python release (what torchvision downloads): pickled dicts with `data` (uint8 ndarray N x 3072) and
//    `labels` (CIFAR-10) or `fine_labels` (CIFAR-100), lists of ints.

/// Which CIFAR dataset a file belongs to.
public enum CIFARVariant: String {
    case cifar10 = "CIFAR-10"
    case cifar100 = "CIFAR-100"

    /// Number of classes (fine classes for CIFAR-100).
    public var classCount: Int { self == .cifar10 ? 10 : 100 }
    /// Label bytes in front of each binary record.
    var labelBytes: Int { self == .cifar10 ? 1 : 2 }
    /// Key of the class labels in the python release's dicts.
    var labelKey: String { self == .cifar10 ? "labels" : "fine_labels" }
}

/// Bytes of one CIFAR image (3 x 32 x 32).
public let cifarImageBytes = 3 * 32 * 32

/// Images (N x 3072 bytes, planar RGB 32 x 32) and labels of one CIFAR file.
public struct CIFARBatch {
    public var pixels: [UInt8]
    public var labels: [Int]
    public var count: Int { labels.count }
}

/// Parses a file of the binary release. `source` names it in error messages.
public func parseCIFARBinary(_ bytes: [UInt8], variant: CIFARVariant, source: String) throws -> CIFARBatch {
    let record = variant.labelBytes + cifarImageBytes
    guard !bytes.isEmpty, bytes.count % record == 0 else {
        throw EngineError.format("\(source): \(bytes.count) bytes is not a whole number of \(variant.rawValue) binary records of \(record) bytes (truncated or not a \(variant.rawValue) file?)")
    }
    let count = bytes.count / record
    var batch = CIFARBatch(pixels: [UInt8](repeating: 0, count: count * cifarImageBytes), labels: [])
    batch.labels.reserveCapacity(count)
    for n in 0..<count {
        let start = n * record
        let label = Int(bytes[start + variant.labelBytes - 1])  // CIFAR-100: <coarse><fine>, fine is last
        guard label < variant.classCount else {
            throw EngineError.format("\(source): record \(n) has label \(label), \(variant.rawValue) has \(variant.classCount) classes")
        }
        batch.labels.append(label)
        let pixelStart = start + variant.labelBytes
        batch.pixels.replaceSubrange((n * cifarImageBytes)..<((n + 1) * cifarImageBytes),
                                     with: bytes[pixelStart..<(pixelStart + cifarImageBytes)])
    }
    return batch
}

/// Parses a file of the python release (a pickled dict). Throws `.format` for anything but a dict with
/// a uint8 `data` array of shape (N, 3072) and N integer labels in range.
public func parseCIFARPickle(_ bytes: [UInt8], variant: CIFARVariant, source: String) throws -> CIFARBatch {
    guard case .dict(let dict) = try readPickle(bytes, source: source) else {
        throw EngineError.format("\(source): the pickle does not hold a dict, so it is not a \(variant.rawValue) python-release batch")
    }
    guard let dataValue = dict.value(forKey: "data"), let labelValue = dict.value(forKey: variant.labelKey) else {
        throw EngineError.format("\(source): \(variant.rawValue) batch needs the keys 'data' and '\(variant.labelKey)', found \(dict.keys)")
    }
    guard case .array(let array) = dataValue, array.isFilled else {
        throw EngineError.format("\(source): 'data' is \(dataValue.typeName), expected a numpy uint8 array")
    }
    guard array.shape.count == 2, array.shape[1] == cifarImageBytes else {
        throw EngineError.format("\(source): 'data' has shape \(array.shape), expected (N, \(cifarImageBytes))")
    }
    guard let items = labelValue.sequence else {
        throw EngineError.format("\(source): '\(variant.labelKey)' is \(labelValue.typeName), expected a list of ints")
    }
    guard items.count == array.shape[0], !items.isEmpty else {
        throw EngineError.format("\(source): \(array.shape[0]) images but \(items.count) labels")
    }
    var labels: [Int] = []
    labels.reserveCapacity(items.count)
    for (n, item) in items.enumerated() {
        guard let label = item.integer, label >= 0, label < variant.classCount else {
            throw EngineError.format("\(source): label \(n) is \(item.integer.map(String.init) ?? item.typeName), \(variant.rawValue) has classes 0...\(variant.classCount - 1)")
        }
        labels.append(label)
    }
    return CIFARBatch(pixels: array.data, labels: labels)
}
