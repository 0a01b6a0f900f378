import XCTest
@testable import FCDDCore

/// Per-dataset item pipelines: shapes, values, joint GT transforms, rejections, JSON, determinism.
final class ItemPipelineTests: XCTestCase {
    typealias Ref = PreprocessingReference

    func run(_ spec: PipelineSpec, training: Bool, _ image: RawImage, gt: RawImage? = nil, seed: UInt64 = 1) throws -> ProcessedItem {
        var rng = RandomSource(seed: seed)
        return try ItemPipeline(spec: spec, training: training)(image, groundTruth: gt, &rng)
    }

    func testShapesForEveryDatasetAndPreprocessing() throws {
        let gray28 = Ref.pattern(channels: 1, height: 28, width: 28)
        let rgb32 = Ref.pattern(channels: 3, height: 32, width: 32)
        let rgb240 = Ref.pattern(channels: 3, height: 240, width: 240)
        let rgbOdd = Ref.pattern(channels: 3, height: 300, width: 260)
        for p in PipelineSpec.supported(.fmnist) {
            for training in [true, false] {
                XCTAssertEqual(try run(.fmnist(normalClass: 3, preprocessing: p), training: training, gray28).image.shape, [1, 28, 28])
            }
        }
        for p in PipelineSpec.supported(.cifar10) {
            for training in [true, false] {
                XCTAssertEqual(try run(.cifar10(normalClass: 1, preprocessing: p), training: training, rgb32).image.shape, [3, 32, 32])
            }
        }
        for p in [PreprocessingKind.lcnaug1, .aug1] {
            for training in [true, false] {
                let item = try run(.mvtec(normalClass: 0, preprocessing: p), training: training, rgb240)
                XCTAssertEqual(item.image.shape, [3, 224, 224])
                XCTAssertEqual(item.groundTruth?.shape, [1, 224, 224])
                XCTAssertEqual(item.groundTruth?.data.allSatisfy { $0 == 0 }, true, "missing map = nominal")
            }
        }
        let custom = try PipelineSpec.custom(mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2])
        let customNone = try PipelineSpec.custom(preprocessing: .none, mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2])
        let customGT = try PipelineSpec.custom(mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2], groundTruthMaps: true)
        for spec in [try PipelineSpec.imagenet(), try PipelineSpec.pascalVOC(), custom, customNone, customGT] {
            for training in [true, false] {
                let item = try run(spec, training: training, rgbOdd)
                XCTAssertEqual(item.image.shape, [3, 224, 224], "\(spec.dataset)")
                XCTAssertEqual(item.groundTruth != nil, spec.dataset == .customGT)
            }
        }
    }

    func testTestTransformValues() throws {
        // F-MNIST none: (x/255 - mean) / std.
        let img = Ref.pattern(channels: 1, height: 28, width: 28)
        let c = try DatasetConstants.fmnist(2)
        let out = try run(.fmnist(normalClass: 2, preprocessing: .none), training: false, img).image.data
        let expected = img.pixels.map { (Float($0) / 255 - Float(c.mean[0])) / Float(c.std[0]) }
        assertClose(out, expected, "fmnist none")
        // MVTec lcnaug1 test = PIL nearest 240 -> 224, LCN, per-channel min-max.
        let raw = Ref.pattern(channels: 3, height: 240, width: 240)
        let m = try DatasetConstants.mvtec(4)
        var x = TensorTransforms.toTensor(raw.resizedNearestPIL(height: 224, width: 224))
        TensorTransforms.localContrastNormalize(&x)
        let plane = 224 * 224
        for i in x.data.indices {
            let ch = i / plane
            x.data[i] = (x.data[i] - Float(m.lcnMin![ch])) / Float(m.lcnMax![ch] - m.lcnMin![ch])
        }
        assertClose(try run(.mvtec(normalClass: 4), training: false, raw).image.data, x.data, "mvtec test")
        // ImageNet test: shorter side 256 then centre crop 224.
        let big = Ref.pattern(channels: 3, height: 300, width: 260)
        let resized = try big.resized(to: .shorterSide(256)).centerCropped(height: 224, width: 224)
        var t = TensorTransforms.toTensor(resized)
        try TensorTransforms.normalize(&t, mean: DatasetConstants.imagenet.mean, std: DatasetConstants.imagenet.std)
        XCTAssertEqual(try run(.imagenet(), training: false, big).image, t)
    }

    func testMVTecJointTransformKeepsImageAndMapAligned() throws {
        // Gray RGB image with a bright square exactly where the map marks anomalous pixels; jitter on
        // gray values and LCN are monotonic, so after any crop/resize choice the bright pixels must be
        // exactly the anomalous ones.
        var pixels = [UInt8](repeating: 30, count: 3 * 240 * 240)
        var mask = RawImage(channels: 1, height: 240, width: 240, value: 0)
        for y in 60..<150 {
            for x in 100..<200 {
                for c in 0..<3 { pixels[c * 57600 + y * 240 + x] = 200 }
                mask.pixels[y * 240 + x] = 255
            }
        }
        let img = try RawImage(channels: 3, height: 240, width: 240, pixels: pixels)
        let spec = try PipelineSpec.mvtec(normalClass: 3)
        for seed in 1...8 as ClosedRange<UInt64> {
            let item = try run(spec, training: true, img, gt: mask, seed: seed)
            let gt = item.groundTruth!.data
            let red = Array(item.image.data[0..<(224 * 224)])
            let threshold = (red.min()! + red.max()!) / 2
            let mismatches = (0..<(224 * 224)).filter { (red[$0] > threshold) != (gt[$0] == 1) }.count
            XCTAssertEqual(mismatches, 0, "seed \(seed)")
            XCTAssertTrue(gt.contains(1) && gt.contains(0))
        }
    }

    func testCustomGTFlipsMapWithImageAndSwapsLabels() throws {
        var img = RawImage(channels: 3, height: 224, width: 224, value: 20)
        var mask = RawImage(channels: 1, height: 224, width: 224, value: 0)
        for y in 0..<224 {
            for x in 0..<50 {
                for c in 0..<3 { img.pixels[c * 50176 + y * 224 + x] = 220 }
                mask.pixels[y * 224 + x] = 255
            }
        }
        let spec = try PipelineSpec.custom(mean: [0.5, 0.5, 0.5], std: [0.2, 0.2, 0.2], groundTruthMaps: true)
        var flippedSeen = false
        for seed in 1...10 as ClosedRange<UInt64> {
            let item = try run(spec, training: true, img, gt: mask, seed: seed)
            let red = item.image.data, gt = item.groundTruth!.data
            for i in stride(from: 0, to: 224 * 224, by: 97) { XCTAssertEqual(red[i] > 0, gt[i] == 1) }
            if gt[223] == 1 { flippedSeen = true }
        }
        XCTAssertTrue(flippedSeen, "the joint flip happens for some seeds")
        var swapped = spec
        swapped.nominalLabel = 1
        let item = try run(swapped, training: false, img, gt: mask)
        XCTAssertEqual(item.groundTruth?.data[0], 0, "anomalous pixel -> anomalous label 0")
        XCTAssertEqual(item.groundTruth?.data[223], 1)
    }

    func testRejectedCombinations() {
        XCTAssertThrowsError(try PipelineSpec.mvtec(normalClass: 0, preprocessing: .lcn)) { error in
            XCTAssertTrue("\(error)".contains("224"), "\(error)")
        }
        XCTAssertThrowsError(try PipelineSpec.mvtec(normalClass: 0, preprocessing: .none))
        XCTAssertNoThrow(try PipelineSpec.mvtec(normalClass: 0, preprocessing: .lcn, rawSide: 224))
        XCTAssertThrowsError(try PipelineSpec.imagenet(preprocessing: .none))
        XCTAssertThrowsError(try PipelineSpec.pascalVOC(preprocessing: .lcnaug1))
        XCTAssertThrowsError(try PipelineSpec.cifar10(normalClass: 0, preprocessing: .lcnaug1))
        XCTAssertThrowsError(try PipelineSpec.fmnist(normalClass: 0, preprocessing: .aug1BlackCenter))
        XCTAssertThrowsError(try PipelineSpec.fmnist(normalClass: 10))
        XCTAssertThrowsError(try PipelineSpec.custom(mean: [0.5], std: [0.2]))
        XCTAssertThrowsError(try PipelineSpec.custom(mean: [0.5, 0.5, 0.5], std: [0.2, 0, 0.2]))
        XCTAssertThrowsError(try PreprocessingKind("lcnaug2", field: "preproc"))
        // Wrong image size or channel count is an error, not a trap.
        XCTAssertThrowsError(try run(.cifar10(normalClass: 0), training: true, Ref.pattern(channels: 1, height: 32, width: 32)))
        XCTAssertThrowsError(try run(.mvtec(normalClass: 0), training: true, Ref.pattern(channels: 3, height: 200, width: 200)))
    }

    func testSpecJSONRoundTrip() throws {
        let specs = [try PipelineSpec.mvtec(normalClass: 7), try PipelineSpec.fmnist(normalClass: 1, preprocessing: .aug1),
                     try PipelineSpec.pascalVOC(),
                     try PipelineSpec.generic(preprocessing: .lcn, channels: 1, height: 10, width: 12,
                                              constants: ChannelConstants(mean: [], std: [], lcnMin: [-1.5], lcnMax: [3.25]))]
        for spec in specs {
            let text = spec.json.serialized()
            let back = try PipelineSpec(json: JSONValue.parse(text))
            XCTAssertEqual(back, spec, text)
        }
        var broken = specs[0]
        broken.preprocessing = .lcn   // MVTec lcn with raw side 240
        XCTAssertThrowsError(try PipelineSpec(json: broken.json), "validation runs on load")
        XCTAssertThrowsError(try PipelineSpec(json: JSONValue.parse("{\"dataset\":\"mvtec\"}")))
    }

    func testGenericPipelineWithComputedConstants() throws {
        let images = (0..<4).map { Ref.pattern(channels: 3, height: 20 + $0 % 1, width: 24) }
        let lcn = try ChannelStatistics.lcnRange(images)
        let stats = try ChannelStatistics.meanAndStd(images)
        let lcnSpec = try PipelineSpec.generic(preprocessing: .lcnaug1, channels: 3, height: 20, width: 24,
                                               constants: ChannelConstants(mean: stats.mean, std: stats.std, lcnMin: lcn.min, lcnMax: lcn.max))
        let test = try run(lcnSpec, training: false, images[0]).image
        XCTAssertEqual(test.shape, [3, 20, 24])
        XCTAssertGreaterThanOrEqual(test.data.min()!, -1e-5, "training data maps into [0, 1]")
        XCTAssertLessThanOrEqual(test.data.max()!, 1 + 1e-5)
        let augSpec = try PipelineSpec.generic(preprocessing: .aug1, channels: 3, height: 20, width: 24,
                                               constants: ChannelConstants(mean: stats.mean, std: stats.std))
        XCTAssertEqual(try run(augSpec, training: true, images[1]).image.shape, [3, 20, 24])
        XCTAssertEqual(ItemPipeline.genericPadding(28, 28), 3)
        XCTAssertEqual(ItemPipeline.genericPadding(32, 32), 4)
    }

    func testSameSeedSameItems() throws {
        let img = Ref.pattern(channels: 3, height: 240, width: 240)
        let spec = try PipelineSpec.mvtec(normalClass: 2)
        let a = try run(spec, training: true, img, seed: 5), b = try run(spec, training: true, img, seed: 5)
        XCTAssertEqual(a.image, b.image)
        XCTAssertEqual(a.groundTruth, b.groundTruth)
        let c = try run(spec, training: true, img, seed: 6)
        XCTAssertNotEqual(a.image, c.image)
    }
}
