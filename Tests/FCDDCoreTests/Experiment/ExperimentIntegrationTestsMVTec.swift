// Whole experiments on a miniature MVTec-AD tree in the official layout (reference 7.4): the default
// malformed_normal + confetti setting and the semi-supervised noise + mvtec_gt + oe_limit 1 setting, the
// test split (nominal class only, labels by defect folder), pixel AUC from the original-resolution masks,
// and the errors for a missing or broken tree and for option combinations the original rejects.
import Foundation
import XCTest
@testable import FCDDCore

/// Writes a small MVTec-AD tree below `<datadir>/mvtec`: bottle (64x64: 3 train, 2 good test images, 2
/// defect types with 2 images each) and cable (300x300: 2 train, 1 good, 1 crack). Returns the defect
/// images per class (relative paths) for label checks.
@discardableResult
func writeMiniMVTec(_ datadir: String, bottleSide: Int = 64, cableSide: Int = 300) throws -> [String: [String]] {
    var defects = [String: [String]]()
    func tree(_ cls: String, side: Int, train: Int, good: Int, defectTypes: [String], perType: Int, seed: Int) throws {
        let root = "\(datadir)/mvtec/\(cls)"
        for i in 0..<train {
            try writePNG(patternImage(channels: 3, height: side, width: side, seed: seed + i), "\(root)/train/good/\(String(format: "%03d", i)).png")
        }
        for i in 0..<good {
            try writePNG(patternImage(channels: 3, height: side, width: side, seed: seed + 50 + i), "\(root)/test/good/\(String(format: "%03d", i)).png")
        }
        for (t, type) in defectTypes.enumerated() {
            for i in 0..<perType {
                var image = patternImage(channels: 3, height: side, width: side, seed: seed + 100 + 10 * t + i)
                let rows = (side / 4)..<(side / 2), cols = (side / 3)..<(side / 2 + side / 6)
                for c in 0..<3 { for y in rows { for x in cols { image.pixels[(c * side + y) * side + x] = 255 } } }
                let name = String(format: "%03d", i)
                try writePNG(image, "\(root)/test/\(type)/\(name).png")
                try writePNG(rectangleMask(height: side, width: side, rows: rows, cols: cols), "\(root)/ground_truth/\(type)/\(name)_mask.png")
                defects[cls, default: []].append("test/\(type)/\(name).png")
            }
        }
    }
    try tree("bottle", side: bottleSide, train: 3, good: 2, defectTypes: ["broken_large", "contamination"], perType: 2, seed: 1)
    try tree("cable", side: cableSide, train: 2, good: 1, defectTypes: ["crack"], perType: 1, seed: 7)
    return defects
}

final class ExperimentIntegrationTestsMVTec: XCTestCase {
    func mvtecConfig(_ tmp: String, _ extra: [(String, JSONValue)] = []) -> JSONValue {
        tinyConfig("mvtec", datadir: tmp + "/data", logdir: tmp + "/log", net: "FCDD_CNN224",
                   [("classes", .array([.number(0), .number(1)])), ("batch_size", .number(8)), ("gauss_std", .number(12))] + extra)
    }

    func testDefaultConfettiSettingOnTwoClasses() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeMiniMVTec(tmp + "/data")
        let json = mvtecConfig(tmp)
        let config = try experimentSettings(json)
        XCTAssertEqual(config.superviseMode, .malformedNormal)
        XCTAssertEqual(config.noiseMode, .confetti)

        let outcome = try runExperiment(json)
        XCTAssertEqual(outcome.results.map { $0.className }, ["bottle", "cable"])
        for r in outcome.results {
            XCTAssertNotNil(r.auc, r.className)
            XCTAssertNotNil(r.pixelAUC, "MVTec-AD has masks: a pixel AUC for \(r.className)")
            let log = try checkRunFolder(r, config: json, epochs: 1, net: "FCDD_CNN224")
            // The training split is repeated ten times per epoch (reference 7.4).
            XCTAssertTrue(log.contains(r.className == "bottle" ? "30 samples" : "20 samples"), log)
        }
        try checkSummary(outcome, logdir: tmp + "/log")
        XCTAssertNotEqual(outcome.summary["mean"]?["pixel_auc"], .null)
        // The cache was built next to the tree.
        XCTAssertTrue(fileExists(tmp + "/data/mvtec/" + MVTecADDataset.cacheFileName))
    }

    func testTestSplitIsTheNominalClassOnlyWithDefectLabels() throws {
        let tmp = try makeTemporaryDirectory(self)
        let defects = try writeMiniMVTec(tmp + "/data")
        let config = try experimentSettings(mvtecConfig(tmp))
        var lines = [String]()
        for (c, name, count) in [(0, "bottle", 6), (1, "cable", 2)] {
            let data = try DatasetCatalog.prepare(config, nominalClass: c, seed: 0) { lines.append($0) }
            XCTAssertEqual(data.className, name)
            XCTAssertEqual(data.testItems!.count, count, "test = good and defective images of \(name) only")
            XCTAssertEqual(data.testItems!.itemShape, [3, 224, 224])
            XCTAssertTrue(data.testItems!.hasGroundTruth)
            let labels = try (0..<data.testItems!.count).map { try data.testItems!.sample(at: $0).label }
            XCTAssertEqual(labels.filter { $0 == 1 }.count, defects[name]!.count, "\(name): defects are label 1")
            // Original-resolution masks: the image size (64 or 300), zero for good images.
            for i in 0..<data.testItems!.count {
                let mask = try XCTUnwrap(try data.testItems!.originalGroundTruth(at: i))
                XCTAssertEqual(mask.height, c == 0 ? 64 : 300)
                XCTAssertEqual(mask.pixels.contains(255), labels[i] == 1)
                let small = try XCTUnwrap(try data.testItems!.sample(at: i).groundTruth)
                XCTAssertEqual(small.count, 224 * 224)
                XCTAssertEqual(small.contains(1), labels[i] == 1)
            }
            XCTAssertEqual(data.train.count, (c == 0 ? 3 : 2) * 10)
            XCTAssertTrue(data.train.hasGroundTruth, "the MVTec training set is a ground-truth dataset")
        }
        // The cache is built once and then reused.
        XCTAssertEqual(lines.filter { $0.hasPrefix("MVTec-AD: ") }.map { $0.hasSuffix("(built)") }, [true, false])
        XCTAssertTrue(lines.last { $0.hasPrefix("MVTec-AD: ") }?.hasSuffix("(reused)") ?? false, "\(lines)")
    }

    func testSemiSupervisedRealDefectsWithOELimitOne() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeMiniMVTec(tmp + "/data")
        let json = mvtecConfig(tmp, [("classes", .array([.number(0)])), ("supervise_mode", .string("noise")),
                                     ("noise_mode", .string("mvtec_gt")), ("oe_limit", .number(1))])
        let outcome = try runExperiment(json)
        let r = try XCTUnwrap(outcome.results.first)
        let log = try checkRunFolder(r, config: json, epochs: 1, net: "FCDD_CNN224")
        // One defective image per defect type (2 types), and they stay in the test split.
        XCTAssertTrue(log.contains("outlier exposure: 2 defective test images of class bottle"), log)
        XCTAssertNotNil(r.auc)
        XCTAssertNotNil(r.pixelAUC)
        try checkSummary(outcome, logdir: tmp + "/log")
    }

    /// The HSC baseline on a ground-truth dataset: the loss ignores the maps, the gradient heatmaps still
    /// get a pixel AUC. (AE224 works too but adds about 15 s in a debug build; the AE path is covered on synthetic data.)
    func testHSCBaselineOnMVTec() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeMiniMVTec(tmp + "/data")
        for (objective, net, mode) in [("hsc", "CNN224", "malformed_normal")] {
            let json = mvtecConfig(tmp, [("classes", .array([.number(1)])), ("objective", .string(objective)), ("net", .string(net)),
                                         ("supervise_mode", .string(mode)), ("logdir", .string(tmp + "/log-" + objective))])
            let outcome = try runExperiment(json)
            let r = try XCTUnwrap(outcome.results.first)
            XCTAssertNotNil(r.auc, objective)
            XCTAssertNotNil(r.pixelAUC, objective)
            try checkRunFolder(r, config: json, epochs: 1, net: net)
        }
    }

    func testMissingTreeNamesTheExpectedLayout() throws {
        let tmp = try makeTemporaryDirectory(self)
        assertExperimentFails(mvtecConfig(tmp), isNotFound,
                              containing: ["MVTec-AD not found", tmp + "/data/mvtec", "<class>/train/good/*.png", "ground_truth/<defect>/<name>_mask.png"])
    }

    func testMissingClassAndMissingMaskAreExplained() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeMiniMVTec(tmp + "/data")
        // A class that is not in the tree.
        assertExperimentFails(mvtecConfig(tmp, [("classes", .array([.number(5)]))]), isNotFound,
                              containing: ["hazelnut", tmp + "/data/mvtec/hazelnut"])
        // A defect image without its mask (the cache built by the first call no longer matches the tree).
        try FileManager.default.removeItem(atPath: tmp + "/data/mvtec/bottle/ground_truth/contamination/001_mask.png")
        assertExperimentFails(mvtecConfig(tmp), isNotFound,
                              containing: ["contamination/001.png", "ground_truth/contamination/001_mask.png"])
        // A damaged image: the cache cannot be built, and the file is named.
        try writePNG(rectangleMask(height: 64, width: 64, rows: 0..<1, cols: 0..<1), tmp + "/data/mvtec/bottle/ground_truth/contamination/001_mask.png")
        try writeText("not an image", tmp + "/data/mvtec/bottle/train/good/001.png")
        assertExperimentFails(mvtecConfig(tmp), isFormat, containing: [tmp + "/data/mvtec/bottle/train/good/001.png"])
    }

    func testRejectedOptionCombinations() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeMiniMVTec(tmp + "/data")
        // malformed_normal needs synthetic noise, not outlier exposure.
        assertExperimentFails(mvtecConfig(tmp, [("noise_mode", .string("imagenet22k"))]), isInvalidArgument,
                              containing: ["malformed_normal", "imagenet22k"])
        // mvtec_gt is online only.
        assertExperimentFails(mvtecConfig(tmp, [("supervise_mode", .string("noise")), ("noise_mode", .string("mvtec_gt")),
                                                ("offline_supervision", .bool(true))]), isInvalidArgument,
                              containing: ["online supervision only"])
        // Outlier exposure from ImageNet is not offered for MVTec-AD.
        assertExperimentFails(mvtecConfig(tmp, [("supervise_mode", .string("noise")), ("noise_mode", .string("imagenet22k"))]),
                              isInvalidArgument, containing: ["mvtec", "imagenet22k"])
        // Nominal label 1 is refused for MVTec-AD (the original inverts its test labels), not ignored.
        assertExperimentFails(mvtecConfig(tmp, [("nominal_label", .number(1))]), isInvalidArgument,
                              containing: ["nominal_label (--nominal-label) 1 is refused for mvtec"])
        // A class index beyond the 15 classes.
        assertExperimentFails(mvtecConfig(tmp, [("classes", .array([.number(15)]))]), isInvalidArgument,
                              containing: ["class 15 does not exist"])
    }
}

/// MVTec-AD on tiles: the original images (not the 240 x 240 cache) at their resolution, tested tile by
/// tile with the pixel AUC against the original masks; the snapshot stores the tiling.
final class ExperimentIntegrationTestsMVTecTiles: XCTestCase {
    func testARunOnTilesReadsTheOriginalImages() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeMiniMVTec(tmp + "/data", bottleSide: 96, cableSide: 150)
        let json = tinyConfig("mvtec", datadir: tmp + "/data", logdir: tmp + "/log", net: "FCDD_CNN28",
                              [("classes", .array([.number(1)])), ("batch_size", .number(8)), ("tile_size", .number(32)),
                               ("tile_stride", .number(24)), ("preproc", .string("aug1"))])
        let settings = try experimentSettings(json)
        var lines = [String]()
        let data = try DatasetCatalog.prepare(settings, nominalClass: 1, seed: 0) { lines.append($0) }
        XCTAssertNil(data.testItems)
        guard case .tiles(let set) = data.test else { return XCTFail("not a test split on tiles") }
        XCTAssertEqual(set.images.sizes, [ImageSize](repeating: ImageSize(height: 150, width: 150), count: 2))
        XCTAssertEqual(set.labels, [1, 0])   // test/crack before test/good
        XCTAssertEqual(data.train.count, 2 * 36, "two 150 x 150 training images of 6 x 6 tiles each")
        XCTAssertEqual(data.train.itemShape, [3, 32, 32])
        XCTAssertTrue(lines.contains { $0.contains("MVTec-AD on tiles: 2 training images of cable (up to 150 x 150)") }, "\(lines)")
        let masks = try XCTUnwrap(set.groundTruth)()
        XCTAssertEqual(masks[0]?.height, 150)
        XCTAssertEqual(masks[0]?.pixels.contains(255), true)

        let outcome = try runExperiment(json)
        let result = try XCTUnwrap(outcome.results.first)
        XCTAssertNotNil(result.auc)
        XCTAssertNotNil(result.pixelAUC)
        let (info, _) = try Snapshot.read(path: result.directory + "/snapshot.safetensors")
        XCTAssertEqual(try TileScoring.stored(in: info), try TileScoring(settings: settings))
        XCTAssertEqual(info.extra["tiles"]?["tile_size"]?.intValue, 32)
    }

    func testOnlyDatasetsOfImagesAtTheirOwnSizeTrainOnTiles() throws {
        for dataset in ["fmnist", "cifar10", "imagenet", "pascalvoc"] {
            XCTAssertThrowsError(try experimentSettings(tinyConfig(dataset, datadir: "/nonexistent", logdir: "/tmp/x", net: "FCDD_CNN28",
                                                                   [("tile_size", .number(32))])), dataset)
        }
        XCTAssertThrowsError(try experimentSettings(tinyConfig("mvtec", datadir: "/nonexistent", logdir: "/tmp/x", net: "FCDD_CNN28",
                                                               [("tile_size", .number(32)), ("offline_supervision", .bool(true))])))
    }
}
