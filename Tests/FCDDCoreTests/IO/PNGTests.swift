import XCTest
@testable import FCDDCore

/// Builds PNG files byte by byte (stored deflate blocks), for color types and bit depths that the
/// simplified write API cannot produce: palettes, 16-bit and 1-bit samples, transparency chunks.
enum RawPNG {
    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            c ^= UInt32(b)
            for _ in 0..<8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        }
        return ~c
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(UInt32(data.count)) + body + be32(crc32(body))
    }

    /// A zlib stream of stored (uncompressed) blocks.
    static func zlib(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var at = 0
        repeat {
            let n = min(65535, data.count - at)
            out += [at + n == data.count ? 1 : 0, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[at..<(at + n)]
            at += n
        } while at < data.count
        var (a, b): (UInt32, UInt32) = (1, 0)
        for x in data { a = (a + UInt32(x)) % 65521; b = (b + a) % 65521 }
        return out + be32(b << 16 | a)
    }

    /// `rows` are packed sample bytes without the filter byte.
    static func make(width: Int, height: Int, bitDepth: UInt8, colorType: UInt8, rows: [[UInt8]],
                     chunks: [(String, [UInt8])] = []) -> [UInt8] {
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        out += chunk("IHDR", be32(UInt32(width)) + be32(UInt32(height)) + [bitDepth, colorType, 0, 0, 0])
        for (type, data) in chunks { out += chunk(type, data) }
        out += chunk("IDAT", zlib(rows.flatMap { [0] + $0 }))
        return out + chunk("IEND", [])
    }
}

final class PNGTests: XCTestCase {
    func randomImage(_ w: Int, _ h: Int, _ c: Int, seed: UInt64) throws -> PNGImage {
        var state = seed
        let pixels = (0..<(w * h * c)).map { _ -> UInt8 in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: state >> 56)
        }
        return try PNGImage(width: w, height: h, channels: c, pixels: pixels)
    }

    func testRoundTripAllChannelCounts() throws {
        let dir = makeTestDirectory()
        defer { removeTestDirectory(dir) }
        for c in 1...4 {
            for (w, h) in [(7, 5), (1, 1), (1, 9), (13, 3), (64, 33)] {
                let image = try randomImage(w, h, c, seed: UInt64(c * 1000 + w * 10 + h))
                let bytes = try image.encode()
                XCTAssertEqual(Array(bytes.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
                XCTAssertEqual(try PNGImage.decode(bytes, source: "mem"), image, "\(c) channels \(w)x\(h)")
                let path = "\(dir)/img_\(c)_\(w)x\(h).png"
                try image.write(path: path)
                XCTAssertEqual(try PNGImage.read(path: path), image)
            }
        }
        XCTAssertEqual(listDirectory(dir).count, 20, "temporary files left: \(listDirectory(dir))")
    }

    func testPaletteBecomesRGBOrRGBA() throws {
        let plte: [UInt8] = [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30]
        let rows: [[UInt8]] = [[0, 1, 2], [3, 2, 1]]
        let rgb = try PNGImage.decode(RawPNG.make(width: 3, height: 2, bitDepth: 8, colorType: 3, rows: rows,
                                                  chunks: [("PLTE", plte)]), source: "palette")
        XCTAssertEqual(rgb.channels, 3)
        XCTAssertEqual(rgb.pixels, [255, 0, 0, 0, 255, 0, 0, 0, 255, 10, 20, 30, 0, 0, 255, 0, 255, 0])
        let rgba = try PNGImage.decode(RawPNG.make(width: 3, height: 2, bitDepth: 8, colorType: 3, rows: rows,
                                                   chunks: [("PLTE", plte), ("tRNS", [255, 0])]), source: "palette+tRNS")
        XCTAssertEqual(rgba.channels, 4)
        XCTAssertEqual(Array(rgba.pixels[0..<4]), [255, 0, 0, 255])
        XCTAssertEqual(rgba.pixels[7], 0)     // index 1 is transparent
        XCTAssertEqual(rgba.pixels[11], 255)  // index 2 has no tRNS entry: opaque
    }

    func testGrayAnd16BitAndLowBitDepths() throws {
        let gray16 = RawPNG.make(width: 4, height: 1, bitDepth: 16, colorType: 0,
                                 rows: [[0x00, 0x00, 0x12, 0x34, 0x80, 0x80, 0xFF, 0xFF]])
        let g = try PNGImage.decode(gray16, source: "gray16")
        XCTAssertEqual(g.channels, 1)
        XCTAssertEqual(g.pixels, [0, 0x12, 0x80, 0xFF])
        let rgb16 = RawPNG.make(width: 1, height: 2, bitDepth: 16, colorType: 2,
                                rows: [[0xFF, 0xFF, 0x00, 0x00, 0x40, 0x40], [0x01, 0x01, 0x02, 0x02, 0x03, 0x03]])
        let c = try PNGImage.decode(rgb16, source: "rgb16")
        XCTAssertEqual(c.channels, 3)
        XCTAssertEqual(c.pixels, [255, 0, 64, 1, 2, 3])
        let bits = try PNGImage.decode(RawPNG.make(width: 10, height: 1, bitDepth: 1, colorType: 0, rows: [[0b1010_0000, 0b1100_0000]]),
                                       source: "1-bit")
        XCTAssertEqual(bits.channels, 1)
        XCTAssertEqual(bits.pixels, [255, 0, 255, 0, 0, 0, 0, 0, 255, 255])
        let ga = try PNGImage.decode(RawPNG.make(width: 2, height: 1, bitDepth: 8, colorType: 4, rows: [[10, 255, 200, 128]]),
                                     source: "gray+alpha")
        XCTAssertEqual(ga.channels, 2)
        XCTAssertEqual(ga.pixels, [10, 255, 200, 128])
    }

    func testGammaChunkIsIgnoredLikePIL() throws {
        let row: [UInt8] = [0, 64, 128, 200, 255]
        for gamma: UInt32 in [100_000, 80_000, 45_455] {  // gAMA 1.0 would otherwise brighten 64 to 136
            let gray = RawPNG.make(width: 5, height: 1, bitDepth: 8, colorType: 0, rows: [row], chunks: [("gAMA", RawPNG.be32(gamma))])
            XCTAssertEqual(try PNGImage.decode(gray, source: "gamma").pixels, row, "gAMA \(gamma)")
            let rgb = RawPNG.make(width: 5, height: 1, bitDepth: 8, colorType: 2, rows: [row.flatMap { [$0, 0, $0] }],
                                  chunks: [("sRGB", [0]), ("gAMA", RawPNG.be32(gamma))])
            XCTAssertEqual(try PNGImage.decode(rgb, source: "gamma").pixels, row.flatMap { [$0, 0, $0] })
        }
        let gray16 = RawPNG.make(width: 2, height: 1, bitDepth: 16, colorType: 0, rows: [[0x80, 0x80, 0x40, 0x40]],
                                 chunks: [("gAMA", RawPNG.be32(100_000))])
        XCTAssertEqual(try PNGImage.decode(gray16, source: "gamma16").pixels, [0x80, 0x40])
        let rgba16 = RawPNG.make(width: 1, height: 1, bitDepth: 16, colorType: 6, rows: [[0x80, 0x80, 0x40, 0x40, 0x20, 0x20, 0x80, 0x80]])
        XCTAssertEqual(try PNGImage.decode(rgba16, source: "rgba16").pixels, [0x80, 0x40, 0x20, 0x80])  // not premultiplied
    }

    func testTruncatedPNGThrows() throws {
        let bytes = try randomImage(23, 17, 3, seed: 7).encode()
        var cuts = Array(0..<80) + Array(stride(from: 80, to: bytes.count, by: 97)) + [bytes.count - 13, bytes.count - 1]
        cuts.removeAll { $0 >= bytes.count }
        for cut in cuts {
            XCTAssertThrowsError(try PNGImage.decode(Array(bytes[0..<cut]), source: "cut.png"), "cut at \(cut)") { error in
                guard case EngineError.format(let m) = error else { return XCTFail("\(cut): \(error)") }
                XCTAssertTrue(m.hasPrefix("cut.png: "), m)
            }
        }
        let dir = makeTestDirectory()
        defer { removeTestDirectory(dir) }
        writeRaw(Array(bytes[0..<(bytes.count / 2)]), "\(dir)/half.png")
        XCTAssertThrowsError(try PNGImage.read(path: "\(dir)/half.png")) { error in
            guard case EngineError.format(let m) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(m.hasPrefix("\(dir)/half.png: invalid PNG ("), m)
        }
    }

    func testCorruptPNGThrows() throws {
        let good = try randomImage(5, 4, 4, seed: 3).encode()
        var badCRC = good
        badCRC[20] ^= 0x01  // inside IHDR, so its CRC no longer matches
        XCTAssertThrowsError(try PNGImage.decode(badCRC, source: "crc.png")) { XCTAssertTrue("\($0)".contains("crc.png: invalid PNG"), "\($0)") }
        XCTAssertThrowsError(try PNGImage.decode(Array("GIF89a not a png".utf8), source: "x.gif")) {
            XCTAssertEqual($0 as? EngineError, .format("x.gif: not a PNG file (bad signature)"))
        }
        XCTAssertThrowsError(try PNGImage.decode([], source: "empty.png"))
        // A tiny file whose header claims 10^6 x 10^6 RGBA pixels must not allocate 4 TB.
        let bomb = RawPNG.make(width: 1_000_000, height: 1_000_000, bitDepth: 8, colorType: 6, rows: [[0, 0, 0, 0]])
        XCTAssertThrowsError(try PNGImage.decode(bomb, source: "bomb.png")) { XCTAssertTrue("\($0)".contains("exceeds the limit"), "\($0)") }
        // Below the pixel limit, the size must still fit the data: 10000 x 10000 RGBA from a few bytes.
        let thin = RawPNG.make(width: 10_000, height: 10_000, bitDepth: 8, colorType: 6, rows: [[0, 0, 0, 0]])
        XCTAssertThrowsError(try PNGImage.decode(thin, source: "thin.png")) { XCTAssertTrue("\($0)".contains("too large"), "\($0)") }
        let zeroWidth = RawPNG.make(width: 0, height: 1, bitDepth: 8, colorType: 0, rows: [[]])
        XCTAssertThrowsError(try PNGImage.decode(zeroWidth, source: "zero.png"))
        let badPaletteIndex = RawPNG.make(width: 1, height: 1, bitDepth: 8, colorType: 3, rows: [[0]])  // no PLTE
        XCTAssertThrowsError(try PNGImage.decode(badPaletteIndex, source: "noplte.png"))
        let shortRows = RawPNG.make(width: 4, height: 4, bitDepth: 8, colorType: 0, rows: [[1, 2, 3, 4]])
        XCTAssertThrowsError(try PNGImage.decode(shortRows, source: "short.png"))

        // Single-byte corruption anywhere: decoding either succeeds or throws .format.
        for i in 8..<good.count {
            for value: UInt8 in [0x00, 0xFF, good[i] ^ 0x10] {
                var b = good
                b[i] = value
                do { _ = try PNGImage.decode(b, source: "flip") } catch let e as EngineError {
                    guard case .format = e else { return XCTFail("\(i): \(e)") }
                }
            }
        }
    }

    func testValidationAndFileErrors() throws {
        XCTAssertThrowsError(try PNGImage(width: 2, height: 2, channels: 3, pixels: [0, 1])) {
            XCTAssertEqual($0 as? EngineError, .shapeMismatch("PNG image: 2 x 2 x 3 needs 12 bytes, got 2"))
        }
        XCTAssertThrowsError(try PNGImage(width: 1, height: 1, channels: 5, pixels: [0, 0, 0, 0, 0]))
        XCTAssertThrowsError(try PNGImage(width: 0, height: 1, channels: 1, pixels: []))
        XCTAssertThrowsError(try PNGImage(width: -1, height: -1, channels: 1, pixels: [0]))
        var image = try randomImage(3, 3, 1, seed: 1)
        image.pixels.removeLast()
        XCTAssertThrowsError(try image.encode())

        XCTAssertThrowsError(try PNGImage.read(path: "/nonexistent/a.png")) {
            XCTAssertEqual($0 as? EngineError, .io("/nonexistent/a.png: cannot open (No such file or directory)"))
        }
        let dir = makeTestDirectory()
        defer { removeTestDirectory(dir) }
        XCTAssertThrowsError(try randomImage(2, 2, 3, seed: 2).write(path: "\(dir)/no/such/dir/a.png")) { error in
            guard case EngineError.io(let m) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(m.hasPrefix("\(dir)/no/such/dir/a.png: "), m)
        }
        XCTAssertEqual(listDirectory(dir), [])
    }
}
