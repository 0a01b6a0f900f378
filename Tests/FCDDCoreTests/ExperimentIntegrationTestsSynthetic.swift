// Whole experiments on the embedded synthetic dataset: FCDD with offline supervision, the HSC and AE
// baselines, resuming with `load`, and the run-level errors (snapshot of another network, a file where the
// log directory should be).
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
}
