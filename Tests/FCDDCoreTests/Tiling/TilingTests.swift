import Foundation
import XCTest
@testable import FCDDCore

/// Tiles of large images: where they lie, how their maps are stitched and their scores combined, and a
/// detector that trains and scores on tiles, checked against the same network scoring each tile alone.
final class TilingTests: XCTestCase {
    func testTilesCoverEveryPixelAndStayInside() throws {
        let side = try TileLayout(size: 4)
        XCTAssertEqual(side.starts(along: 10), [0, 4, 6])
        XCTAssertEqual(side.starts(along: 8), [0, 4])
        XCTAssertEqual(side.starts(along: 4), [0])
        XCTAssertEqual(side.starts(along: 3), [0])
        let overlapping = try TileLayout(size: 4, stride: 3)
        XCTAssertEqual(overlapping.starts(along: 10), [0, 3, 6])
        XCTAssertEqual(overlapping.coverage(along: 10), [1, 1, 1, 2, 1, 1, 2, 1, 1, 1])
        XCTAssertEqual(overlapping.count(height: 10, width: 8), 3 * 3)
        XCTAssertEqual(overlapping.windows(height: 10, width: 8).last, CropWindow(top: 6, left: 4, height: 4, width: 4))
        XCTAssertThrowsError(try TileLayout(size: 4, stride: 5))
        XCTAssertThrowsError(try TileLayout(size: 0))
    }

    func testStitchedMapsAverageWhereTilesOverlap() throws {
        // Every tile's map is the same function of the image's coordinates: the stitched map is that
        // function, exactly, whatever the overlaps.
        let layout = try TileLayout(size: 5, stride: 2)
        let (h, w) = (13, 11)
        func value(_ y: Int, _ x: Int) -> Float { Float(y * 100 + x) }
        var stitcher = try TileStitcher(height: h, width: w, layout: layout)
        for window in layout.windows(height: h, width: w) {
            let tile = (0..<25).map { value(window.top + $0 / 5, window.left + $0 % 5) }
            stitcher.add(tile[...], at: window)
        }
        let map = stitcher.finish()
        XCTAssertEqual(map, (0..<(h * w)).map { value($0 / w, $0 % w) })
    }

    func testTileScoresMakeTheImageScore() {
        XCTAssertEqual(TileScore.max.combine([0.1, 0.9, 0.3], topK: 2), 0.9)
        XCTAssertEqual(TileScore.topKMean.combine([0.1, 0.9, 0.3], topK: 2), 0.6, accuracy: 1e-6)
        XCTAssertEqual(TileScore.topKMean.combine([0.5], topK: 4), 0.5)
    }

    func testTilesAreCutFromTheBlockWithEdgesRepeated() throws {
        let pixels = (0..<(2 * 3 * 4)).map { UInt8($0) }   // two gray images of 3 x 4
        let block = try ArrayImages(pixels: pixels, count: 2, channels: 1, height: 3, width: 4)
        XCTAssertEqual(block.tile(at: 1, CropWindow(top: 1, left: 2, height: 2, width: 2)).pixels, [18, 19, 22, 23])
        XCTAssertEqual(block.tile(at: 0, CropWindow(top: 2, left: 3, height: 2, width: 2)).pixels, [11, 11, 11, 11])
    }

    /// A detector on tiles of 32: a 64 x 64 image is four tiles side by side, so its score is the highest of
    /// the four tiles' scores and its map their maps put together, each as the same detector gives for the
    /// tile as an image of its own (which is one tile).
    func testATiledDetectorScoresEachTileAsAnImageOfItsOwn() throws {
        var rng = RandomSource(seed: 7)
        let train = try ArrayImages(pixels: (0..<(6 * 64 * 64)).map { _ in UInt8(80 + rng.integer(below: 80)) },
                                    count: 6, channels: 1, height: 64, width: 64)
        let detector = try Detector(given: .object([("net", .string("FCDD_CNN28")), ("epochs", .number(1)), ("batch_size", .number(8)),
                                                    ("tile_size", .number(32))]))
        try detector.fit(train, labels: nil, outliers: nil) { _ in true }
        XCTAssertEqual(detector.dataShape, [1, 32, 32])
        XCTAssertEqual(detector.network?.inShape, [1, 32, 32])

        var big = try train.image(at: 0)
        for k in 0..<40 { big.pixels[20 * 64 + 40 + k % 8 + (k / 8) * 64] = 255 }   // a small bright defect
        let block = try ArrayImages(pixels: big.pixels, count: 1, channels: 1, height: 64, width: 64)
        let whole = try detector.inspect(block, maps: true)
        let windows = try TileLayout(size: 32).windows(height: 64, width: 64)
        let quarters = try ArrayImages(pixels: windows.flatMap { block.tile(at: 0, $0).pixels }, count: 4, channels: 1, height: 32, width: 32)
        let alone = try detector.inspect(quarters, maps: true)
        XCTAssertEqual(whole.scores, [alone.scores.max()!])
        var expected = [Float](repeating: 0, count: 64 * 64)
        for (k, window) in windows.enumerated() {
            for y in 0..<32 { for x in 0..<32 { expected[(window.top + y) * 64 + window.left + x] = alone.maps![k * 1024 + y * 32 + x] } }
        }
        XCTAssertEqual(whole.maps!, expected)

        // Another size: the map has the image's size; a smaller image than a tile is one tile.
        let odd = try ArrayImages(pixels: [UInt8](repeating: 120, count: 50 * 77), count: 1, channels: 1, height: 50, width: 77)
        XCTAssertEqual(try detector.inspect(odd, maps: true).maps?.count, 50 * 77)
        let small = try ArrayImages(pixels: [UInt8](repeating: 120, count: 20 * 9), count: 1, channels: 1, height: 20, width: 9)
        XCTAssertEqual(try detector.inspect(small, maps: true).maps?.count, 20 * 9)

        // Saved and loaded, it tiles the same way, also where `fcdd-swift predict` scores image files.
        let bytes = try detector.encoded(extra: .null)
        let loaded = try Detector.load(ModelBytes(bytes: bytes, name: "tiled.fcdd")).detector
        XCTAssertEqual(try loaded.inspect(block, maps: true).scores, whole.scores)
        let folder = try makeTemporaryDirectory(self)
        try writeFileAtomically(bytes, to: folder + "/tiled.fcdd")
        try PNGImage(width: 64, height: 64, channels: 1, pixels: big.pixels).write(path: folder + "/big.png")
        var scored = [ModelFileScorer.Scored]()
        try ModelFileScorer(path: folder + "/tiled.fcdd").score([folder + "/big.png"], maps: true) { _, result in
            scored.append(try result.get())
            return true
        }
        XCTAssertEqual(scored.map(\.score), whole.scores)
        XCTAssertEqual(scored.first?.map, whole.maps)
    }

    func testTileSettingsAreChecked() throws {
        XCTAssertThrowsError(try Settings.resolve(SettingsRequest(context: .detector, given: .object([("tile_stride", .number(8))]), dataShape: [1, 32, 32])))
        XCTAssertThrowsError(try Settings.resolve(SettingsRequest(context: .detector, given: .object([("tile_size", .number(16)), ("tile_stride", .number(17))]), dataShape: [1, 16, 16])))
        XCTAssertThrowsError(try Settings.resolve(SettingsRequest(context: .experiment, given: .object([("tile_size", .number(16))]))))
    }
}
