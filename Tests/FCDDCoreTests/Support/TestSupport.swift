import XCTest
@testable import FCDDCore

/// Path of a file in Tests/FCDDCoreTests/Fixtures (the golden values computed with PyTorch), found from
/// this file's own place (Tests/FCDDCoreTests/Support) whichever test folder asks.
func fixturePath(_ name: String) -> String {
    let here = "\(#filePath)"
    let support = here[..<here.lastIndex(of: "/")!]
    let tests = support[..<support.lastIndex(of: "/")!]
    return "\(tests)/Fixtures/\(name)"
}

/// Largest absolute difference and the index where it occurs.
func maxDifference(_ a: [Float], _ b: [Float]) -> (Float, Int) {
    var worst: Float = 0, at = 0
    for i in 0..<min(a.count, b.count) {
        let d = abs(a[i] - b[i])
        if d > worst || d.isNaN { worst = d; at = i }
    }
    return (worst, at)
}

/// Elementwise `|a - b| <= atol + rtol * |b|`; on failure prints shapes and the largest difference.
func assertClose(_ a: [Float], _ b: [Float], rtol: Float = 1e-4, atol: Float = 1e-5, _ what: String = "",
                 file: StaticString = #filePath, line: UInt = #line) {
    guard a.count == b.count else {
        XCTFail("\(what): \(a.count) values vs \(b.count) expected", file: file, line: line)
        return
    }
    for i in 0..<a.count where !(abs(a[i] - b[i]) <= atol + rtol * abs(b[i])) {
        let (worst, at) = maxDifference(a, b)
        XCTFail("\(what): first mismatch at \(i): \(a[i]) vs \(b[i]); largest difference \(worst) at \(at)",
                file: file, line: line)
        return
    }
}

/// The golden tolerance for gradients and optimiser results: `|a - b| <= rtol * max|b|`.
func assertCloseRelativeToMax(_ a: [Float], _ b: [Float], rtol: Float = 1e-3, _ what: String = "",
                              file: StaticString = #filePath, line: UInt = #line) {
    guard a.count == b.count else {
        XCTFail("\(what): \(a.count) values vs \(b.count) expected", file: file, line: line)
        return
    }
    let scale = max(b.map { abs($0) }.max() ?? 0, 1e-12)
    let (worst, at) = maxDifference(a, b)
    if !(worst <= rtol * scale) {
        XCTFail("\(what): largest difference \(worst) at \(at) (\(a[at]) vs \(b[at])), allowed \(rtol * scale)",
                file: file, line: line)
    }
}
