import Foundation
import XCTest
@testable import FCDDCore

/// A fresh temporary directory, removed when the test case ends.
func makeTemporaryDirectory(_ testCase: XCTestCase) throws -> String {
    let path = NSTemporaryDirectory() + "fcdd-folders-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    testCase.addTeardownBlock { try? FileManager.default.removeItem(atPath: path) }
    return path
}

/// Creates the parent folders of `path`.
func makeParents(_ path: String) throws {
    let parent = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
}

/// A deterministic test image whose pixels depend on `seed` and position.
func patternImage(channels: Int, height: Int, width: Int, seed: Int) -> RawImage {
    var image = RawImage(channels: channels, height: height, width: width, value: 0)
    for i in 0..<image.pixels.count { image.pixels[i] = UInt8(truncatingIfNeeded: i &* 37 &+ seed &* 101 &+ (i >> 3)) }
    return image
}

/// A 0/255 mask with a rectangle of 255 at rows `rows`, columns `cols`.
func rectangleMask(height: Int, width: Int, rows: Range<Int>, cols: Range<Int>) -> RawImage {
    var mask = RawImage(channels: 1, height: height, width: width, value: 0)
    for y in rows { for x in cols { mask.pixels[y * width + x] = 255 } }
    return mask
}

/// Writes `image` as a PNG at `path`, creating folders as needed.
@discardableResult
func writePNG(_ image: RawImage, _ path: String) throws -> RawImage {
    try makeParents(path)
    try image.png().write(path: path)
    return image
}

/// Writes text to a file, creating folders as needed.
func writeText(_ text: String, _ path: String) throws {
    try makeParents(path)
    try writeFileAtomically(Array(text.utf8), to: path)
}

/// Reference nearest resize with exact integer arithmetic, floor(dst * in / out) (equal to PyTorch's
/// float computation for the small sizes used in tests).
func referenceNearest(_ image: RawImage, _ outH: Int, _ outW: Int) -> RawImage {
    var out = RawImage(channels: image.channels, height: outH, width: outW, value: 0)
    for c in 0..<image.channels {
        for y in 0..<outH {
            for x in 0..<outW {
                let sy = y * image.height / outH, sx = x * image.width / outW
                out.pixels[(c * outH + y) * outW + x] = image.pixels[(c * image.height + sy) * image.width + sx]
            }
        }
    }
    return out
}

/// Asserts that `body` throws an EngineError of the expected case whose message contains `fragment`.
func assertEngineError<T>(_ body: @autoclosure () throws -> T, _ expected: (EngineError) -> Bool, contains fragment: String,
                          file: StaticString = #filePath, line: UInt = #line) {
    do {
        _ = try body()
        XCTFail("expected an error containing '\(fragment)'", file: file, line: line)
    } catch let error as EngineError {
        XCTAssertTrue(expected(error), "unexpected error kind: \(error)", file: file, line: line)
        XCTAssertTrue(error.description.contains(fragment), "'\(error.description)' does not contain '\(fragment)'", file: file, line: line)
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
}

func isNotFound(_ e: EngineError) -> Bool { if case .notFound = e { return true }; return false }
func isFormat(_ e: EngineError) -> Bool { if case .format = e { return true }; return false }
func isInvalidArgument(_ e: EngineError) -> Bool { if case .invalidArgument = e { return true }; return false }
func isIO(_ e: EngineError) -> Bool { if case .io = e { return true }; return false }

/// Image equality that reports shapes and the first differing byte instead of printing all pixels.
func assertSameImage(_ actual: @autoclosure () throws -> RawImage?, _ expected: RawImage?, _ what: String = "",
                     file: StaticString = #filePath, line: UInt = #line) {
    do {
        let a = try actual()
        guard let a = a, let e = expected else {
            if (a == nil) != (expected == nil) { XCTFail("\(what): one image is nil", file: file, line: line) }
            return
        }
        guard (a.channels, a.height, a.width) == (e.channels, e.height, e.width) else {
            return XCTFail("\(what): \(a.channels)x\(a.height)x\(a.width) vs expected \(e.channels)x\(e.height)x\(e.width)", file: file, line: line)
        }
        if let i = a.pixels.indices.first(where: { a.pixels[$0] != e.pixels[$0] }) {
            XCTFail("\(what): byte \(i) is \(a.pixels[i]), expected \(e.pixels[i])", file: file, line: line)
        }
    } catch {
        XCTFail("\(what): \(error)", file: file, line: line)
    }
}
