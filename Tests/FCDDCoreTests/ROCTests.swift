import XCTest
@testable import FCDDCore

final class ROCTests: XCTestCase {
    /// Every case of the golden file (scikit-learn): AUC to 1e-12, curve points identical.
    func testMatchesScikitLearn() throws {
        let file = try SafeTensorsFile.read(path: fixturePath("roc.safetensors"))
        for c in 0..<3 {
            func values(_ name: String) throws -> [Double] {
                let e = file["\(c).\(name)"]!
                return (0..<(e.bytes.count / 8)).map { i in
                    Double(bitPattern: e.bytes[(i * 8)..<(i * 8 + 8)].reversed().reduce(0) { $0 << 8 | UInt64($1) })
                }
            }
            let labels = try values("labels").map { Int($0) }, scores = try values("scores")
            let roc = try rocCurve(labels: labels, scores: scores)
            XCTAssertEqual(roc.fpr, try values("fpr"), "case \(c) fpr")
            XCTAssertEqual(roc.tpr, try values("tpr"), "case \(c) tpr")
            let expectedThresholds = try values("thresholds")
            XCTAssertEqual(expectedThresholds[0], .greatestFiniteMagnitude)
            XCTAssertEqual(roc.thresholds[0], .infinity)
            XCTAssertEqual(Array(roc.thresholds.dropFirst()), Array(expectedThresholds.dropFirst()), "case \(c) thresholds")
            XCTAssertEqual(try rocAUC(labels: labels, scores: scores), try values("auc")[0], accuracy: 1e-12, "case \(c) auc")
            // The pixel-level path (Float scores, byte labels) gives the same curve for float-exact scores.
            let rounded = scores.map { Double(Float($0)) }
            let viaFloat = try rocCurve(pixelLabels: labels.map { UInt8($0) }, scores: rounded.map { Float($0) })
            XCTAssertEqual(viaFloat, try rocCurve(labels: labels, scores: rounded))
        }
    }

    func testTiesCountHalfAndDegenerateInputsAreErrors() throws {
        XCTAssertEqual(try rocAUC(labels: [0, 1], scores: [0.5, 0.5]), 0.5)
        XCTAssertEqual(try rocAUC(labels: [0, 0, 1, 1], scores: [0.1, 0.4, 0.35, 0.8]), 0.75)
        XCTAssertEqual(try rocAUC(labels: [1, 0], scores: [1, 0]), 1)
        XCTAssertThrowsError(try rocAUC(labels: [1, 1], scores: [1, 0])) { XCTAssertTrue("\($0)".contains("both labels")) }
        XCTAssertThrowsError(try rocAUC(labels: [1, 0], scores: [.nan, 0])) { XCTAssertTrue("\($0)".contains("NaN")) }
        XCTAssertThrowsError(try rocAUC(labels: [1, 0, 1], scores: [1, 0])) { XCTAssertTrue("\($0)".contains("3 labels but 2 scores")) }
    }

    func testAUCEqualsMannWhitneyOnRandomData() throws {
        var rng = RandomSource(seed: 3)
        let labels = (0..<500).map { _ in rng.nextDouble() < 0.3 ? 1 : 0 }
        let scores = labels.map { Double(Int(Double($0) * 2 + rng.nextDouble() * 10)) / 4 }   // many ties
        var wins = 0.0, pairs = 0.0
        for i in labels.indices where labels[i] == 1 {
            for j in labels.indices where labels[j] == 0 {
                pairs += 1; wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0
            }
        }
        XCTAssertEqual(try rocAUC(labels: labels, scores: scores), wins / pairs, accuracy: 1e-12)
    }
}
