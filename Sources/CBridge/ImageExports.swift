// Images through the C ABI: decoding PNG/JPEG files or bytes (an upload) with the engine's readers, so
// Python needs no image library, and writing PNG to a file or to memory (heatmaps and overlays).
import FCDDCore

@_cdecl("fcdd_image_read")
public func fcdd_image_read(_ path: UnsafePointer<CChar>?, _ channels: UnsafeMutablePointer<Int32>?,
                            _ height: UnsafeMutablePointer<Int32>?, _ width: UnsafeMutablePointer<Int32>?,
                            _ out: UnsafeMutablePointer<UInt8>?, _ cap: Int64) -> Int32 {
    guarded {
        try hand(try readImageFile(path: try string(path, "path")), channels, height, width, out, cap)
    }
}

@_cdecl("fcdd_image_decode")
public func fcdd_image_decode(_ data: UnsafePointer<UInt8>?, _ nbytes: Int64, _ source: UnsafePointer<CChar>?,
                              _ wanted: Int32, _ channels: UnsafeMutablePointer<Int32>?, _ height: UnsafeMutablePointer<Int32>?,
                              _ width: UnsafeMutablePointer<Int32>?, _ out: UnsafeMutablePointer<UInt8>?,
                              _ cap: Int64) -> Int32 {
    guarded {
        guard [0, 1, 3].contains(wanted) else { throw EngineError.invalidArgument("channels_wanted must be 0, 1 or 3, got \(wanted)") }
        let upload = try callerBytes(data, nbytes, source)
        let image = try decodeImage(upload.bytes, source: upload.name)
        try hand(wanted == 0 ? image : image.converted(toChannels: Int(wanted)), channels, height, width, out, cap)
    }
}

@_cdecl("fcdd_png_encode")
public func fcdd_png_encode(_ pixels: UnsafePointer<UInt8>?, _ height: Int32, _ width: Int32, _ channels: Int32,
                            _ out: UnsafeMutablePointer<UInt8>?, _ cap: Int64, _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let bytes = try pngImage(pixels, height, width, channels).encode()
        try required(needed, "needed").pointee = Int64(bytes.count)
        guard let out else { return }
        guard cap >= Int64(bytes.count) else {
            throw EngineError.shapeMismatch("buffer of \(cap) bytes is too small for \(bytes.count) bytes of PNG")
        }
        bytes.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: bytes.count) }
    }
}

/// The shape of `image` and, when `out` is given, its interleaved bytes (the two-call protocol of fcdd.h).
private func hand(_ image: RawImage, _ channels: UnsafeMutablePointer<Int32>?, _ height: UnsafeMutablePointer<Int32>?,
                  _ width: UnsafeMutablePointer<Int32>?, _ out: UnsafeMutablePointer<UInt8>?, _ cap: Int64) throws {
    try required(channels, "channels").pointee = Int32(image.channels)
    try required(height, "height").pointee = Int32(image.height)
    try required(width, "width").pointee = Int32(image.width)
    guard let out = out else { return }
    let bytes = image.interleaved
    guard cap >= Int64(bytes.count) else {
        throw EngineError.shapeMismatch("buffer of \(cap) bytes is too small for a \(image.height) x \(image.width) x \(image.channels) image")
    }
    bytes.withUnsafeBufferPointer { out.update(from: $0.baseAddress!, count: bytes.count) }
}

@_cdecl("fcdd_png_write")
public func fcdd_png_write(_ path: UnsafePointer<CChar>?, _ pixels: UnsafePointer<UInt8>?, _ height: Int32,
                           _ width: Int32, _ channels: Int32) -> Int32 {
    guarded {
        let path = try string(path, "path")
        try pngImage(pixels, height, width, channels).write(path: path)
    }
}

/// The caller's interleaved pixels as a PNG image, its size checked before anything is copied.
private func pngImage(_ pixels: UnsafePointer<UInt8>?, _ height: Int32, _ width: Int32, _ channels: Int32) throws -> PNGImage {
    // PNG's own limit (libpng: 10^6 per side) first, so the size below cannot overflow and nothing is
    // copied for an image that cannot be written.
    guard (1...1_000_000).contains(height), (1...1_000_000).contains(width), (1...4).contains(channels) else {
        throw EngineError.invalidArgument("PNG: need height and width in 1...1000000 and 1-4 channels, got \(height) x \(width) x \(channels)")
    }
    let count = Int(height) * Int(width) * Int(channels)
    try CheckedAllocation.reserve(bytes: 2 * count, what: "PNG of \(height) x \(width) x \(channels)")
    let p = try required(pixels, "pixels")
    return try PNGImage(width: Int(width), height: Int(height), channels: Int(channels),
                        pixels: Array(UnsafeBufferPointer(start: p, count: count)))
}
