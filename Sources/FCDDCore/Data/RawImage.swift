// The raw form of every dataset image: 8-bit, planar CHW with 1 (gray) or 3 (RGB) channels. Readers
// deliver it, the online supervisor (artificial anomalies) works on it, and preprocessing turns it into a
// float tensor, mirroring the original's uint8 tensors before `ToTensor`.

/// An 8-bit image in planar layout (C x H x W), channels 1 or 3.
public struct RawImage: Equatable {
    public var channels: Int
    public var height: Int
    public var width: Int
    /// `channels * height * width` bytes, channel planes one after the other.
    public var pixels: [UInt8]

    public init(channels: Int, height: Int, width: Int, pixels: [UInt8]) throws {
        guard channels == 1 || channels == 3 else {
            throw EngineError.invalidArgument("image: channels must be 1 (gray) or 3 (RGB), got \(channels)")
        }
        guard height >= 1, width >= 1 else {
            throw EngineError.invalidArgument("image: size \(height) x \(width) is empty")
        }
        guard pixels.count == channels * height * width else {
            throw EngineError.shapeMismatch("image: \(channels) x \(height) x \(width) needs \(channels * height * width) bytes, got \(pixels.count)")
        }
        self.channels = channels; self.height = height; self.width = width; self.pixels = pixels
    }

    /// A constant image (e.g. an all-zero ground-truth map).
    public init(channels: Int, height: Int, width: Int, value: UInt8) {
        precondition((channels == 1 || channels == 3) && height >= 1 && width >= 1)
        self.channels = channels; self.height = height; self.width = width
        self.pixels = [UInt8](repeating: value, count: channels * height * width)
    }

    public var planeSize: Int { height * width }

    /// From interleaved H x W x C bytes (PNG/JPEG decoders). Gray+alpha keeps gray, RGBA keeps RGB:
    /// alpha is dropped, as PIL's `convert("RGB")` / `convert("L")` do for the original's datasets.
    public init(interleaved bytes: [UInt8], height: Int, width: Int, channels: Int) throws {
        guard (1...4).contains(channels), bytes.count == height * width * channels else {
            throw EngineError.shapeMismatch("image: \(bytes.count) bytes do not form \(height) x \(width) x \(channels)")
        }
        let outChannels = channels >= 3 ? 3 : 1
        var planar = [UInt8](repeating: 0, count: outChannels * height * width)
        let plane = height * width
        for i in 0..<plane {
            for c in 0..<outChannels { planar[c * plane + i] = bytes[i * channels + c] }
        }
        try self.init(channels: outChannels, height: height, width: width, pixels: planar)
    }

    public init(png: PNGImage) throws {
        try self.init(interleaved: png.pixels, height: png.height, width: png.width, channels: png.channels)
    }

    /// Interleaved H x W x C bytes, e.g. for writing a PNG.
    public var interleaved: [UInt8] {
        if channels == 1 { return pixels }
        var out = [UInt8](repeating: 0, count: pixels.count)
        let plane = planeSize
        for i in 0..<plane {
            for c in 0..<channels { out[i * channels + c] = pixels[c * plane + i] }
        }
        return out
    }

    public func png() throws -> PNGImage {
        try PNGImage(width: width, height: height, channels: channels, pixels: interleaved)
    }

    /// The image with `count` channels: gray -> RGB replicates the plane; RGB -> gray uses PIL's
    /// `convert("L")`: ITU-R 601-2 luma in Pillow's 16-bit fixed point,
    /// L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16.
    public func converted(toChannels count: Int) -> RawImage {
        precondition(count == 1 || count == 3)
        if count == channels { return self }
        let plane = planeSize
        var out = RawImage(channels: count, height: height, width: width, value: 0)
        if count == 3 {
            for c in 0..<3 { for i in 0..<plane { out.pixels[c * plane + i] = pixels[i] } }
        } else {
            for i in 0..<plane {
                let r = Int(pixels[i]), g = Int(pixels[plane + i]), b = Int(pixels[2 * plane + i])
                out.pixels[i] = UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
            }
        }
        return out
    }

    /// Float tensor (1 x C x H x W) with values / 255, like torchvision's `ToTensor`.
    public func toTensor() -> Tensor {
        Tensor(shape: [1, channels, height, width], data: pixels.map { Float($0) / 255 })
    }
}
