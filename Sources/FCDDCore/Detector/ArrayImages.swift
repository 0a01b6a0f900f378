// Images handed over from numpy: N 8-bit images in planar (C, H, W) order, one after the other, with
// optional one-channel masks (H, W each; 0 = nominal pixel, anything else anomalous). The images share
// one size (an (N, C, H, W) array) or each has its own (a list of arrays: line-scan or wafer images, crops
// of different parts). A view selects a subset of the images and can present them with another channel
// count (gray replicated to RGB for the VGG networks, RGB to PIL luma for gray-only ones), so the data are
// copied once, however they are used.

/// Same-sized or differently sized 8-bit images in memory.
public struct ArrayImages {
    /// Largest image side accepted (also a plausibility check of sizes coming through the C ABI).
    public static let maxSide = 1 << 15
    public let count: Int
    public let channels: Int
    /// Each image's size.
    public let sizes: [ImageSize]
    /// The size every image has; nil when their sizes differ.
    public let uniformSize: ImageSize?
    /// The pixels of all images together (one heatmap value each).
    public let totalPixels: Int
    let pixels: [UInt8]
    /// Where image k's first pixel (`pixelStarts`) and its mask's first value (`planeStarts`) lie.
    let pixelStarts: [Int]
    let planeStarts: [Int]
    /// The masks one after the other (the images' planes), or nil without masks.
    let masks: [UInt8]?

    /// `count` images of `height` x `width`.
    public init(pixels: [UInt8], count: Int, channels: Int, height: Int, width: Int, masks: [UInt8]? = nil) throws {
        guard count >= 1 else { throw EngineError.invalidArgument("no images (N = 0)") }
        try self.init(pixels: pixels, channels: channels, sizes: [ImageSize](repeating: ImageSize(height: height, width: width), count: count), masks: masks)
    }

    /// One image per entry of `sizes`, each `channels` x height x width values after the one before.
    public init(pixels: [UInt8], channels: Int, sizes: [ImageSize], masks: [UInt8]? = nil) throws {
        let planes = try ArrayImages.checkedPlanes(channels: channels, sizes: sizes)
        guard pixels.count == planes.total * channels else {
            throw EngineError.shapeMismatch("\(pixels.count) pixel values do not make \(ArrayImages.describe(channels: channels, sizes: sizes))")
        }
        if let masks, masks.count != planes.total {
            throw EngineError.shapeMismatch("\(masks.count) mask values do not make the masks of \(ArrayImages.describe(channels: channels, sizes: sizes)) (\(planes.total) values)")
        }
        self.pixels = pixels; self.count = sizes.count; self.channels = channels
        self.sizes = sizes; self.masks = masks
        planeStarts = planes.starts
        totalPixels = planes.total
        pixelStarts = planes.starts.map { $0 * channels }
        uniformSize = sizes.allSatisfy({ $0 == sizes[0] }) ? sizes[0] : nil
    }

    /// Copies from C memory (the caller guarantees the sizes).
    public init(copying images: UnsafePointer<UInt8>, count: Int, channels: Int, height: Int, width: Int,
                masks: UnsafePointer<UInt8>? = nil) throws {
        guard count >= 1, count <= 1 << 32 else { throw EngineError.invalidArgument("invalid image count \(count)") }
        try self.init(copying: images, channels: channels, sizes: [ImageSize](repeating: ImageSize(height: height, width: width), count: count), masks: masks)
    }

    /// Copies images of the given sizes, one after the other, from C memory (the caller guarantees them).
    public init(copying images: UnsafePointer<UInt8>, channels: Int, sizes: [ImageSize], masks: UnsafePointer<UInt8>? = nil) throws {
        let planes = try ArrayImages.checkedPlanes(channels: channels, sizes: sizes)
        guard let n = checkedProduct([planes.total, channels]) else {
            throw EngineError.invalidArgument("\(ArrayImages.describe(channels: channels, sizes: sizes)) are too large")
        }
        try self.init(pixels: Array(UnsafeBufferPointer(start: images, count: n)), channels: channels, sizes: sizes,
                      masks: masks.map { Array(UnsafeBufferPointer(start: $0, count: planes.total)) })
    }

    /// Checks the channel count and every size; the start of every image's plane and their total.
    private static func checkedPlanes(channels: Int, sizes: [ImageSize]) throws -> (starts: [Int], total: Int) {
        guard !sizes.isEmpty else { throw EngineError.invalidArgument("no images (N = 0)") }
        guard channels == 1 || channels == 3 else {
            throw EngineError.invalidArgument("images must have 1 or 3 channels, got \(channels)")
        }
        var starts = [Int](), total = 0
        starts.reserveCapacity(sizes.count)
        for (k, size) in sizes.enumerated() {
            guard size.height >= 1, size.width >= 1, size.height <= maxSide, size.width <= maxSide else {
                throw EngineError.invalidArgument("image \(k): size \(size.height) x \(size.width) is out of range (1...\(maxSide) per side)")
            }
            starts.append(total)
            let (sum, overflow) = total.addingReportingOverflow(size.pixels)
            guard !overflow, checkedProduct([sum, channels]) != nil else {
                throw EngineError.invalidArgument("the images are too large together (\(sizes.count) images)")
            }
            total = sum
        }
        return (starts, total)
    }

    static func describe(channels: Int, sizes: [ImageSize]) -> String {
        if let first = sizes.first, sizes.allSatisfy({ $0 == first }) {
            return "\(sizes.count) x \(channels) x \(first.height) x \(first.width) images"
        }
        return "\(sizes.count) \(channels)-channel images of different sizes"
    }

    public var hasMasks: Bool { masks != nil }

    /// The largest height and width among the images.
    public var largestSize: ImageSize {
        ImageSize(height: sizes.map(\.height).max()!, width: sizes.map(\.width).max()!)
    }

    /// Image `index` as stored.
    public func image(at index: Int) throws -> RawImage {
        let size = sizes[index], start = pixelStarts[index]
        return try RawImage(channels: channels, height: size.height, width: size.width,
                             pixels: Array(pixels[start..<(start + channels * size.pixels)]))
    }

    /// Mask `index` as a 0/255 map, nil without masks.
    public func mask(at index: Int) throws -> RawImage? {
        guard let masks else { return nil }
        let size = sizes[index], start = planeStarts[index]
        return try RawImage(channels: 1, height: size.height, width: size.width,
                             pixels: masks[start..<(start + size.pixels)].map { $0 == 0 ? 0 : 255 })
    }

    /// The pixels of image `index` inside `window`, copied straight from the block (a tile of a large
    /// image never needs the whole image as a RawImage). Positions beyond the image's edge repeat the
    /// edge pixel, so images smaller than a tile still fill one.
    public func tile(at index: Int, _ window: CropWindow) -> RawImage {
        var out = RawImage(channels: channels, height: window.height, width: window.width, value: 0)
        copyWindow(from: pixels, base: pixelStarts[index], size: sizes[index], planes: channels, window, into: &out)
        return out
    }

    /// The mask of image `index` inside `window` as a 0/255 map (edges repeated), nil without masks.
    public func maskTile(at index: Int, _ window: CropWindow) -> RawImage? {
        guard let masks else { return nil }
        var out = RawImage(channels: 1, height: window.height, width: window.width, value: 0)
        copyWindow(from: masks, base: planeStarts[index], size: sizes[index], planes: 1, window, into: &out)
        for k in out.pixels.indices where out.pixels[k] != 0 { out.pixels[k] = 255 }
        return out
    }

    private func copyWindow(from source: [UInt8], base: Int, size: ImageSize, planes: Int, _ window: CropWindow, into out: inout RawImage) {
        let (h, w) = (size.height, size.width), plane = size.pixels
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
        let start = planeStarts[index]
        return !masks[start..<(start + sizes[index].pixels)].contains { $0 != 0 }
    }
}

/// Selected images of an `ArrayImages` block as an `ImageSource`, converted to `channels` and, when
/// `resizedTo` is set, resized to that size (images bilinearly as PIL, masks to the nearest pixel).
struct ArrayImageSource: ImageSource {
    let images: ArrayImages
    let indices: [Int]
    let channels: Int
    /// Whether `groundTruth(at:)` serves the block's masks.
    let servesMasks: Bool
    /// Block indices whose empty mask means "not annotated": they get a wholly anomalous map (the
    /// original's rule for anomalous images without a map).
    let fullMasks: Set<Int>
    let resizedTo: ImageSize?

    init(_ images: ArrayImages, indices: [Int]? = nil, channels: Int? = nil, masks: Bool = false, fullMasks: Set<Int> = [],
         resizedTo: ImageSize? = nil) {
        self.images = images
        self.indices = indices ?? Array(0..<images.count)
        self.channels = channels ?? images.channels
        self.servesMasks = masks && images.hasMasks
        self.fullMasks = fullMasks
        self.resizedTo = resizedTo
    }

    var count: Int { indices.count }
    func image(at index: Int) throws -> RawImage {
        var image = try images.image(at: indices[index])
        if image.channels != channels { image = image.converted(toChannels: channels) }
        if let size = resizedTo, size != ImageSize(height: image.height, width: image.width) {
            image = try image.resized(to: .exact(height: size.height, width: size.width))
        }
        return image
    }
    func classLabel(at index: Int) -> Int { 0 }
    var hasGroundTruth: Bool { servesMasks }
    func groundTruth(at index: Int) throws -> RawImage? {
        guard servesMasks else { return nil }
        let k = indices[index]
        let size = resizedTo ?? images.sizes[k]
        if fullMasks.contains(k) && images.maskIsEmpty(at: k) {
            return RawImage(channels: 1, height: size.height, width: size.width, value: 255)
        }
        guard let mask = try images.mask(at: k) else { return nil }
        return mask.height == size.height && mask.width == size.width ? mask : mask.resizedNearestPIL(height: size.height, width: size.width)
    }
}
