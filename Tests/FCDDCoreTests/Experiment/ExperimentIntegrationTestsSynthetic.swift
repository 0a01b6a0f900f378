// Whole experiments on the embedded synthetic dataset: FCDD with offline supervision, the HSC and AE
// baselines, nominal label 1 with maps, and option errors. (Resuming and the run-level errors are tested on
// custom folders, which are cheaper: ExperimentIntegrationTestsCustom.)
import Foundation
import XCTest
@testable import FCDDCore

final class ExperimentIntegrationTestsSynthetic: XCTestCase {
    func testOfflineSupervisionRunsAndWritesTheRunFolder() throws {
        let tmp = try makeTemporaryDirectory(self)
        let logdir = tmp + "/log"
        let json = tinyConfig("synthetic", datadir: tmp, logdir: logdir, net: "FCDD_CNN32_S",
                              [("classes", .array([.number(1)])), ("offline_supervision", .bool(true)),
                               ("supervise_mode", .string("malformed_normal")), ("batch_size", .number(64))])
        let outcome = try runExperiment(json)
        XCTAssertEqual(outcome.results.count, 1)
        let r = try XCTUnwrap(outcome.results.first)
        XCTAssertEqual(r.nominalClass, 1)
        XCTAssertEqual(r.className, "wood")
        XCTAssertNotNil(r.auc)
        // The synthetic test split has masks: a pixel AUC.
        XCTAssertNotNil(r.pixelAUC)
        let log = try checkRunFolder(r, config: json, epochs: 1, net: "FCDD_CNN32_S")
        // Offline: 1000 nominal images plus 1000 anomalies generated once.
        XCTAssertTrue(log.contains("2000 samples"), log)
        try checkSummary(outcome, logdir: logdir)
        XCTAssertEqual(outcome.summary["classes"]?.arrayValue?.first?["class_name"]?.stringValue, "wood")
        XCTAssertNotEqual(outcome.summary["mean"]?["pixel_auc"], .null)
    }

    func testHSCBaselineOnSynthetic() throws {
        let tmp = try makeTemporaryDirectory(self)
        let json = tinyConfig("synthetic", datadir: tmp, logdir: tmp + "/log", net: "CNN32",
                              [("classes", .array([.number(0)])), ("objective", .string("hsc")), ("batch_size", .number(64)),
                               ("blur_heatmaps", .bool(true))])
        let outcome = try runExperiment(json)
        let r = try XCTUnwrap(outcome.results.first)
        XCTAssertEqual(r.className, "fabric")
        XCTAssertNotNil(r.auc)
        // HSC heatmaps are gradient maps; the synthetic masks give a pixel AUC for them too.
        XCTAssertNotNil(r.pixelAUC)
        try checkRunFolder(r, config: json, epochs: 1, net: "CNN32")
        let (info, _) = try Snapshot.read(path: r.directory + "/snapshot.safetensors")
        XCTAssertEqual(info.objective, .hsc)
        try checkSummary(outcome, logdir: tmp + "/log")
        XCTAssertEqual(outcome.summary["objective"]?.stringValue, "hsc")
    }

    func testAutoencoderBaselineOnSynthetic() throws {
        let tmp = try makeTemporaryDirectory(self)
        let json = tinyConfig("synthetic", datadir: tmp, logdir: tmp + "/log", net: "AE32",
                              [("classes", .array([.number(2)])), ("objective", .string("ae")), ("batch_size", .number(64)),
                               ("supervise_mode", .string("unsupervised"))])
        let outcome = try runExperiment(json)
        let r = try XCTUnwrap(outcome.results.first)
        XCTAssertEqual(r.className, "tiles")
        XCTAssertNotNil(r.auc)
        XCTAssertNotNil(r.pixelAUC)
        let log = try checkRunFolder(r, config: json, epochs: 1, net: "AE32")
        XCTAssertTrue(log.contains("1000 samples"), "unsupervised: the nominal images only; \(log)")
        try checkSummary(outcome, logdir: tmp + "/log")
    }

    func testOptionErrors() throws {
        let tmp = try makeTemporaryDirectory(self)
        assertExperimentFails(tinyConfig("synthetic", datadir: tmp, logdir: tmp + "/log", net: "FCDD_CNN32_S", [("objective", .string("ae"))]),
                              isInvalidArgument, containing: ["objective (--objective) 'ae' needs a ae network (e.g. AE32)", "FCDD_CNN32_S is built for 'fcdd'"])
        // A 224 network on 32x32 data builds (FCDD nets are fully convolutional) only if the data are large
        // enough; HSC nets have dense layers of a fixed size.
        assertExperimentFails(tinyConfig("synthetic", datadir: tmp, logdir: tmp + "/log", net: "CNN224", [("objective", .string("hsc"))]),
                              isInvalidArgument, containing: ["CNN224", "224x224", "32x32"])
        // The synthetic dataset has no outlier-exposure source.
        assertExperimentFails(tinyConfig("synthetic", datadir: tmp, logdir: tmp + "/log", net: "FCDD_CNN32_S",
                                         [("supervise_mode", .string("noise")), ("noise_mode", .string("imagenet"))]),
                              isInvalidArgument, containing: ["'imagenet': synthetic offers no outlier exposure", "confetti"])
        // A repeated class would write twice into the same run folder.
        assertExperimentFails(tinyConfig("synthetic", datadir: tmp, logdir: tmp + "/log", net: "FCDD_CNN32_S",
                                         [("classes", .array([.number(1), .number(0), .number(1)]))]),
                              isInvalidArgument, containing: ["classes (--cls-restrictions) must not repeat a class"])
        // Unknown noise modes are named.
        assertExperimentFails(tinyConfig("synthetic", datadir: tmp, logdir: tmp + "/log", net: "FCDD_CNN32_S", [("noise_mode", .string("confeti"))]),
                              { _ in true }, containing: ["confeti"])
    }

    /// With nominal label 1 the maps swap with the labels (reference 7.1): label-1 (nominal) images have
    /// all-one maps, and the original-resolution maps used for the pixel AUC follow the same convention.
    func testNominalLabelOneSwapsTestMapsWithTheLabels() throws {
        let tmp = try makeTemporaryDirectory(self)
        let config = try experimentSettings(tinyConfig("synthetic", datadir: tmp, logdir: tmp + "/log", net: "FCDD_CNN32_S",
                                                           [("nominal_label", .number(1))]))
        let data = try DatasetCatalog.prepare(config, nominalClass: 0, seed: 0) { _ in }
        for i in [0, 1, 99, 100, 101, 150, 199] {
            let s = try data.testItems!.sample(at: i)
            XCTAssertEqual(s.label, i < 100 ? 1 : 0, "image \(i): good images are nominal = label 1")
            let gt = try XCTUnwrap(s.groundTruth)
            if i < 100 { XCTAssertFalse(gt.contains(0), "image \(i): a nominal image is label 1 everywhere") }
            else { XCTAssertTrue(gt.contains(0) && gt.contains(1), "image \(i): defect pixels 0, the rest 1") }
            let original = try XCTUnwrap(try data.testItems!.originalGroundTruth(at: i))
            XCTAssertEqual(original.pixels.allSatisfy { $0 == 255 }, i < 100, "image \(i)")
        }
    }
}
