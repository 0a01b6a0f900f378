import XCTest
@testable import FCDDCore
@testable import FCDDKernels

/// The one runtime configuration: validated thread counts, and changes that tests make are undone.
final class EngineRuntimeTests: XCTestCase {
    func testThreadCountsOutsideTheRangeAreRefusedAndLeaveTheSettingAlone() throws {
        let before = EngineRuntime.configuration
        for bad in [0, -1, 1025, 1 << 40] {
            XCTAssertThrowsError(try EngineRuntime.setThreads(bad)) { e in
                XCTAssertTrue("\(e)".contains("threads must be in 1...1024, got \(bad)"), "\(e)")
            }
        }
        XCTAssertEqual(EngineRuntime.configuration, before)
        try EngineRuntime.setThreads(3)
        XCTAssertEqual(EngineRuntime.threads, 3)
        XCTAssertEqual(Parallel.threads, 3)
        try EngineRuntime.setThreads(before.threads)
        XCTAssertEqual(EngineRuntime.configuration, before)
    }

    func testWithRestoresThePreviousConfigurationAlsoAfterAnError() {
        let before = EngineRuntime.configuration
        struct Failure: Error {}
        XCTAssertThrowsError(try EngineRuntime.with({ $0.threads = 2; $0.bandColumns = 16; $0.thinConvolutions.toggle() }) {
            XCTAssertEqual(EngineRuntime.threads, 2)
            XCTAssertEqual(ColumnBands(WindowGeometry(channels: 3, inH: 40, inW: 40, kernel: 3, stride: 1, padding: 1))?.bandRows, 1)
            throw Failure()
        })
        XCTAssertEqual(EngineRuntime.configuration, before)
    }
}
