import XCTest
import CTurboJPEG
@testable import FCDDCore

/// JPEG decoding and `readImageFile` on files written by the tests (TurboJPEG and libpng encoders).
final class ImageFileTests: XCTestCase {
    /// A smooth gradient (JPEG reproduces it closely), interleaved H x W x C.
    func gradient(width: Int, height: Int, channels: Int) -> [UInt8] {
        var out: [UInt8] = []
        for y in 0..<height {
            for x in 0..<width {
                for c in 0..<channels { out.append(UInt8((x * 6 + y * 3 + c * 40) % 256)) }
            }
        }
        return out
    }

    func maxAbsDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
        zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
    }

    func testGrayJPEGStaysOneChannel() throws {
        let pixels = gradient(width: 24, height: 16, channels: 1)
        let jpeg = encodeJPEG(pixels, width: 24, height: 16, format: TJPF_GRAY, subsampling: TJSAMP_GRAY)
        let image = try decodeJPEG(jpeg, source: "gray.jpg")
        XCTAssertEqual([image.channels, image.height, image.width], [1, 16, 24])
        XCTAssertLessThanOrEqual(maxAbsDifference(image.pixels, pixels), 4)
    }

    func testColourJPEGBecomesPlanarRGB() throws {
        let pixels = gradient(width: 16, height: 8, channels: 3)
        for sampling in [TJSAMP_444, TJSAMP_420] {
            let jpeg = encodeJPEG(pixels, width: 16, height: 8, format: TJPF_RGB, subsampling: sampling, quality: 100)
            let image = try decodeJPEG(jpeg, source: "rgb.jpg")
            XCTAssertEqual([image.channels, image.height, image.width], [3, 8, 16])
            XCTAssertLessThanOrEqual(maxAbsDifference(image.interleaved, pixels), sampling == TJSAMP_444 ? 4 : 12)
            XCTAssertEqual(image.pixels[16 * 8 + 1], image.interleaved[4], "green plane follows the red plane")
        }
    }

    func testCMYKJPEGIsConvertedLikePIL() throws {
        // PIL reads CMYK JPEGs inverted ("CMYK;I") and converts with cmyk2rgb: for stored C = 200, K = 180,
        // R = K - round((255 - C) * K / 255) = 180 - 39 = 141; M = 100 -> 180 - 109 = 71; Y = 50 -> 180 - 145 = 35.
        let pixels = [UInt8](repeating: 0, count: 16 * 16 * 4).enumerated().map { i, _ in [200, 100, 50, 180][i % 4] as UInt8 }
        let jpeg = encodeJPEG(pixels, width: 16, height: 16, format: TJPF_CMYK, subsampling: TJSAMP_444, quality: 100)
        let image = try decodeJPEG(jpeg, source: "cmyk.jpg")
        XCTAssertEqual(image.channels, 3)
        for (c, expected) in [141, 71, 35].enumerated() {
            XCTAssertEqual(Double(image.pixels[c * 256 + 37]), Double(expected), accuracy: 3, "channel \(c)")
        }
    }

    /// Bit-exact agreement with PIL (Fixtures/make_pil_jpegs.py): both decode with libjpeg-turbo's
    /// accurate IDCT and fancy upsampling; CMYK goes through PIL's inversion and cmyk2rgb.
    func testDecodingMatchesPIL() throws {
        for (name, channels) in [("rgb420", 3), ("progressive", 3), ("gray", 1), ("cmyk", 3)] {
            let image = try readImageFile(path: fixturePath("pil_\(name).jpg"))
            XCTAssertEqual([image.channels, image.height, image.width], [channels, 19, 27], name)
            XCTAssertEqual(image.pixels, try readWholeFile(fixturePath("pil_\(name).raw")), name)
        }
    }

    func testTruncatedCorruptAndOversizeJPEGsThrow() throws {
        let jpeg = encodeJPEG(gradient(width: 32, height: 32, channels: 3), width: 32, height: 32, format: TJPF_RGB, subsampling: TJSAMP_420)
        for cut in [jpeg.count - 2, jpeg.count / 2, 300, 40, 3] {
            assertReaderError(try decodeJPEG(Array(jpeg.prefix(cut)), source: "cut.jpg"), contains: ["cut.jpg"])
        }
        assertReaderError(try decodeJPEG(Array(jpeg.dropLast(2)), source: "noeoi.jpg"), contains: ["truncated"])
        assertReaderError(try decodeJPEG([0xFF, 0xD8], source: "soi.jpg"), contains: ["soi.jpg", "not a JPEG"])
        var header = jpeg
        for i in 4..<24 { header[i] = UInt8(i * 17 % 256) }
        assertReaderError(try decodeJPEG(header, source: "hdr.jpg"), contains: ["hdr.jpg", "invalid JPEG header"])
        // Trailing bytes after the end-of-image marker are ignored, as PIL does.
        XCTAssertEqual(try decodeJPEG(jpeg + [0, 1, 2], source: "tail.jpg").width, 32)
        // A frame header claiming 60000 x 60000 pixels is refused before any pixel memory is allocated.
        var huge = jpeg
        let sof = try XCTUnwrap((2..<(huge.count - 9)).first { huge[$0] == 0xFF && huge[$0 + 1] == 0xC0 })
        huge.replaceSubrange((sof + 5)..<(sof + 9), with: [0xEA, 0x60, 0xEA, 0x60])
        assertReaderError(try decodeJPEG(huge, source: "bomb.jpg"), contains: ["bomb.jpg", "60000 x 60000", "limit"])
        // Corrupt entropy-coded data is decoded with warnings, as PIL does: an image of the right size, no trap.
        for position in stride(from: jpeg.count / 2, to: jpeg.count - 2, by: 29) {
            var corrupt = jpeg
            corrupt[position] ^= 0x5A
            if let image = try? decodeJPEG(corrupt, source: "flip.jpg") { XCTAssertEqual(image.planeSize, 1024) }
        }
    }

    func testEndOfImageInsideAnEmbeddedThumbnailDoesNotHideTruncation() throws {
        let main = encodeJPEG(gradient(width: 32, height: 32, channels: 3), width: 32, height: 32, format: TJPF_RGB, subsampling: TJSAMP_420)
        let thumbnail = encodeJPEG(gradient(width: 8, height: 8, channels: 1), width: 8, height: 8, format: TJPF_GRAY, subsampling: TJSAMP_GRAY)
        // An EXIF-style APP1 segment right after SOI carries a complete JPEG, with its own FF D9.
        let payload = Array("Exif".utf8) + [0, 0] + thumbnail
        let app1: [UInt8] = [0xFF, 0xE1, UInt8((payload.count + 2) >> 8), UInt8((payload.count + 2) & 0xFF)] + payload
        let withThumbnail = Array(main.prefix(2)) + app1 + main.dropFirst(2)
        XCTAssertEqual(try decodeJPEG(withThumbnail, source: "exif.jpg").width, 32)
        assertReaderError(try decodeJPEG(Array(withThumbnail.dropLast(2)), source: "exif-cut.jpg"), contains: ["exif-cut.jpg", "truncated"])
        assertReaderError(try decodeJPEG(Array(withThumbnail.prefix(withThumbnail.count - 40)), source: "exif-cut2.jpg"), contains: ["truncated"])
    }

    func testReadImageFileDetectsTheFormatByContent() throws {
        let dir = makeTestDirectory()
        let rgb = gradient(width: 8, height: 8, channels: 3)
        // Deliberately misleading names: the signature decides.
        let jpegPath = try writeFormatTestFile(encodeJPEG(rgb, width: 8, height: 8, format: TJPF_RGB, subsampling: TJSAMP_444, quality: 100), dir, "photo.png")
        let fromJPEG = try readImageFile(path: jpegPath)
        XCTAssertEqual([fromJPEG.channels, fromJPEG.height, fromJPEG.width], [3, 8, 8])
        XCTAssertLessThanOrEqual(maxAbsDifference(fromJPEG.interleaved, rgb), 4)

        let rgba = try PNGImage(width: 3, height: 2, channels: 4, pixels: (0..<24).map { UInt8($0 * 10) })
        let pngPath = try writeFormatTestFile(try rgba.encode(), dir, "mask.JPG")
        let fromPNG = try readImageFile(path: pngPath)
        XCTAssertEqual(fromPNG, try RawImage(interleaved: (0..<6).flatMap { p in (0..<3).map { UInt8((p * 4 + $0) * 10) } }, height: 2, width: 3, channels: 3))
        let grayPath = try writeFormatTestFile(try PNGImage(width: 2, height: 2, channels: 1, pixels: [0, 50, 100, 250]).encode(), dir, "g.png")
        XCTAssertEqual(try readImageFile(path: grayPath).pixels, [0, 50, 100, 250])

        let textPath = try writeFormatTestFile(Array("hello".utf8), dir, "notes.png")
        assertReaderError(try readImageFile(path: textPath), contains: ["notes.png", "not a PNG or JPEG", "68 65 6c 6c 6f"])
        let emptyPath = try writeFormatTestFile([], dir, "empty.jpg")
        assertReaderError(try readImageFile(path: emptyPath), contains: ["empty file"])
        assertReaderError(try readImageFile(path: dir + "/missing.png"), contains: ["missing.png", "cannot open"])
        let cutPath = try writeFormatTestFile(Array(try rgba.encode().dropLast(12)), dir, "cut.png")
        assertReaderError(try readImageFile(path: cutPath), contains: ["cut.png"])
    }

    func testImageFileNames() {
        for name in ["a.png", "B.PNG", "c.jpg", "d.JpG", "e.jpeg", "dir.x/f.JPEG", "000.png"] { XCTAssertTrue(isImageFileName(name), name) }
        for name in ["a.gif", "b.pngx", "png", ".png", "c.", "d.tar.gz", "jpeg.txt", ""] { XCTAssertFalse(isImageFileName(name), name) }
    }
}
