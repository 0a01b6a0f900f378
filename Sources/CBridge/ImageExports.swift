// Image files through the C ABI: decoding PNG/JPEG with the engine's readers (so Python needs no image
// library) and writing PNG, e.g. heatmap overlays from a notebook.
import FCDDCore

@_cdecl("fcdd_image_read")
public func fcdd_image_read(_ path: UnsafePointer<CChar>?, _ channels: UnsafeMutablePointer<Int32>?,
                            _ height: UnsafeMutablePointer<Int32>?, _ width: UnsafeMutablePointer<Int32>?,
                            _ out: UnsafeMutablePointer<UInt8>?, _ cap: Int64) -> Int32 {
    guarded {
        let image = try readImageFile(path: try string(path, "path"))
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
}

@_cdecl("fcdd_png_write")
public func fcdd_png_write(_ path: UnsafePointer<CChar>?, _ pixels: UnsafePointer<UInt8>?, _ height: Int32,
                           _ width: Int32, _ channels: Int32) -> Int32 {
    guarded {
        let path = try string(path, "path")
        // PNG's own limit (libpng: 10^6 per side) first, so the size below cannot overflow and nothing is
        // copied for an image that cannot be written.
        guard (1...1_000_000).contains(height), (1...1_000_000).contains(width), (1...4).contains(channels) else {
            throw EngineError.invalidArgument("PNG: need height and width in 1...1000000 and 1-4 channels, got \(height) x \(width) x \(channels)")
        }
        let count = Int(height) * Int(width) * Int(channels)
        try CheckedAllocation.reserve(bytes: 2 * count, what: "PNG of \(height) x \(width) x \(channels)")
        let p = try required(pixels, "pixels")
        let image = try PNGImage(width: Int(width), height: Int(height), channels: Int(channels),
                                 pixels: Array(UnsafeBufferPointer(start: p, count: count)))
        try image.write(path: path)
    }
}
