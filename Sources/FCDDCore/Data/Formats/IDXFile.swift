// The IDX format of the MNIST family (MNIST, Fashion-MNIST, EMNIST; LeCun et al.'s "idx3-ubyte" files):
// a big-endian header `0x00 0x00 <type> <ndim>`, then `ndim` big-endian UInt32 sizes, then the values in
// row-major order. Only unsigned bytes (type 0x08) occur in these datasets. Like torchvision's
// `read_sn3_pascalvincent_tensor`, the data must fill the file exactly.

/// The content of an unsigned-byte IDX file: its sizes and the values in row-major order.
public struct IDXData: Equatable {
    /// Sizes, outermost first (N x H x W for images, N for labels).
    public var dimensions: [Int]
    public var values: [UInt8]
}

/// Magic number of an IDX file of uint8 images (N x H x W).
public let idxImagesMagic: UInt32 = 0x0000_0803
/// Magic number of an IDX file of uint8 labels (N).
public let idxLabelsMagic: UInt32 = 0x0000_0801

/// Parses IDX bytes whose magic number must be `expectedMagic`. `source` names them in error messages.
/// Every header field is checked against the data size before anything is allocated.
public func parseIDX(_ bytes: [UInt8], expectedMagic: UInt32, source: String) throws -> IDXData {
    guard bytes.count >= 4 else { throw EngineError.format("\(source): IDX file too short (\(bytes.count) bytes) for its 4-byte magic number") }
    let magic = bigEndianUInt32(bytes, at: 0)
    guard magic == expectedMagic else {
        let hex = { (v: UInt32) in "0x" + String(v, radix: 16, uppercase: true).leftPadded(to: 8) }
        let what = bytes[0] == 0 && bytes[1] == 0 && bytes[2] != 0x08
            ? " (type code 0x\(String(bytes[2], radix: 16)) is not unsigned byte 0x08)" : ""
        throw EngineError.format("\(source): IDX magic number is \(hex(magic)), expected \(hex(expectedMagic))\(what)")
    }
    let rank = Int(bytes[3])
    let headerSize = 4 + 4 * rank
    guard bytes.count >= headerSize else {
        throw EngineError.format("\(source): IDX header needs \(headerSize) bytes for \(rank) sizes, the file has \(bytes.count)")
    }
    let dimensions = (0..<rank).map { Int(bigEndianUInt32(bytes, at: 4 + 4 * $0)) }
    guard let total = checkedProduct(dimensions) else { throw EngineError.format("\(source): IDX sizes \(dimensions) are too large") }
    guard bytes.count - headerSize == total else {
        throw EngineError.format("\(source): IDX header declares \(dimensions.map(String.init).joined(separator: " x ")) = \(total) values, but the file holds \(bytes.count - headerSize) bytes after the \(headerSize)-byte header")
    }
    try CheckedAllocation.reserve(bytes: total, what: "\(source): \(total) IDX values")
    return IDXData(dimensions: dimensions, values: Array(bytes[headerSize...]))
}

/// Reads an IDX file, plain or gzip-compressed (detected by content, not by the `.gz` name). A gzipped
/// file is inflated only as far as its IDX header declares: the header comes first, then the rest with
/// that size as the limit.
public func readIDXFile(path: String, expectedMagic: UInt32) throws -> IDXData {
    var bytes = try readWholeFile(path)
    if isGzip(bytes) {
        let head = try gunzip(bytes, source: path, limit: 4 + 4 * 255, prefixOnly: true)
        let declared = try idxDeclaredSize(head, source: path)
        guard declared <= defaultGunzipLimit else {
            throw EngineError.format("\(path): IDX header declares \(declared) bytes, more than the \(defaultGunzipLimit) bytes a gzipped dataset file may inflate to")
        }
        bytes = try gunzip(bytes, source: path, limit: declared, limitReason: "the \(declared) bytes its IDX header declares")
    }
    return try parseIDX(bytes, expectedMagic: expectedMagic, source: path)
}

/// The byte size (header and values) that the IDX header at the start of `head` declares; the magic number
/// is checked later by `parseIDX`.
private func idxDeclaredSize(_ head: [UInt8], source: String) throws -> Int {
    guard head.count >= 4 else { throw EngineError.format("\(source): IDX file too short (\(head.count) bytes) for its 4-byte magic number") }
    let headerSize = 4 + 4 * Int(head[3])
    guard head.count >= headerSize else {
        throw EngineError.format("\(source): IDX header needs \(headerSize) bytes for \(head[3]) sizes, the file has \(head.count)")
    }
    let dimensions = (0..<Int(head[3])).map { Int(bigEndianUInt32(head, at: 4 + 4 * $0)) }
    guard let total = checkedProduct(dimensions), case let (size, false) = total.addingReportingOverflow(headerSize) else {
        throw EngineError.format("\(source): IDX sizes \(dimensions) are too large")
    }
    return size
}

/// Reads an IDX image file (N x H x W uint8, magic 0x00000803) with non-empty images.
public func readIDXImages(path: String) throws -> (count: Int, height: Int, width: Int, pixels: [UInt8]) {
    let data = try readIDXFile(path: path, expectedMagic: idxImagesMagic)
    let dims = data.dimensions
    guard dims.count == 3 else { throw EngineError.format("\(path): IDX images need 3 sizes (N x H x W), the header has \(dims.count)") }
    guard dims[1] >= 1, dims[2] >= 1 else { throw EngineError.format("\(path): IDX images have empty size \(dims[1]) x \(dims[2])") }
    try EngineLimits.checkImage(width: dims[2], height: dims[1], source: path)
    return (dims[0], dims[1], dims[2], data.values)
}

/// Reads an IDX label file (N uint8, magic 0x00000801).
public func readIDXLabels(path: String) throws -> [UInt8] {
    try readIDXFile(path: path, expectedMagic: idxLabelsMagic).values
}

private func bigEndianUInt32(_ bytes: [UInt8], at offset: Int) -> UInt32 {
    bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
