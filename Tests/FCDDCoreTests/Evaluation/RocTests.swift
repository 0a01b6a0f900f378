import XCTest
@testable import FCDDCore

/// ROC, AUC, average precision and F1-max against scikit-learn (reference 8.2).
final class RocTests: XCTestCase {
    /// Every case of the golden file: AUC to 1e-12 and identical curve points. The golden stores the
    /// leading +infinity threshold as the largest float64.
    func testGoldenCasesMatchScikitLearn() throws {
        let golden = try SafeTensorsFile.read(path: fixturePath("roc.safetensors"))
        for i in 0..<3 {
            let labels = doubles(golden, "\(i).labels").map { Int($0) }
            let scores = doubles(golden, "\(i).scores")
            let curve = try ROCCurve.compute(labels: labels, scores: scores)
            XCTAssertEqual(curve.auc, doubles(golden, "\(i).auc")[0], accuracy: 1e-12, "case \(i)")
            XCTAssertEqual(curve.fpr, doubles(golden, "\(i).fpr"), "case \(i) fpr")
            XCTAssertEqual(curve.tpr, doubles(golden, "\(i).tpr"), "case \(i) tpr")
            let thresholds = curve.thresholds.map { $0 == .infinity ? Double.greatestFiniteMagnitude : $0 }
            XCTAssertEqual(thresholds, doubles(golden, "\(i).thresholds"), "case \(i) thresholds")
            XCTAssertEqual(try rocAUC(labels: labels, scores: scores), curve.auc)
            let (fpr, tpr, ths) = try rocCurve(labels: labels, scores: scores)
            XCTAssertEqual(fpr, curve.fpr); XCTAssertEqual(tpr, curve.tpr); XCTAssertEqual(ths, curve.thresholds)
            // Float scores (the pixel path) rank these values identically.
            let asFloat = try ROCCurve.compute(labels: labels, scores: scores.map { Float($0) })
            XCTAssertEqual(asFloat.auc, curve.auc, accuracy: 1e-12)
        }
    }

    /// Values from scikit-learn 1.9 `average_precision_score` and `precision_recall_curve` on the golden cases.
    func testAveragePrecisionAndF1MaxMatchScikitLearn() throws {
        let golden = try SafeTensorsFile.read(path: fixturePath("roc.safetensors"))
        let expected: [(ap: Double, f1: Double, threshold: Double)] = [
            (0.73130543383942137, 0.82352941176470584, 0.02397953307645917),
            (0.75383350607811228, 0.72156862745098049, -0.4),
            (0.72330009424801645, 0.69612403100775189, -0.4),
        ]
        for i in 0..<3 {
            let labels = doubles(golden, "\(i).labels").map { Int($0) }
            let scores = doubles(golden, "\(i).scores")
            XCTAssertEqual(try averagePrecision(labels: labels, scores: scores), expected[i].ap, accuracy: 1e-12, "case \(i)")
            let best = try f1Max(labels: labels, scores: scores)
            XCTAssertEqual(best.f1, expected[i].f1, accuracy: 1e-12, "case \(i)")
            XCTAssertEqual(best.threshold, expected[i].threshold, "case \(i)")
            // The decision threshold classifies these scores with "score > d" exactly as "score >= t".
            let above = scores.map { $0 > best.decisionThreshold }, atLeast = scores.map { $0 >= best.threshold }
            XCTAssertEqual(above, atLeast, "case \(i)")
            let lower = scores.filter { $0 < best.threshold }.max()
            XCTAssertEqual(best.decisionThreshold, lower.map { (best.threshold + $0) / 2 } ?? best.threshold.nextDown, "case \(i)")
        }
    }

    /// Hand-checked small cases: ties across classes count 1/2, and equal-step points are dropped.
    func testTiesAndDropRule() throws {
        // One positive and one negative with the same score: a single diagonal step, AUC 1/2.
        let tie = try ROCCurve.compute(labels: [0, 1], scores: [0.5, 0.5])
        XCTAssertEqual(tie.auc, 0.5)
        XCTAssertEqual(tie.fpr, [0, 1]); XCTAssertEqual(tie.tpr, [0, 1]); XCTAssertEqual(tie.thresholds, [.infinity, 0.5])
        // Perfect separation; the points (0, 1/3) and (0, 2/3) lie on equal steps and are dropped.
        let perfect = try ROCCurve.compute(labels: [1, 1, 1, 0, 0], scores: [5, 4, 3, 2, 1])
        XCTAssertEqual(perfect.auc, 1)
        XCTAssertEqual(perfect.fpr, [0, 0, 0, 1]); XCTAssertEqual(perfect.tpr, [0, 1.0 / 3, 1, 1])
        XCTAssertEqual(perfect.thresholds, [.infinity, 5, 3, 1])
        // Reversed ranking gives 0; -0 and +0 are one threshold.
        XCTAssertEqual(try rocAUC(labels: [1, 0], scores: [0, 1]), 0)
        let zeros = try ROCCurve.compute(labels: [1, 0, 1], scores: [-0.0, 0.0, 1])
        XCTAssertEqual(zeros.thresholds, [.infinity, 1, 0])
        XCTAssertEqual(zeros.auc, 0.75)
    }

    /// The AUC equals the Mann-Whitney statistic with ties 1/2 (a brute-force pair count).
    func testAUCEqualsMannWhitney() throws {
        var random = RandomSource(seed: 7)
        let labels = (0..<300).map { _ in random.nextDouble() < 0.3 ? 1 : 0 }
        let scores = (0..<300).map { _ in (random.nextDouble() * 20).rounded() }
        var wins = 0.0, pairs = 0.0
        for i in 0..<300 where labels[i] == 1 {
            for j in 0..<300 where labels[j] == 0 {
                pairs += 1
                wins += scores[i] > scores[j] ? 1 : (scores[i] == scores[j] ? 0.5 : 0)
            }
        }
        XCTAssertEqual(try rocAUC(labels: labels, scores: scores), wins / pairs, accuracy: 1e-14)
    }

    func testDegenerateInputsThrowClearErrors() {
        assertThrowsEngineError(try rocAUC(labels: [0, 0, 0], scores: [1, 2, 3]), containing: "only one class")
        assertThrowsEngineError(try rocAUC(labels: [1, 1], scores: [1, 2]), containing: "only one class")
        assertThrowsEngineError(try rocAUC(labels: [0, 1], scores: [1, .nan]), containing: "finite")
        assertThrowsEngineError(try rocAUC(labels: [0, 1], scores: [1, .infinity]), containing: "finite")
        assertThrowsEngineError(try rocAUC(labels: [0, 1, 1], scores: [1, 2]), containing: "3 labels but 2 scores")
        assertThrowsEngineError(try rocAUC(labels: [0, 2], scores: [1, 2]), containing: "0 (nominal) or 1")
        assertThrowsEngineError(try averagePrecision(labels: [], scores: [Double]()), containing: "only one class")
        assertThrowsEngineError(try f1Max(labels: [1], scores: [Float.nan]), containing: "only one class")
    }
}
