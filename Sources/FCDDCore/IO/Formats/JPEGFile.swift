// JPEG decoding through libjpeg-turbo's TurboJPEG API (2.1 on Debian 12), which returns error codes
// instead of longjmp-ing, so Swift can call it. The results follow what PIL gives the original:
//  * Pillow wheels decode with libjpeg-turbo too, with the accurate integer IDCT and "fancy" upsampling;
//    TurboJPEG's decompression defaults are the same, so pixels agree.
//  * gray JPEGs stay 1 channel (PIL mode "L"), YCbCr/RGB JPEGs become RGB.
//  * CMYK/YCCK JPEGs: PIL reads them as inverted ("CMYK;I", Adobe convention) and `convert("RGB")` uses
//    Pillow's cmyk2rgb, R = 255-K' - (C' * (255-K') / 255) with C' = 255-C stored; done below.
//  * warnings (corrupt entropy data) do not stop PIL, a truncated file does ("image file is truncated"):
//    here a fatal libjpeg error or a missing end-of-image marker throws, other warnings are accepted.
//  * images over the pixel limit (EngineLimits, by default Pillow's decompression-bomb limit) and sizes the
//    file is too short to encode are rejected from the header, before any pixel memory is allocated.
import CTurboJPEG

/// With Huffman coding every 8x8 block of the full-resolution component carries at least one bit (its DC
/// code), so a JPEG of n bytes encodes at most 8 * 64 * n pixels; a header claiming more belongs to a cut
/// or corrupt file that libjpeg would "decode" into a large array of filler. (Arithmetic coding, rare, can
/// go below a bit per block; there only the pixel limit applies.)
let jpegMaxPixelsPerByte = 512

/// Whether `bytes` start like a JPEG (SOI marker followed by another marker).
public func isJPEG(_ bytes: [UInt8]) -> Bool {
    bytes.count >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF
}

/// Decodes JPEG bytes to a 1-channel (gray JPEG) or 3-channel (everything else) image. `source` names the
/// data in error messages. Corrupt or truncated data throws `EngineError.format`.
public func decodeJPEG(_ bytes: [UInt8], source: String) throws -> RawImage {
    guard isJPEG(bytes) else { throw EngineError.format("\(source): not a JPEG file (no SOI marker)") }
    guard let handle = tjInitDecompress() else { throw EngineError.format("\(source): TurboJPEG cannot initialise a decompressor") }
    defer { tjDestroy(handle) }
    func libraryMessage() -> String { tjGetErrorStr2(handle).map { String(cString: $0) } ?? "unknown error" }

    return try bytes.withUnsafeBufferPointer { input -> RawImage in
        var width: Int32 = 0, height: Int32 = 0, subsampling: Int32 = 0, colorspace: Int32 = 0
        guard tjDecompressHeader3(handle, input.baseAddress, UInt(input.count), &width, &height, &subsampling, &colorspace) == 0 else {
            throw EngineError.format("\(source): invalid JPEG header (\(libraryMessage()))")
        }
        // A stream of tables only (or one whose frame header was not reached) reports a 0 x 0 size.
        guard width >= 1, height >= 1 else {
            throw EngineError.format("\(source): invalid JPEG header (no image frame found, size \(width) x \(height))")
        }
        try EngineLimits.checkImage(width: Int(width), height: Int(height), source: source)
        let markers = scanMarkers(bytes)
        guard markers.arithmetic || Int(width) * Int(height) <= jpegMaxPixelsPerByte * bytes.count else {
            throw EngineError.format("\(source): JPEG header claims \(width) x \(height) pixels, more than \(bytes.count) bytes can encode (corrupt or cut file)")
        }
        guard markers.endsWithEndOfImage else {
            throw EngineError.format("\(source): JPEG is truncated (no end-of-image marker after the image data)")
        }
        let cmyk = colorspace == TJCS_CMYK.rawValue || colorspace == TJCS_YCCK.rawValue
        let channels = colorspace == TJCS_GRAY.rawValue ? 1 : (cmyk ? 4 : 3)
        let format = channels == 1 ? TJPF_GRAY : (cmyk ? TJPF_CMYK : TJPF_RGB)
        var pixels = [UInt8](repeating: 0, count: Int(width) * Int(height) * channels)
        let status = pixels.withUnsafeMutableBufferPointer { out in
            tjDecompress2(handle, input.baseAddress, UInt(input.count), out.baseAddress, width, 0, height,
                          format.rawValue, TJFLAG_ACCURATEDCT)
        }
        // A warning (e.g. "Corrupt JPEG data: bad Huffman code") still yields the whole image, as in PIL.
        if status != 0 && tjGetErrorCode(handle) != TJERR_WARNING.rawValue {
            throw EngineError.format("\(source): corrupt JPEG (\(libraryMessage()))")
        }
        if cmyk { pixels = rgbFromStoredCMYK(pixels) }
        return try RawImage(interleaved: pixels, height: Int(height), width: Int(width), channels: cmyk ? 3 : channels)
    }
}

/// The marker segments before the first start-of-scan: whether a frame header is arithmetic-coded
/// (SOF9-SOF11, SOF13-SOF15), and whether an EOI marker (FF D9) follows that scan. Entropy-coded data
/// cannot contain FF D9 (a data byte FF is stuffed as FF 00), and segments before the scan are skipped by
/// their lengths, so an embedded EXIF thumbnail's EOI does not count. libjpeg itself would pad a cut-off
/// scan with a fake EOI and only warn.
private func scanMarkers(_ bytes: [UInt8]) -> (arithmetic: Bool, endsWithEndOfImage: Bool) {
    var at = 2, arithmetic = false
    while at + 1 < bytes.count {
        guard bytes[at] == 0xFF else { at += 1; continue }  // stray bytes: libjpeg skips them too (with a warning)
        let marker = bytes[at + 1]
        if marker == 0xFF { at += 1; continue }  // fill byte
        if marker == 0xDA { break }               // start of scan
        if marker == 0x01 || (0xD0...0xD7).contains(marker) { at += 2; continue }
        if (0xC9...0xCF).contains(marker) && marker != 0xCC { arithmetic = true }
        guard at + 3 < bytes.count else { return (arithmetic, false) }
        at += 2 + (Int(bytes[at + 2]) << 8 | Int(bytes[at + 3]))
    }
    guard at + 1 < bytes.count else { return (arithmetic, false) }
    var i = bytes.count - 2
    while i > at {
        if bytes[i] == 0xFF && bytes[i + 1] == 0xD9 { return (arithmetic, true) }
        i -= 1
    }
    return (arithmetic, false)
}

/// PIL's CMYK JPEG path: raw mode "CMYK;I" inverts the stored values, then `convert("RGB")` applies
/// Pillow's cmyk2rgb with its rounded MULDIV255. Input and output are interleaved.
private func rgbFromStoredCMYK(_ stored: [UInt8]) -> [UInt8] {
    let count = stored.count / 4
    var rgb = [UInt8](repeating: 0, count: count * 3)
    func mulDiv255(_ a: Int, _ b: Int) -> Int { let t = a * b + 128; return ((t >> 8) + t) >> 8 }
    for p in 0..<count {
        let nk = Int(stored[4 * p + 3])  // 255 - K', with K' = 255 - stored K
        for c in 0..<3 {
            let inverted = 255 - Int(stored[4 * p + c])
            rgb[3 * p + c] = UInt8(clamping: nk - mulDiv255(inverted, nk))
        }
    }
    return rgb
}
