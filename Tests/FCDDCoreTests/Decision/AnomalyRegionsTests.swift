import XCTest
@testable import FCDDCore

/// Regions of thresholded heatmaps: components, boxes, order, minimum area and masks.
final class AnomalyRegionsTests: XCTestCase {
    func regions(_ rows: [String], threshold: Double = 0.5, minArea: Int = 1) -> ([AnomalyRegion], [UInt8]) {
        // digits are scores in tenths; '.' is 0
        let h = rows.count, w = rows[0].count
        let map = rows.flatMap { $0.map { $0 == "." ? Float(0) : Float(Int(String($0))!) / 10 } }
        var mask = [UInt8](repeating: 7, count: h * w)
        let found = map.withUnsafeBufferPointer { m in
            mask.withUnsafeMutableBufferPointer { AnomalyRegions.find(map: m, height: h, width: w, threshold: threshold, minArea: minArea, mask: $0) }
        }
        return (found, mask)
    }

    func testComponentsAreEightConnectedWithExclusiveBoxes() {
        let (found, mask) = regions([
            "6.....",
            ".7..9.",
            "....99",
            "8.....",
        ])
        XCTAssertEqual(found.count, 3)
        XCTAssertEqual(found[0], AnomalyRegion(x0: 4, y0: 1, x1: 6, y1: 3, area: 3, maxScore: Double(Float(0.9)), meanScore: Double(Float(0.9))))
        XCTAssertEqual(found[1].area, 1)                       // the 8 at (0, 3)
        XCTAssertEqual([found[1].x0, found[1].y0, found[1].x1, found[1].y1], [0, 3, 1, 4])
        XCTAssertEqual([found[2].x0, found[2].y0, found[2].x1, found[2].y1], [0, 0, 2, 2])   // 6 and 7 touch diagonally
        XCTAssertEqual(found[2].maxScore, Double(Float(0.7)))
        XCTAssertEqual(found[2].meanScore, (Double(Float(0.6)) + Double(Float(0.7))) / 2, accuracy: 1e-12)
        XCTAssertEqual(mask.filter { $0 == 1 }.count, 6)
        XCTAssertEqual(mask.filter { $0 > 1 }.count, 0)
    }

    func testThresholdIsStrictAndMinimumAreaDropsSmallRegions() {
        let rows = ["55..9", "5...9", "....."]
        XCTAssertEqual(regions(rows, threshold: 0.5).0.count, 1)        // 0.5 is not above 0.5
        XCTAssertEqual(regions(rows, threshold: 0.4).0.count, 2)
        let (big, mask) = regions(rows, threshold: 0.4, minArea: 3)
        XCTAssertEqual(big.map(\.area), [3])
        XCTAssertEqual(mask, [1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    func testEmptyAndFullMaps() {
        XCTAssertEqual(regions(["...", "..."]).0, [])
        let full = regions(["999", "999"]).0
        XCTAssertEqual(full.map(\.area), [6])
        XCTAssertEqual([full[0].x0, full[0].y0, full[0].x1, full[0].y1], [0, 0, 3, 2])
    }

    /// Decisions: a label only with an image threshold, regions only with a pixel threshold.
    func testDecisionsFollowTheThresholdsTheModelHas() {
        let maps: [Float] = [0, 0.9, 0, 0,   0, 0, 0, 0]
        let image = DecisionThreshold(value: 1, method: "given"), pixel = DecisionThreshold(value: 0.5, method: "given")
        let none = Decisions.decide(scores: [2, 0.5], maps: maps, height: 2, width: 2, thresholds: DecisionThresholds(), minArea: 1)
        XCTAssertEqual(none.map(\.label), [nil, nil]); XCTAssertEqual(none.map(\.regions), [nil, nil])
        let both = Decisions.decide(scores: [2, 0.5], maps: maps, height: 2, width: 2,
                                    thresholds: DecisionThresholds(image: image, pixel: pixel), minArea: 1)
        XCTAssertEqual(both.map(\.label), [true, false])
        XCTAssertEqual(both.map { $0.regions?.count }, [1, 0])
    }
}
