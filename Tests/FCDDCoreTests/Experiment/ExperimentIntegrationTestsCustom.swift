// Whole experiments on custom image folders (reference 7.7) in both layouts, with and without
// ground-truth maps, with `supervise_mode: other`; resuming from a snapshot; and the run-level errors
// (wrong layouts, a snapshot of another network, a file where the log directory should be).
import Foundation
import XCTest
@testable import FCDDCore

/// The per-class normal/anomalous layout below `<datadir>/custom`: classes bolts (train 4 normal + 2
/// anomalous; test 2 normal + 2 anomalous) and nuts (train 3 normal; test 1 + 1). Images are not square.
/// With `maps`, `test_maps/bolts/anomalous/` holds the maps of both anomalous test images and
/// `train_maps/bolts/anomalous/` the map of the first anomalous training image.
func writeCustomNormalAnomalous(_ datadir: String, maps: Bool) throws {
    let root = datadir + "/custom"
    func anomaly(_ seed: Int) -> (RawImage, RawImage) {
        var image = patternImage(channels: 3, height: 40, width: 52, seed: seed)
        let rows = 10..<22, cols = 20..<34
        for c in 0..<3 { for y in rows { for x in cols { image.pixels[(c * 40 + y) * 52 + x] = 250 } } }
        return (image, rectangleMask(height: 40, width: 52, rows: rows, cols: cols))
    }
    for (cls, trainNormal, trainAnomalous, testNormal, testAnomalous, seed) in [("bolts", 4, 2, 2, 2, 0), ("nuts", 3, 0, 1, 1, 500)] {
        for i in 0..<trainNormal {
            try writePNG(patternImage(channels: 3, height: 40, width: 52, seed: seed + i), "\(root)/train/\(cls)/normal/n\(i).png")
        }
        for i in 0..<trainAnomalous {
            let (image, mask) = anomaly(seed + 100 + i)
            try writePNG(image, "\(root)/train/\(cls)/anomalous/a\(i).png")
            if maps && i == 0 { try writePNG(mask, "\(root)/train_maps/\(cls)/anomalous/a\(i).png") }
        }
        for i in 0..<testNormal {
            try writePNG(patternImage(channels: 3, height: 40, width: 52, seed: seed + 200 + i), "\(root)/test/\(cls)/normal/n\(i).png")
        }
        for i in 0..<testAnomalous {
            let (image, mask) = anomaly(seed + 300 + i)
            try writePNG(image, "\(root)/test/\(cls)/anomalous/a\(i).png")
            if maps && cls == "bolts" { try writePNG(mask, "\(root)/test_maps/\(cls)/anomalous/a\(i).png") }
        }
    }
}

/// The one-vs-rest layout: classes a, b, c with 3 training and 2 test images each (grayscale PNGs for b,
/// which are converted to RGB).
func writeCustomOneVsRest(_ datadir: String) throws {
    let root = datadir + "/custom"
    for (k, cls) in ["a", "b", "c"].enumerated() {
        let channels = cls == "b" ? 1 : 3
        for i in 0..<3 {
            try writePNG(patternImage(channels: channels, height: 30, width: 30, seed: 50 * k + i), "\(root)/train/\(cls)/img\(i).png")
        }
        for i in 0..<2 {
            try writePNG(patternImage(channels: channels, height: 30, width: 30, seed: 50 * k + 20 + i), "\(root)/test/\(cls)/sub/img\(i).png")
        }
    }
}

final class ExperimentIntegrationTestsCustom: XCTestCase {
    func customConfig(_ tmp: String, _ extra: [(String, JSONValue)] = []) -> JSONValue {
        tinyConfig("custom", datadir: tmp + "/data", logdir: tmp + "/log", net: "FCDD_CNN224",
                   [("classes", .array([.number(0)])), ("preproc", .string("aug1")),
                    ("supervise_mode", .string("malformed_normal")), ("noise_mode", .string("confetti"))] + extra)
    }

    func testNormalAnomalousLayoutWithConfettiAndNoMaps() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeCustomNormalAnomalous(tmp + "/data", maps: false)
        let json = customConfig(tmp)
        let config = try experimentSettings(json)
        XCTAssertEqual(try DatasetCatalog.classNames(config), ["bolts", "nuts"])
        let data = try DatasetCatalog.prepare(config, nominalClass: 0, seed: 0) { _ in }
        XCTAssertEqual(data.train.count, 4, "the normal training images of bolts")
        XCTAssertEqual(try (0..<data.testItems!.count).map { try data.testItems!.sample(at: $0).label }, [1, 1, 0, 0],
                       "test = bolts' anomalous and normal folders (sorted) only")
        XCTAssertFalse(data.testItems!.hasGroundTruth)

        let outcome = try runExperiment(json)
        let r = try XCTUnwrap(outcome.results.first)
        XCTAssertEqual(r.className, "bolts")
        XCTAssertNotNil(r.auc)
        XCTAssertNil(r.pixelAUC, "no ground-truth maps, no pixel AUC")
        try checkRunFolder(r, config: json, epochs: 1, net: "FCDD_CNN224")
        try checkSummary(outcome, logdir: tmp + "/log")
        XCTAssertEqual(outcome.summary["classes"]?.arrayValue?.first?["pixel_auc"], .null)
    }

    func testNormalAnomalousLayoutWithMapsAndOtherSupervision() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeCustomNormalAnomalous(tmp + "/data", maps: true)
        let json = customConfig(tmp, [("ground_truth_maps", .bool(true)), ("supervise_mode", .string("other"))])
        let config = try experimentSettings(json)
        let data = try DatasetCatalog.prepare(config, nominalClass: 0, seed: 0) { _ in }
        // Balanced: the 4 normal images plus 4 draws from the 2 anomalous training images.
        XCTAssertEqual(data.train.count, 8)
        XCTAssertTrue(data.train.hasGroundTruth)
        var rng = RandomSource(seed: 0)
        for i in 0..<8 {
            let s = try data.train.sample(at: i, rng: &rng)
            XCTAssertEqual(s.label, i < 4 ? 0 : 1, "sample \(i)")
            let gt = try XCTUnwrap(s.groundTruth)
            XCTAssertEqual(gt.count, 224 * 224)
            if i < 4 { XCTAssertFalse(gt.contains(1), "normal images have all-zero maps") }
        }
        XCTAssertTrue(data.testItems!.hasGroundTruth)
        for i in 0..<data.testItems!.count {
            let s = try data.testItems!.sample(at: i)
            XCTAssertEqual(try XCTUnwrap(s.groundTruth).contains(1), s.label == 1, "test map \(i)")
            let original = try XCTUnwrap(try data.testItems!.originalGroundTruth(at: i))
            XCTAssertEqual(original.pixels.contains(255), s.label == 1)
        }

        let outcome = try runExperiment(json)
        let r = try XCTUnwrap(outcome.results.first)
        XCTAssertNotNil(r.auc)
        XCTAssertNotNil(r.pixelAUC, "ground-truth maps give a pixel AUC")
        let log = try checkRunFolder(r, config: json, epochs: 1, net: "FCDD_CNN224")
        XCTAssertTrue(log.contains("custom: 8 training images of class bolts"), log)
        try checkSummary(outcome, logdir: tmp + "/log")
        XCTAssertNotEqual(outcome.summary["mean"]?["pixel_auc"], .null)
    }

    /// The command line's default for custom data: noise with ImageNet-22k outliers (shorter side 248, so
    /// not square), with and without ground-truth maps.
    func testImageNet22kOutlierExposureWithAndWithoutMaps() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeCustomNormalAnomalous(tmp + "/data", maps: true)
        _ = try writeMiniImageNet22k(tmp + "/data")
        for maps in [false, true] {
            let json = customConfig(tmp, [("supervise_mode", .string("noise")), ("noise_mode", .string("imagenet22k")),
                                          ("ground_truth_maps", .bool(maps)), ("logdir", .string(tmp + "/log-\(maps)"))])
            let config = try experimentSettings(json)
            let data = try DatasetCatalog.prepare(config, nominalClass: 0, seed: 0) { _ in }
            var rng = RandomSource(seed: 4)
            var labels = Set<Float>()
            for i in 0..<24 {
                let s = try data.train.sample(at: i % data.train.count, rng: &rng)
                XCTAssertEqual(s.image.count, 3 * 224 * 224)
                if maps {
                    let gt = try XCTUnwrap(s.groundTruth)
                    XCTAssertEqual(gt.count, 224 * 224)
                    // Outlier images are anomalous everywhere.
                    if s.label == 1 { XCTAssertFalse(gt.contains(0)) }
                }
                labels.insert(s.label)
            }
            XCTAssertEqual(labels, [0, 1])
            let outcome = try runExperiment(json)
            let r = try XCTUnwrap(outcome.results.first)
            let log = try checkRunFolder(r, config: json, epochs: 1, net: "FCDD_CNN224")
            XCTAssertTrue(log.contains("outlier exposure: 6 ImageNet-22k images"), log)
            XCTAssertEqual(r.pixelAUC != nil, maps)
        }
    }

    func testNominalLabelOneSwapsPipelineAndOriginalMapsAlike() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeCustomNormalAnomalous(tmp + "/data", maps: true)
        let config = try experimentSettings(customConfig(tmp, [("ground_truth_maps", .bool(true)), ("nominal_label", .number(1))]))
        let data = try DatasetCatalog.prepare(config, nominalClass: 0, seed: 0) { _ in }
        for i in 0..<data.testItems!.count {
            let s = try data.testItems!.sample(at: i)
            let gt = try XCTUnwrap(s.groundTruth)
            let original = try XCTUnwrap(try data.testItems!.originalGroundTruth(at: i))
            // Nominal images (label 1) are 1 everywhere in both; anomalies have 0 on the defect.
            XCTAssertEqual(!gt.contains(0), s.label == 1, "test map \(i)")
            XCTAssertEqual(original.pixels.allSatisfy { $0 == 255 }, s.label == 1, "original map \(i)")
        }
    }

    func testOneVsRestLayoutWithOtherSupervision() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeCustomOneVsRest(tmp + "/data")
        let json = customConfig(tmp, [("one_vs_rest", .bool(true)), ("supervise_mode", .string("other")),
                                      ("classes", .array([.number(1)]))])
        let config = try experimentSettings(json)
        let data = try DatasetCatalog.prepare(config, nominalClass: 1, seed: 0) { _ in }
        XCTAssertEqual(data.train.count, 6, "3 images of b plus 3 drawn from the other classes")
        XCTAssertEqual(try (0..<data.testItems!.count).map { try data.testItems!.sample(at: $0).label }, [1, 1, 0, 0, 1, 1],
                       "test = all classes; b is nominal")

        let outcome = try runExperiment(json)
        let r = try XCTUnwrap(outcome.results.first)
        XCTAssertEqual(r.className, "b")
        XCTAssertNotNil(r.auc)
        XCTAssertNil(r.pixelAUC)
        try checkRunFolder(r, config: json, epochs: 1, net: "FCDD_CNN224")
        try checkSummary(outcome, logdir: tmp + "/log")
    }

    func testOneVsRestWithMapsScoresPixelsOfTheNominalClass() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeCustomOneVsRest(tmp + "/data")
        // Maps for the test images of class a (one with a defect, one without).
        try writePNG(rectangleMask(height: 30, width: 30, rows: 5..<15, cols: 5..<15), tmp + "/data/custom/test_maps/a/sub/img0.png")
        try writePNG(rectangleMask(height: 30, width: 30, rows: 0..<0, cols: 0..<0), tmp + "/data/custom/test_maps/a/sub/img1.png")
        let json = customConfig(tmp, [("one_vs_rest", .bool(true)), ("ground_truth_maps", .bool(true))])
        let outcome = try runExperiment(json)
        let r = try XCTUnwrap(outcome.results.first)
        XCTAssertNotNil(r.auc)
        XCTAssertNotNil(r.pixelAUC, "pixel AUC over the nominal class's test images")
        try checkRunFolder(r, config: json, epochs: 1, net: "FCDD_CNN224")
    }

    func testWrongLayoutsAndMissingDataAreExplained() throws {
        let tmp = try makeTemporaryDirectory(self)
        assertExperimentFails(customConfig(tmp), isNotFound,
                              containing: ["custom dataset not found", tmp + "/data/custom/train", "normal/anomalous layout"])
        try writeCustomOneVsRest(tmp + "/data")
        // A one-vs-rest tree read with the normal/anomalous layout.
        assertExperimentFails(customConfig(tmp), isFormat,
                              containing: ["unexpected 'img0.png'", tmp + "/data/custom/train/a", "normal (or nominal) and anomalous"])

        let tmp2 = try makeTemporaryDirectory(self)
        try writeCustomNormalAnomalous(tmp2 + "/data", maps: false)
        // The normal/anomalous tree read as one-vs-rest would label the anomalous folders nominal.
        assertExperimentFails(customConfig(tmp2, [("one_vs_rest", .bool(true))]), isFormat,
                              containing: [tmp2 + "/data/custom/train/bolts/anomalous", "normal/anomalous layout", "one-vs-rest"])
        // An anomalous test image without its map, with ground-truth maps on.
        try writePNG(rectangleMask(height: 40, width: 52, rows: 0..<4, cols: 0..<4), tmp2 + "/data/custom/test_maps/bolts/anomalous/a0.png")
        assertExperimentFails(customConfig(tmp2, [("ground_truth_maps", .bool(true))]), isNotFound,
                              containing: [tmp2 + "/data/custom/test/bolts/anomalous/a1.png", "test_maps"])
        // A damaged training image is named (it is read for the normalisation constants).
        try writeText("garbage", tmp2 + "/data/custom/train/bolts/normal/n2.png")
        assertExperimentFails(customConfig(tmp2), isFormat, containing: [tmp2 + "/data/custom/train/bolts/normal/n2.png"])
        try writePNG(patternImage(channels: 3, height: 40, width: 52, seed: 2), tmp2 + "/data/custom/train/bolts/normal/n2.png")
        // Offline supervision is not offered for custom data (as in the original).
        assertExperimentFails(customConfig(tmp2, [("offline_supervision", .bool(true))]), isInvalidArgument,
                              containing: ["offline_supervision (--offline-supervision) is not offered for custom"])
        // Different class folders in train and test.
        try FileManager.default.createDirectory(atPath: tmp2 + "/data/custom/test/washers/normal", withIntermediateDirectories: true)
        try writePNG(patternImage(channels: 3, height: 8, width: 8, seed: 1), tmp2 + "/data/custom/test/washers/normal/x.png")
        assertExperimentFails(customConfig(tmp2), isFormat, containing: ["class folders differ", "washers"])
    }

    func testLoadResumesFromTheSnapshot() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeCustomNormalAnomalous(tmp + "/data", maps: false)
        let first = try runExperiment(customConfig(tmp))
        let snapshot = try XCTUnwrap(first.results.first).directory + "/snapshot.safetensors"

        // Two epochs requested, one done: one more is trained.
        let json = tinyConfig("custom", datadir: tmp + "/data", logdir: tmp + "/resumed", net: "FCDD_CNN224",
                              [("classes", .array([.number(0)])), ("preproc", .string("aug1")), ("epochs", .number(2)),
                               ("supervise_mode", .string("malformed_normal")), ("noise_mode", .string("confetti")),
                               ("load", .string(snapshot))])
        let outcome = try runExperiment(json)
        let r = try XCTUnwrap(outcome.results.first)
        XCTAssertNotNil(r.auc)
        let log = try readTextFile(r.directory + "/log.txt")
        XCTAssertTrue(log.contains("resumed from \(snapshot) after 1 epochs"), log)
        XCTAssertTrue(log.contains("training FCDD_CNN224 for 1 epochs"), log)
        let (info, _) = try Snapshot.read(path: r.directory + "/snapshot.safetensors")
        XCTAssertEqual(info.completedEpochs, 2)
        XCTAssertEqual(info.totalEpochs, 2)
        let history = try readJSONFile(r.directory + "/history.json")
        // The snapshot carries the history, so the resumed run's history covers every epoch of the run.
        XCTAssertEqual(history["loss"]?.arrayValue?.count, 2, "history holds the snapshot's epoch and this run's")
        // The learning rate continues the schedule: epoch 1 of lambda 0.985.
        XCTAssertEqual(history["lr"]?.arrayValue?.first?.doubleValue ?? 0, 1e-3, accuracy: 1e-12)
        XCTAssertEqual(history["lr"]?.arrayValue?.last?.doubleValue ?? 0, 1e-3 * 0.985, accuracy: 1e-12)

        // Another optimiser than the snapshot's: its state cannot be continued.
        assertExperimentFails(tinyConfig("custom", datadir: tmp + "/data", logdir: tmp + "/adam", net: "FCDD_CNN224",
                                         [("classes", .array([.number(0)])), ("preproc", .string("aug1")), ("epochs", .number(2)),
                               ("supervise_mode", .string("malformed_normal")), ("noise_mode", .string("confetti")),
                                          ("load", .string(snapshot)),
                                          ("optimizer", .object([("type", .string("adam")), ("lr", .number(1e-3)), ("weight_decay", .number(0))]))]),
                              isInvalidArgument, containing: [snapshot, "sgd", "adam"])

        // All requested epochs already done: nothing is trained, the test still runs.
        let done = try runExperiment(tinyConfig("custom", datadir: tmp + "/data", logdir: tmp + "/tested", net: "FCDD_CNN224",
                                                [("classes", .array([.number(0)])), ("preproc", .string("aug1")), ("load", .string(snapshot)),
                                                 ("supervise_mode", .string("malformed_normal")), ("noise_mode", .string("confetti"))]))
        let d = try XCTUnwrap(done.results.first)
        XCTAssertNotNil(d.auc)
        let doneLog = try readTextFile(d.directory + "/log.txt")
        XCTAssertTrue(doneLog.contains("resumed from"), doneLog)
        XCTAssertFalse(doneLog.contains("training FCDD_CNN224"), doneLog)
    }

    func testAllClassesAndRepetitionsWithTheirSummary() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeCustomNormalAnomalous(tmp + "/data", maps: false)
        let json = customConfig(tmp, [("classes", .array([])), ("it", .number(2))])
        let outcome = try runExperiment(json)
        // No class restriction: both classes, each twice, seeds seed + i.
        XCTAssertEqual(outcome.results.map { "\($0.className)/\($0.iteration)" }, ["bolts/0", "bolts/1", "nuts/0", "nuts/1"])
        for r in outcome.results {
            try checkRunFolder(r, config: json, epochs: 1, net: "FCDD_CNN224")
            XCTAssertEqual(try readJSONFile(r.directory + "/config.json")["run"]?["seed"]?.intValue, 3 + r.iteration)
        }
        try checkSummary(outcome, logdir: tmp + "/log")
        for entry in outcome.summary["classes"]?.arrayValue ?? [] {
            XCTAssertEqual(entry["runs"]?.arrayValue?.count, 2)
            XCTAssertEqual(entry["auc"]?["n"]?.intValue, 2)
            XCTAssertNotNil(entry["auc"]?["std"]?.doubleValue)
        }
    }

    func testStopRequestKeepsAResumableSnapshotAndSkipsTheRest() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeCustomNormalAnomalous(tmp + "/data", maps: false)
        let config = try experimentSettings(customConfig(tmp, [("classes", .array([])), ("epochs", .number(3)), ("batch_size", .number(2))]))
        var steps = 0
        let runner = try ExperimentRunner(settings: config) { event in
            if case .progress = event { steps += 1; return steps < 2 }   // Ctrl-C at the second of two steps of the first epoch
            return true
        }
        let summary = try runner.run()
        XCTAssertTrue(runner.stopped)
        XCTAssertEqual(runner.results.count, 1, "the second class is not started")
        let r = try XCTUnwrap(runner.results.first)
        XCTAssertNil(r.auc, "no test after a stop")
        XCTAssertFalse(fileExists(r.directory + "/roc.json"))
        let (info, _) = try Snapshot.read(path: r.directory + "/snapshot.safetensors")
        XCTAssertEqual(info.completedEpochs, 0)
        XCTAssertEqual(info.totalEpochs, 3)
        let log = try readTextFile(r.directory + "/log.txt")
        XCTAssertTrue(log.contains("stopped after 0 complete epochs; continue with --resume \(tmp)/log (or this run alone with --load \(r.directory)/snapshot.safetensors)"), log)
        XCTAssertEqual(try readJSONFile(tmp + "/log/summary.json"), summary)
        XCTAssertEqual(summary["mean"], .null)
    }

    func testLoadErrorsAndUnwritableLogDirectory() throws {
        let tmp = try makeTemporaryDirectory(self)
        try writeCustomNormalAnomalous(tmp + "/data", maps: false)
        // A snapshot of another network.
        let other = tmp + "/other.safetensors"
        let net = try NetworkRegistry.make("FCDD_CNN32_S", inShape: [3, 32, 32], seed: 0)
        let optimizer = try OptimizerSettings(kind: .sgd, learningRate: 1e-3, weightDecay: 0).make(for: net)
        try Snapshot.write(path: other, info: SnapshotInfo(network: "FCDD_CNN32_S", inShape: [3, 32, 32], bias: true, objective: .fcdd,
                                                           gaussStd: 10, completedEpochs: 1, totalEpochs: 1,
                                                           optimizer: OptimizerSettings(kind: .sgd, learningRate: 1e-3, weightDecay: 0),
                                                           schedule: .lambda(gamma: 0.985)),
                           network: net, optimizer: optimizer)
        assertExperimentFails(customConfig(tmp, [("load", .string(other))]), isInvalidArgument,
                              containing: [other, "FCDD_CNN32_S", "FCDD_CNN224"])
        // A snapshot path that does not exist.
        assertExperimentFails(customConfig(tmp, [("load", .string(tmp + "/nope.safetensors"))]), { _ in true },
                              containing: [tmp + "/nope.safetensors"])
        // A plain file where the log directory should be.
        try writeText("x", tmp + "/blocked")
        assertExperimentFails(customConfig(tmp, [("logdir", .string(tmp + "/blocked"))]), isIO, containing: [tmp + "/blocked"])
        // ... or where a run folder should be.
        try writeText("x", tmp + "/log2/normal_0")
        assertExperimentFails(customConfig(tmp, [("logdir", .string(tmp + "/log2"))]), isIO, containing: [tmp + "/log2/normal_0"])
    }
}
