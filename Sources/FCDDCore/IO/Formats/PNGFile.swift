// 8-bit PNG through libpng's simplified API (png_image_*). That API catches libpng's longjmp errors
// internally and reports them in png_image.message; the classic API would need setjmp in the caller,
// which Swift cannot do, so nothing else from libpng is used here.
import CPNG

/// An 8-bit image, row-major with interleaved channels (H x W x C).
public struct PNGImage: Equatable {
    public var width: Int
    public var height: Int
    /// 1 gray, 2 gray + alpha, 3 RGB, 4 RGBA.
    public var channels: Int
    public var pixels: [UInt8]

    /// Checks that the size is positive, `channels` is 1...4 and `pixels` has width * height * channels bytes.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) throws {
        try PNGImage.validate(width: width, height: height, channels: channels, count: pixels.count)
        self.width = width; self.height = height; self.channels = channels; self.pixels = pixels
    }

    private static func validate(width: Int, height: Int, channels: Int, count: Int) throws {
        guard (1...4).contains(channels) else {
            throw EngineError.invalidArgument("PNG image: channels must be 1 (gray), 2 (gray+alpha), 3 (RGB) or 4 (RGBA), got \(channels)")
        }
        // PNG stores 31-bit sizes; libpng's default limit is 10^6 per side.
        guard width >= 1, height >= 1, width <= 1_000_000, height <= 1_000_000 else {
            throw EngineError.invalidArgument("PNG image: size \(width) x \(height) is outside 1...1000000")
        }
        guard count == width * height * channels else {
            throw EngineError.shapeMismatch("PNG image: \(width) x \(height) x \(channels) needs \(width * height * channels) bytes, got \(count)")
        }
    }

    /// Reads a PNG file. Gray stays 1 channel, palette becomes RGB or RGBA, 16-bit becomes 8-bit.
    public static func read(path: String) throws -> PNGImage {
        try decode(try readWholeFile(path), source: path)
    }

    /// Decodes PNG bytes; `source` names them in error messages. Corrupt data throws `.format`.
    public static func decode(_ bytes: [UInt8], source: String) throws -> PNGImage {
        let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { throw EngineError.format("\(source): not a PNG file (bad signature)") }
        let (stream, complete) = scanChunks(bytes)
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        defer { png_image_free(&image) }
        // libpng keeps a pointer to the input until finish_read, so both calls stay inside this closure.
        return try stream.withUnsafeBytes { raw -> PNGImage in
            guard png_image_begin_read_from_memory(&image, raw.baseAddress, raw.count) != 0 else {
                throw EngineError.format("\(source): invalid PNG (\(message(image)))")
            }
            let channels = (image.format & PNG_FORMAT_FLAG_COLOR != 0 ? 3 : 1) + (image.format & PNG_FORMAT_FLAG_ALPHA != 0 ? 1 : 0)
            let (width, height) = (Int(image.width), Int(image.height))
            guard width <= 1_000_000, height <= 1_000_000 else {  // libpng's own default limit, re-checked
                throw EngineError.format("\(source): PNG size \(width) x \(height) exceeds 1000000 per side")
            }
            try EngineLimits.checkImage(width: width, height: height, source: source)
            let count = width * height * channels
            // The header alone can claim gigabytes. Deflate expands at most ~1032x, and a 1-bit palette
            // pixel becomes 4 bytes (32x), so more than that from this many bytes is a corrupt file.
            guard count / 33_100 <= bytes.count else {
                throw EngineError.format("\(source): PNG header claims \(width) x \(height) pixels, too large for \(bytes.count) bytes of data")
            }
            // 16-bit files without gamma information are sRGB in practice (PIL and OpenCV read them
            // so); without this flag libpng would treat them as linear and brighten them.
            image.flags |= UInt32(PNG_IMAGE_FLAG_16BIT_sRGB)
            image.format = PNGImage.format(channels: channels)
            var pixels = [UInt8](repeating: 0, count: count)
            let ok = pixels.withUnsafeMutableBytes {
                png_image_finish_read(&image, nil, $0.baseAddress, Int32(width * channels), nil)
            }
            guard ok != 0 else { throw EngineError.format("\(source): invalid PNG (\(message(image)))") }
            guard complete else { throw EngineError.format("\(source): invalid PNG (truncated: no IEND chunk)") }
            return try PNGImage(width: width, height: height, channels: channels, pixels: pixels)
        }
    }

    /// The image as PNG bytes (8-bit, non-interlaced).
    public func encode() throws -> [UInt8] {
        // The fields are public and mutable, so the invariant from init may no longer hold.
        try PNGImage.validate(width: width, height: height, channels: channels, count: pixels.count)
        var image = png_image()
        image.version = UInt32(PNG_IMAGE_VERSION)
        image.width = UInt32(width)
        image.height = UInt32(height)
        image.format = PNGImage.format(channels: channels)
        defer { png_image_free(&image) }
        let stride = Int32(width * channels)
        return try pixels.withUnsafeBytes { src -> [UInt8] in
            // First pass measures, second pass writes; libpng has no growable-buffer mode.
            var size = 0
            guard png_image_write_to_memory(&image, nil, &size, 0, src.baseAddress, stride, nil) != 0, size > 0 else {
                throw EngineError.invalidArgument("PNG image: libpng cannot encode it (\(PNGImage.message(image)))")
            }
            var out = [UInt8](repeating: 0, count: size)
            let ok = out.withUnsafeMutableBytes {
                png_image_write_to_memory(&image, $0.baseAddress, &size, 0, src.baseAddress, stride, nil)
            }
            guard ok != 0, size <= out.count else { throw EngineError.invalidArgument("PNG image: libpng cannot encode it (\(PNGImage.message(image)))") }
            return Array(out[0..<size])
        }
    }

    /// Encodes and writes the image atomically (temporary file, fsync, rename).
    public func write(path: String) throws {
        try writeFileAtomically(try encode(), to: path)
    }

    /// The simplified API's 8-bit sample format for 1...4 channels (gray, gray+alpha, RGB, RGBA).
    private static func format(channels: Int) -> UInt32 {
        (channels >= 3 ? PNG_FORMAT_FLAG_COLOR : 0) | (channels % 2 == 0 ? PNG_FORMAT_FLAG_ALPHA : 0)
    }

    /// Walks the chunk list once. gAMA chunks are dropped: for a file with a non-sRGB gamma the
    /// simplified API would convert the samples to sRGB, while PIL (and so the PyTorch pipelines this
    /// engine is compared with) returns the stored values. `complete` tells whether IEND is reached,
    /// because the simplified reader stops after the image data and would accept a cut-off file.
    /// A malformed chunk list is passed on for libpng to report.
    private static func scanChunks(_ bytes: [UInt8]) -> (stream: [UInt8], complete: Bool) {
        var out = Array(bytes.prefix(8)), at = 8, dropped = false, complete = false
        while bytes.count - at >= 12 {
            let length = bytes[at..<(at + 4)].reduce(0) { $0 << 8 | Int($1) }  // < 2^32: no overflow below
            let type = bytes[(at + 4)..<(at + 8)]
            if type.elementsEqual("IEND".utf8) { complete = length == 0; break }
            guard at + 12 + length <= bytes.count else { break }
            if type.elementsEqual("gAMA".utf8) { dropped = true } else { out += bytes[at..<(at + 12 + length)] }
            at += 12 + length
        }
        return (dropped ? out + bytes[at...] : bytes, complete)
    }

    /// libpng's error text, a NUL-terminated char[64] inside the struct.
    private static func message(_ image: png_image) -> String {
        withUnsafeBytes(of: image.message) { raw in
            let text = String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            return text.isEmpty ? "unknown libpng error" : text
        }
    }
}
