import XCTest
@testable import FCDDCore

/// The in-memory detector: the generic pipeline with maps, the input-size rule, map resizing, the
/// outlier pool, and fit / inspect / save / load on a small set.
final class DetectorTests: XCTestCase {
    /// n gray side x side noise images; anomalous ones carry a bright square marked in the mask.
    func images(_ n: Int, side: Int = 28, anomalous: Bool = false, seed: UInt64 = 1) throws -> ArrayImages {
        var rng = RandomSource(seed: seed)
        var pixels = (0..<(n * side * side)).map { _ in UInt8(90 + rng.integer(below: 60)) }
        var masks = [UInt8](repeating: 0, count: n * side * side)
        if anomalous {
            for i in 0..<n {
                let top = rng.integer(below: side - 6), left = rng.integer(below: side - 6)
                for y in top..<(top + 6) { for x in left..<(left + 6) {
                    pixels[i * side * side + y * side + x] = 250
                    masks[i * side * side + y * side + x] = 1
                } }
            }
        }
        return try ArrayImages(pixels: pixels, count: n, channels: 1, height: side, width: side, masks: masks)
    }

    func settings(epochs: Int = 2, _ extra: [(String, JSONValue)] = []) -> JSONValue {
        .object([("net", .string("FCDD_CNN28")), ("epochs", .number(Double(epochs))), ("batch_size", .number(16))] + extra)
    }

    func testGenericPipelineKeepsMapsAlignedThroughCropAndFlip() throws {
        // Flat background and a bright marked square: LCN and min-max are monotonic per image, so the
        // bright output pixels must be exactly the marked ones (zero padding is darker than both).
        var pixels = [UInt8](repeating: 100, count: 40 * 40), marks = [UInt8](repeating: 0, count: 40 * 40)
        for y in 5..<17 { for x in 22..<30 { pixels[y * 40 + x] = 250; marks[y * 40 + x] = 1 } }
        let block = try ArrayImages(pixels: pixels, count: 1, channels: 1, height: 40, width: 40, masks: marks)
        let image = try block.image(at: 0), mask = try block.mask(at: 0)!
        let spec = try PipelineSpec.generic(preprocessing: .lcnaug1, channels: 1, height: 40, width: 40,
                                            constants: ChannelConstants(mean: [0.5], std: [0.2], lcnMin: [-2], lcnMax: [8]),
                                            groundTruthMaps: true)
        let pipeline = try ItemPipeline(spec: spec, training: true)
        for seed in 1...8 as ClosedRange<UInt64> {
            var rng = RandomSource(seed: seed)
            let item = try pipeline(image, groundTruth: mask, &rng)
            let gt = item.groundTruth!.data
            let x = item.image.data
            let threshold = (x.max()! + x.min()!) / 2
            XCTAssertEqual(x.indices.filter { (x[$0] > threshold) != (gt[$0] == 1) }.count, 0, "seed \(seed)")
            XCTAssertTrue(gt.contains(1), "seed \(seed)")
        }
    }

    func testInputSideRule() {
        XCTAssertEqual(Detector.inputSide(net: "FCDD_CNN28", height: 28, width: 28), 28)
        XCTAssertEqual(Detector.inputSide(net: "FCDD_CNN28", height: 20, width: 36), 36)
        XCTAssertEqual(Detector.inputSide(net: "FCDD_CNN28", height: 256, width: 256), 256)
        XCTAssertEqual(Detector.inputSide(net: "FCDD_CNN224_VGG_NOPT", height: 700, width: 1024), 224)
        XCTAssertEqual(Detector.inputSide(net: "CNN28_W", height: 64, width: 64), 28)   // dense layers fix the side
        XCTAssertEqual(Detector.networkChannels(net: "FCDD_CNN224_VGG_NOPT", dataChannels: 1), 3)
        XCTAssertEqual(Detector.networkChannels(net: "FCDD_CNN28", dataChannels: 3), 3)
    }

    func testMapResizeMatchesTorchBilinear() {
        // torch.nn.functional.interpolate(t([[0, 1], [2, 3]]), size=4, mode="bilinear", align_corners=False)
        let out = MapResize.bilinear([0, 1, 2, 3], height: 2, width: 2, toHeight: 4, toWidth: 4)
        XCTAssertEqual(out, [0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3])
    }

    func testOutlierPoolLimitAndMasks() throws {
        let anomalies = try images(6, anomalous: true)
        var rng = RandomSource(seed: 3)
        let pool = try OutlierPool(anomalies: ArrayImageSource(anomalies, masks: true, fullMasks: Set(0..<6)),
                                   outliers: ArrayImageSource(try images(4)), limit: 5, rng: &rng)
        XCTAssertEqual(pool.count, 5)
        XCTAssertEqual(Set(pool.kept).count, 5)
        for i in 0..<pool.count {
            let gt = try pool.groundTruth(at: i)
            XCTAssertEqual(gt != nil, pool.kept[i] < 6)
        }
        XCTAssertThrowsError(try OutlierPool(anomalies: ArrayImageSource(anomalies, indices: []), outliers: nil, limit: nil, rng: &rng))
    }

    func testFitInspectSaveAndLoad() throws {
        let detector = try Detector(given: settings())
        var events = [String]()
        try detector.fit(try images(48), labels: nil, outliers: nil) { event in
            events.append(event["event"]?.stringValue ?? "")
            return true
        }
        XCTAssertEqual(events.first, "start")
        XCTAssertEqual(events.filter { $0 == "epoch" }.count, 2)
        XCTAssertEqual(detector.completedEpochs, 2)
        XCTAssertFalse(detector.stopped)
        let test = try images(4, side: 28, anomalous: true, seed: 9)
        let out = try detector.inspect(test, maps: true)
        XCTAssertEqual(out.scores.count, 4)
        XCTAssertEqual(out.maps?.count, 4 * 28 * 28)

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("detector-\(UUID()).fcdd").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try detector.save(path: path, extra: .object([("threshold", .number(0.5))]))
        let (loaded, extra) = try Detector.load(path: path)
        XCTAssertEqual(extra["threshold"]?.doubleValue, 0.5)
        XCTAssertEqual(loaded.resolved?.settings, detector.resolved?.settings)
        XCTAssertEqual(detector.resolved?.profile, .smallGray)
        XCTAssertEqual(try loaded.inspect(test, maps: true).maps, out.maps)
        XCTAssertEqual(loaded.history.map(\.loss), detector.history.map(\.loss))
    }

    func testStopRequestKeepsAUsableDetector() throws {
        let detector = try Detector(given: settings(epochs: 50))
        var steps = 0
        try detector.fit(try images(32), labels: nil, outliers: nil) { event in
            if event["event"]?.stringValue == "step" { steps += 1 }
            return steps < 3
        }
        XCTAssertTrue(detector.stopped)
        XCTAssertEqual(detector.completedEpochs, 1)
        XCTAssertEqual(try detector.inspect(try images(2), maps: false).scores.count, 2)
    }

    func testRefusals() throws {
        let detector = try Detector(given: settings())
        XCTAssertThrowsError(try detector.inspect(try images(2), maps: false)) { error in
            XCTAssertTrue("\(error)".contains("not fitted"))
        }
        let known = try images(8, anomalous: true)
        XCTAssertThrowsError(try detector.fit(known, labels: [0, 0, 0, 0, 1, 1, 1, 1], outliers: nil) { _ in true }) { error in
            XCTAssertTrue("\(error)".contains("labelled nominal must be empty"), "\(error)")
        }
        XCTAssertThrowsError(try detector.fit(try images(4), labels: [1, 1, 1, 1], outliers: nil) { _ in true })
        XCTAssertThrowsError(try detector.fit(try images(4), labels: [0, 0], outliers: nil) { _ in true })
        let oe = settings(epochs: 2, [("supervise_mode", .string("noise")), ("noise_mode", .string("outlier_exposure"))])
        XCTAssertThrowsError(try Detector(given: oe).fit(try images(4), labels: nil, outliers: nil) { _ in true }) { error in
            XCTAssertTrue("\(error)".contains("there are none"), "\(error)")
        }
        XCTAssertFalse(detector.isFitted, "a failed fit leaves the detector unfitted")
    }
}
