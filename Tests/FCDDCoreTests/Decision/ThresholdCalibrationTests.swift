import XCTest
@testable import FCDDCore

/// Threshold choice: each method's defining property, checked by brute force over every candidate.
final class ThresholdCalibrationTests: XCTestCase {
    func scores(_ n: Int, seed: UInt64, shift: Double = 0) -> [Float] {
        var rng = RandomSource(seed: seed)
        return (0..<n).map { _ in Float((rng.nextDouble() * 10).rounded() / 10 + shift) }   // ties on purpose
    }

    func fpr(_ t: Double, _ nominal: [Float]) -> Double { Double(nominal.filter { Double($0) > t }.count) / Double(nominal.count) }
    func recall(_ t: Double, _ anomalous: [Float]) -> Double { Double(anomalous.filter { Double($0) > t }.count) / Double(anomalous.count) }

    /// max_fpr: within the limit, and no candidate threshold within the limit has a higher recall.
    func testMaxFPRHasTheHighestRecallWithinTheLimit() throws {
        for seed in 0..<20 as Range<UInt64> {
            let nominal = scores(60, seed: seed), anomalous = scores(30, seed: seed + 100, shift: 3)
            let labels = [UInt8](repeating: 0, count: 60) + [UInt8](repeating: 1, count: 30)
            for limit in [0.0, 0.01, 0.05, 0.2, 0.5] {
                let t = try ThresholdCalibration.choose(scores: nominal + anomalous, labels: labels, method: .maxFPR(limit), what: "scores")
                XCTAssertEqual(t.method, "max_fpr")
                XCTAssertLessThanOrEqual(fpr(t.value, nominal), limit)
                let candidates = Set(nominal + anomalous).map { Double($0).nextDown }
                let best = candidates.filter { fpr($0, nominal) <= limit }.map { recall($0, anomalous) }.max() ?? 0
                XCTAssertEqual(recall(t.value, anomalous), best, "seed \(seed) limit \(limit)")
                XCTAssertEqual(t.calibration.first { $0.0 == "recall" }?.1.doubleValue, best)
            }
        }
    }

    /// Without anomalies, max_fpr keeps at most that fraction of the nominal scores above, as many as it
    /// may, and says it was chosen on nominal scores only.
    func testMaxFPROnNominalScoresOnly() throws {
        for seed in 0..<20 as Range<UInt64> {
            let nominal = scores(200, seed: seed)
            for limit in [0.0, 0.01, 0.05, 0.3] {
                let t = try ThresholdCalibration.choose(scores: nominal, labels: nil, method: .maxFPR(limit), what: "scores")
                XCTAssertEqual(t.method, "nominal_fpr")
                XCTAssertEqual(t.parameter, limit)
                XCTAssertLessThanOrEqual(fpr(t.value, nominal), limit)
                let candidates = Set(nominal).map { Double($0).nextDown }
                let most = candidates.map { fpr($0, nominal) }.filter { $0 <= limit }.max() ?? 0
                XCTAssertEqual(fpr(t.value, nominal), most, "seed \(seed) limit \(limit)")
            }
        }
    }

    /// F1: the engine's F1-max decision threshold, and no other threshold gives a higher F1.
    func testF1IsTheBestF1() throws {
        let nominal = scores(80, seed: 7), anomalous = scores(20, seed: 8, shift: 0.5)
        let labels = [UInt8](repeating: 0, count: 80) + [UInt8](repeating: 1, count: 20)
        let t = try ThresholdCalibration.choose(scores: nominal + anomalous, labels: labels, method: .f1, what: "scores")
        func f1(_ t: Double) -> Double {
            let tp = Double(anomalous.filter { Double($0) > t }.count), fp = Double(nominal.filter { Double($0) > t }.count)
            return 2 * tp / (tp + fp + 20)
        }
        let best = Set(nominal + anomalous).map { f1(Double($0).nextDown) }.max()!
        XCTAssertEqual(f1(t.value), best, accuracy: 1e-12)
        XCTAssertEqual(t.calibration.first { $0.0 == "f1" }?.1.doubleValue ?? -1, best, accuracy: 1e-12)
        let expected = try f1Max(labels: labels.map(Int.init), scores: (nominal + anomalous).map(Double.init)).decisionThreshold
        XCTAssertEqual(t.value, expected)
    }

    /// The quantile and contamination rules are numpy's quantile with linear interpolation.
    func testQuantileIsNumpys() throws {
        let values: [Float] = [3, 1, 4, 1, 5, 9, 2, 6]
        // numpy.quantile([3,1,4,1,5,9,2,6], 0.9) = 6.899999999999999; 0.5 -> 3.5
        let q9 = try ThresholdCalibration.choose(scores: values, labels: nil, method: .nominalQuantile(0.9), what: "pixel scores")
        XCTAssertEqual(q9.value, 6.9, accuracy: 1e-12)
        XCTAssertEqual(q9.method, "nominal_quantile")
        let c = try ThresholdCalibration.choose(scores: values, labels: nil, method: .contamination(0.5), what: "scores")
        XCTAssertEqual(c.value, 3.5)
        let top = try ThresholdCalibration.choose(scores: values, labels: nil, method: .nominalQuantile(1), what: "pixel scores")
        XCTAssertEqual(top.value, 9)
    }

    func testUnusableDataIsAClearError() {
        XCTAssertThrowsError(try ThresholdCalibration.choose(scores: [Float](), labels: nil, method: .f1, what: "scores"))
        XCTAssertThrowsError(try ThresholdCalibration.choose(scores: [Float(1), 2], labels: nil, method: .f1, what: "scores")) {
            XCTAssertTrue("\($0)".contains("max_fpr"), "\($0)")
        }
        XCTAssertThrowsError(try ThresholdCalibration.choose(scores: [Float(1), .nan], labels: nil, method: .maxFPR(0.1), what: "scores"))
        XCTAssertThrowsError(try ThresholdCalibration.choose(scores: [Float(1), 2], labels: [1], method: .maxFPR(0.1), what: "scores"))
        XCTAssertThrowsError(try ThresholdCalibration.choose(scores: [Float(1), 2], labels: [1, 1], method: .maxFPR(0.1), what: "scores"))
        XCTAssertThrowsError(try ThresholdMethod(json: .object([("method", .string("youden"))])))
        XCTAssertThrowsError(try ThresholdMethod(json: .object([("method", .string("max_fpr")), ("max_fpr", .number(1.5))])))
    }

    /// A threshold survives the model file's JSON form; damaged stored thresholds are format errors.
    func testStoredFormRoundTrips() throws {
        let t = try ThresholdCalibration.choose(scores: scores(50, seed: 1), labels: nil, method: .maxFPR(0.1), what: "scores")
        let both = DecisionThresholds(image: t, pixel: DecisionThreshold(value: 0.5, method: "given"))
        XCTAssertEqual(try DecisionThresholds(json: try JSONValue.parse(both.json.serialized()), source: "x"), both)
        XCTAssertEqual(try DecisionThresholds(json: nil, source: "x"), DecisionThresholds())
        XCTAssertThrowsError(try DecisionThresholds(json: .object([("image", .object([("value", .string("a"))]))]), source: "x"))
        XCTAssertThrowsError(try DecisionThresholds(json: .object([("pixel", .object([("value", .number(1)), ("method", .string("magic"))]))]), source: "x"))
    }
}
