// Reading a single image file of an image-folder dataset (MVTec-AD, ImageNet, custom folders). The format
// is told by the content's signature, as PIL's `Image.open` does, so a mislabelled extension still works.

/// Reads a PNG or JPEG file as an 8-bit image: gray stays 1 channel, colour becomes RGB, an alpha channel
/// is dropped. Throws `.io` when the file cannot be read and `.format` for other or corrupt content.
public func readImageFile(path: String) throws -> RawImage {
    try decodeImage(try readWholeFile(path), source: path)
}

/// Decodes PNG or JPEG bytes (told by their signature) as `readImageFile` does; `source` names them in
/// error messages (an uploaded file, for the server).
public func decodeImage(_ bytes: [UInt8], source: String) throws -> RawImage {
    let pngSignature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
    if bytes.starts(with: pngSignature) {
        return try RawImage(png: try PNGImage.decode(bytes, source: source))
    }
    if isJPEG(bytes) {
        return try decodeJPEG(bytes, source: source)
    }
    let head = bytes.prefix(8).map { String($0, radix: 16).count == 1 ? "0" + String($0, radix: 16) : String($0, radix: 16) }
    throw EngineError.format("\(source): not a PNG or JPEG image (\(bytes.isEmpty ? "empty file" : "starts with bytes \(head.joined(separator: " "))")); only PNG and JPEG are read")
}

/// Whether a file name has an image extension this engine reads (.png, .jpg, .jpeg; any letter case).
public func isImageFileName(_ name: String) -> Bool {
    guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return false }
    let ext = name[name.index(after: dot)...].lowercased()
    return ext == "png" || ext == "jpg" || ext == "jpeg"
}
