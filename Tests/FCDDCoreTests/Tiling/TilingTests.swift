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
        var map = [Float](repeating: .nan, count: h * w)
        map.withUnsafeMutableBufferPointer { buffer in
            let stitcher = TileStitcher(into: buffer, height: h, width: w, layout: layout)
            for window in layout.windows(height: h, width: w) {
                let tile = (0..<25).map { value(window.top + $0 / 5, window.left + $0 % 5) }
                stitcher.add(tile[...], at: window)
            }
            stitcher.finish()
        }
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

    func testABlockHoldsImagesOfDifferentSizes() throws {
        let sizes = [ImageSize(height: 2, width: 3), ImageSize(height: 4, width: 1)]
        let pixels = (0..<30).map { UInt8($0) }
        XCTAssertThrowsError(try ArrayImages(pixels: pixels, channels: 1, sizes: sizes))   // 30 values for 10 gray pixels
        let gray = try ArrayImages(pixels: Array(pixels.prefix(10)), channels: 1, sizes: sizes, masks: [0, 0, 0, 0, 0, 0, 0, 9, 0, 0])
        XCTAssertNil(gray.uniformSize)
        XCTAssertEqual(gray.largestSize, ImageSize(height: 4, width: 3))
        XCTAssertEqual(try gray.image(at: 1).pixels, [6, 7, 8, 9])
        XCTAssertEqual(gray.tile(at: 1, CropWindow(top: 2, left: 0, height: 2, width: 2)).pixels, [8, 8, 9, 9])
        XCTAssertTrue(gray.maskIsEmpty(at: 0))
        XCTAssertFalse(gray.maskIsEmpty(at: 1))
        XCTAssertEqual(try gray.mask(at: 1)?.pixels, [0, 255, 0, 0])
        let rgb = try ArrayImages(pixels: pixels.prefix(30).map { $0 }, channels: 3, sizes: sizes)
        XCTAssertEqual(try rgb.image(at: 1).pixels, Array(18..<30).map(UInt8.init))
        XCTAssertThrowsError(try ArrayImages(pixels: [1], channels: 1, sizes: [ImageSize(height: 0, width: 1)]))
        XCTAssertThrowsError(try ArrayImages(pixels: [], channels: 1, sizes: []))
    }

    /// Images of different sizes train one tiled detector (each contributes tiles in proportion to its
    /// area), and scoring them together gives what scoring each alone gives.
    func testATiledDetectorTakesImagesOfDifferentSizes() throws {
        var rng = RandomSource(seed: 3)
        let sizes = [ImageSize(height: 40, width: 72), ImageSize(height: 64, width: 64), ImageSize(height: 20, width: 50)]
        let pixels = (0..<sizes.reduce(0) { $0 + $1.pixels }).map { _ in UInt8(90 + rng.integer(below: 60)) }
        let images = try ArrayImages(pixels: pixels, channels: 1, sizes: sizes)
        let layout = try TileLayout(size: 32)
        XCTAssertEqual(sizes.map { layout.count(of: $0) }, [2 * 3, 2 * 2, 1 * 2])

        let detector = try Detector(given: .object([("net", .string("FCDD_CNN28")), ("epochs", .number(1)), ("batch_size", .number(4)),
                                                    ("tile_size", .number(32))]))
        var samples = 0.0
        try detector.fit(images, labels: nil, outliers: nil) { event in
            if event["event"]?.stringValue == "start" { samples = event["samples"]?.doubleValue ?? 0 }
            return true
        }
        XCTAssertEqual(samples, 12)
        let together = try detector.inspect(images, maps: true)
        XCTAssertEqual(together.maps?.count, sizes.reduce(0) { $0 + $1.pixels })
        var offset = 0
        for k in 0..<sizes.count {
            let alone = try detector.inspect(try ArrayImages(pixels: try images.image(at: k).pixels, count: 1, channels: 1,
                                                             height: sizes[k].height, width: sizes[k].width), maps: true)
            XCTAssertEqual(together.scores[k], alone.scores[0], accuracy: 1e-5)
            let part = Array(together.maps![offset..<(offset + sizes[k].pixels)])
            XCTAssertEqual(zip(part, alone.maps!).map { abs($0 - $1) }.max()!, 0, accuracy: 1e-5)
            offset += sizes[k].pixels
        }
    }

    func testTiledSamplesMapToTheirImages() throws {
        let sizes = [ImageSize(height: 8, width: 8), ImageSize(height: 16, width: 8), ImageSize(height: 4, width: 4)]
        let images = try ArrayImages(pixels: [UInt8](repeating: 1, count: sizes.reduce(0) { $0 + $1.pixels }), channels: 1, sizes: sizes)
        let spec = try PipelineSpec.generic(preprocessing: .none, channels: 1, height: 8, width: 8, rawHeight: 8, rawWidth: 8,
                                            constants: ChannelConstants(mean: [0], std: [1]), groundTruthMaps: false)
        let samples = TiledTrainingSamples(
            images: images, indices: [0, 1, 2], channels: 1, layout: try TileLayout(size: 8),
            supervisor: try OnlineSupervisor(mode: .noise, noise: .confetti, anomalousLabel: 1, outliers: nil),
            pipeline: try ItemPipeline(spec: spec, training: false), labels: [0, 0, 0], wholeImageAnomalies: [])
        XCTAssertEqual(samples.count, 1 + 2 + 1)
        XCTAssertEqual((0..<4).map { samples.imagePosition(ofSample: $0) }, [0, 1, 1, 2])
    }

    func testTileSettingsAreChecked() throws {
        XCTAssertThrowsError(try Settings.resolve(SettingsRequest(context: .detector, given: .object([("tile_stride", .number(8))]), dataShape: [1, 32, 32])))
        XCTAssertThrowsError(try Settings.resolve(SettingsRequest(context: .detector, given: .object([("tile_size", .number(16)), ("tile_stride", .number(17))]), dataShape: [1, 16, 16])))
        XCTAssertThrowsError(try Settings.resolve(SettingsRequest(context: .experiment, given: .object([("tile_size", .number(16))]))))
    }
}
