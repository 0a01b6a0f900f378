// Reading an image file of any supported format into a RawImage. This PNG-only version is a placeholder
// on the folders branch; the formats branch replaces it with one that also decodes JPEG (detected by
// signature, not by name), keeping these two signatures.

/// Reads a PNG image file (gray, gray+alpha, RGB, RGBA, palette; 8 or 16 bit) as a RawImage with 1 or 3
/// channels. Other formats throw `EngineError.format` naming the file.
public func readImageFile(path: String) throws -> RawImage {
    let bytes = try readWholeFile(path)
    let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    guard bytes.count >= 8, Array(bytes[0..<8]) == pngSignature else {
        throw EngineError.format("\(path): not a PNG file (this build reads PNG images only)")
    }
    return try RawImage(png: try PNGImage.decode(bytes, source: path))
}

/// Whether a file name has an image extension the engine reads (png, jpg, jpeg; any letter case).
public func isImageFileName(_ name: String) -> Bool {
    guard let dot = name.lastIndex(of: ".") else { return false }
    let ext = name[name.index(after: dot)...].lowercased()
    return ext == "png" || ext == "jpg" || ext == "jpeg"
}
