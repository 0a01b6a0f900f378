// A picture as the original holds it before writing: a 3 x H x W float tensor with values meant to lie in
// [0, 1]. Writing follows `Logger.imsave`: multiply by 255 in float32 and let OpenCV convert to 8 bit
// (`saturate_cast<uchar>`: round half to even, clamp to 0...255, NaN -> 0).

/// An RGB float image (3 x H x W, values in [0, 1]) that can be written as an 8-bit PNG.
public struct Picture: Equatable {
    /// 3 x H x W.
    public var rgb: Tensor

    public init(rgb: Tensor) {
        precondition(rgb.rank == 3 && rgb.shape[0] == 3, "Picture: expected 3 x H x W, got \(rgb.shape)")
        self.rgb = rgb
    }

    public var height: Int { rgb.shape[1] }
    public var width: Int { rgb.shape[2] }

    /// The 8-bit value OpenCV stores for a float sample in [0, 1].
    @inline(__always) static func byte(_ value: Float) -> UInt8 {
        let scaled = value * 255
        guard !scaled.isNaN else { return 0 }
        return UInt8(min(max(scaled.rounded(.toNearestOrEven), 0), 255))
    }

    /// Interleaved RGB bytes.
    public func png() throws -> PNGImage {
        let plane = height * width
        var bytes = [UInt8](repeating: 0, count: 3 * plane)
        for i in 0..<plane {
            for c in 0..<3 { bytes[3 * i + c] = Picture.byte(rgb.data[c * plane + i]) }
        }
        return try PNGImage(width: width, height: height, channels: 3, pixels: bytes)
    }

    /// Writes the picture as PNG (atomically).
    public func write(path: String) throws { try png().write(path: path) }

    /// RGB of the pixel at (y, x), as floats (for tests and overlays).
    public func pixel(y: Int, x: Int) -> (Float, Float, Float) {
        let plane = height * width, i = y * width + x
        return (rgb.data[i], rgb.data[plane + i], rgb.data[2 * plane + i])
    }
}
