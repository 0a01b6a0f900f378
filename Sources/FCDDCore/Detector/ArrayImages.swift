// Images handed over from numpy: N 8-bit images of one size in planar (N, C, H, W) order, with optional
// one-channel masks (N, H, W; 0 = nominal pixel, anything else anomalous). A view selects a subset of the
// images and can present them with another channel count (gray replicated to RGB for the VGG networks,
// RGB to PIL luma for gray-only ones), so the data are copied once, however they are used.

/// A block of same-sized 8-bit images in memory.
public struct ArrayImages {
    /// Largest image side accepted (also a plausibility check of sizes coming through the C ABI).
    public static let maxSide = 1 << 15
    public let count: Int
    public let channels: Int
    public let height: Int
    public let width: Int
    let pixels: [UInt8]
    /// count x height x width, or nil without masks.
    let masks: [UInt8]?

    public init(pixels: [UInt8], count: Int, channels: Int, height: Int, width: Int, masks: [UInt8]? = nil) throws {
        guard count >= 1 else { throw EngineError.invalidArgument("no images (N = 0)") }
        guard channels == 1 || channels == 3 else {
            throw EngineError.invalidArgument("images must have 1 or 3 channels, got \(channels)")
        }
        guard height >= 1, width >= 1, height <= ArrayImages.maxSide, width <= ArrayImages.maxSide else {
            throw EngineError.invalidArgument("image size \(height) x \(width) is out of range")
        }
        guard pixels.count == count * channels * height * width else {
            throw EngineError.shapeMismatch("\(pixels.count) pixel values do not make \(count) x \(channels) x \(height) x \(width) images")
        }
        if let masks, masks.count != count * height * width {
            throw EngineError.shapeMismatch("\(masks.count) mask values do not make \(count) x \(height) x \(width) masks")
        }
        self.pixels = pixels; self.count = count; self.channels = channels
        self.height = height; self.width = width; self.masks = masks
    }

    /// Copies from C memory (the caller guarantees the sizes).
    public init(copying images: UnsafePointer<UInt8>, count: Int, channels: Int, height: Int, width: Int,
                masks: UnsafePointer<UInt8>? = nil) throws {
        guard count >= 1, channels >= 1, height >= 1, width >= 1, height <= ArrayImages.maxSide, width <= ArrayImages.maxSide,
              let m = checkedProduct([count, height, width]), let n = checkedProduct([m, channels]) else {
            throw EngineError.invalidArgument("invalid image block \(count) x \(channels) x \(height) x \(width)")
        }
        try self.init(pixels: Array(UnsafeBufferPointer(start: images, count: n)), count: count, channels: channels,
                      height: height, width: width, masks: masks.map { Array(UnsafeBufferPointer(start: $0, count: m)) })
    }

    public var hasMasks: Bool { masks != nil }

    /// Image `index` as stored.
    public func image(at index: Int) throws -> RawImage {
        let per = channels * height * width
        return try RawImage(channels: channels, height: height, width: width,
                             pixels: Array(pixels[(index * per)..<((index + 1) * per)]))
    }

    /// Mask `index` as a 0/255 map, nil without masks.
    public func mask(at index: Int) throws -> RawImage? {
        guard let masks else { return nil }
        let plane = height * width
        return try RawImage(channels: 1, height: height, width: width,
                             pixels: masks[(index * plane)..<((index + 1) * plane)].map { $0 == 0 ? 0 : 255 })
    }

    /// The pixels of image `index` inside `window`, copied straight from the block (a tile of a large
    /// image never needs the whole image as a RawImage). Positions beyond the image's edge repeat the
    /// edge pixel, so images smaller than a tile still fill one.
    public func tile(at index: Int, _ window: CropWindow) -> RawImage {
        var out = RawImage(channels: channels, height: window.height, width: window.width, value: 0)
        copyWindow(from: pixels, base: index * channels * height * width, planes: channels, window, into: &out)
        return out
    }

    /// The mask of image `index` inside `window` as a 0/255 map (edges repeated), nil without masks.
    public func maskTile(at index: Int, _ window: CropWindow) -> RawImage? {
        guard let masks else { return nil }
        var out = RawImage(channels: 1, height: window.height, width: window.width, value: 0)
        copyWindow(from: masks, base: index * height * width, planes: 1, window, into: &out)
        for k in out.pixels.indices where out.pixels[k] != 0 { out.pixels[k] = 255 }
        return out
    }

    private func copyWindow(from source: [UInt8], base: Int, planes: Int, _ window: CropWindow, into out: inout RawImage) {
        let plane = height * width, (h, w) = (height, width)
        let columns = (0..<window.width).map { min(max(window.left + $0, 0), w - 1) }
        source.withUnsafeBufferPointer { src in
            out.pixels.withUnsafeMutableBufferPointer { dst in
                var d = 0
                for c in 0..<planes {
                    for y in 0..<window.height {
                        let row = base + c * plane + min(max(window.top + y, 0), h - 1) * w
                        for x in columns { dst[d] = src[row + x]; d += 1 }
                    }
                }
            }
        }
    }

    /// Whether mask `index` marks any pixel.
    public func maskIsEmpty(at index: Int) -> Bool {
        guard let masks else { return true }
        let plane = height * width
        return !masks[(index * plane)..<((index + 1) * plane)].contains { $0 != 0 }
    }
}

/// Selected images of an `ArrayImages` block as an `ImageSource`, converted to `channels`.
struct ArrayImageSource: ImageSource {
    let images: ArrayImages
    let indices: [Int]
    let channels: Int
    /// Whether `groundTruth(at:)` serves the block's masks.
    let servesMasks: Bool
    /// Block indices whose empty mask means "not annotated": they get a wholly anomalous map (the
    /// original's rule for anomalous images without a map).
    let fullMasks: Set<Int>

    init(_ images: ArrayImages, indices: [Int]? = nil, channels: Int? = nil, masks: Bool = false, fullMasks: Set<Int> = []) {
        self.images = images
        self.indices = indices ?? Array(0..<images.count)
        self.channels = channels ?? images.channels
        self.servesMasks = masks && images.hasMasks
        self.fullMasks = fullMasks
    }

    var count: Int { indices.count }
    func image(at index: Int) throws -> RawImage {
        let image = try images.image(at: indices[index])
        return image.channels == channels ? image : image.converted(toChannels: channels)
    }
    func classLabel(at index: Int) -> Int { 0 }
    var hasGroundTruth: Bool { servesMasks }
    func groundTruth(at index: Int) throws -> RawImage? {
        guard servesMasks else { return nil }
        let k = indices[index]
        if fullMasks.contains(k) && images.maskIsEmpty(at: k) {
            return RawImage(channels: 1, height: images.height, width: images.width, value: 255)
        }
        return try images.mask(at: k)
    }
}
