// A per-image ground-truth map at its own (original) resolution, as 0/1 bytes: the input of the pixel-level
// metrics (reference 8.3). MVTec-AD maps differ in size between classes (900 or 1024 pixels), so every
// image carries its own height and width.

/// A binary ground-truth map (1 = anomalous pixel), row-major H x W.
public struct GroundTruthMask: Equatable {
    public let height: Int
    public let width: Int
    /// `height * width` values, each 0 or 1.
    public let mask: [UInt8]

    /// Checks the size and that every value is 0 or 1.
    public init(height: Int, width: Int, mask: [UInt8]) throws {
        guard height >= 1, width >= 1 else {
            throw EngineError.invalidArgument("ground-truth map: size \(height) x \(width) is empty")
        }
        guard mask.count == height * width else {
            throw EngineError.shapeMismatch("ground-truth map: \(height) x \(width) needs \(height * width) values, got \(mask.count)")
        }
        if let bad = mask.first(where: { $0 > 1 }) {
            throw EngineError.invalidArgument("ground-truth map: values must be 0 or 1, found \(bad)")
        }
        self.height = height; self.width = width; self.mask = mask
    }

    /// From an 8-bit gray image as stored on disk: the original divides by 255 and casts to int
    /// (`gtmaps.int()`, truncation), so only 255 counts as anomalous.
    public init(grayImage image: RawImage) throws {
        guard image.channels == 1 else {
            throw EngineError.invalidArgument("ground-truth map: expected a 1-channel image, got \(image.channels) channels")
        }
        try self.init(height: image.height, width: image.width, mask: image.pixels.map { $0 == 255 ? 1 : 0 })
    }

    /// From float values in [0, 1] (e.g. a preprocessed GT tensor plane): truncated to int like
    /// `Tensor.int()`, so only 1.0 counts as anomalous. NaN or values outside [0, 1] throw.
    public init(height: Int, width: Int, values: [Float]) throws {
        if let bad = values.first(where: { !($0 >= 0 && $0 <= 1) }) {
            throw EngineError.invalidArgument("ground-truth map: values must lie in [0, 1], found \(bad)")
        }
        try self.init(height: height, width: width, mask: values.map { $0 >= 1 ? 1 : 0 })
    }

    public var anomalousCount: Int { mask.reduce(0) { $0 + Int($1) } }
}
