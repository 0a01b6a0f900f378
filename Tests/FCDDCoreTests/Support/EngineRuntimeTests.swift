import XCTest
import Foundation
import Synchronization
@testable import FCDDCore
@testable import FCDDKernels

/// The runtime configuration: validated thread counts, a process default that only calls without their
/// own configuration see, and scopes that stay on their thread and on the workers that help it.
final class EngineRuntimeTests: XCTestCase {
    func testThreadCountsOutsideTheRangeAreRefusedAndLeaveTheDefaultAlone() throws {
        let before = EngineRuntime.defaultConfiguration
        for bad in [0, -1, 1025, 1 << 40] {
            XCTAssertThrowsError(try EngineRuntime.setDefaultThreads(bad)) { e in
                XCTAssertTrue("\(e)".contains("threads must be in 1...1024, got \(bad)"), "\(e)")
            }
            XCTAssertThrowsError(try EngineRuntime.using(threads: bad) {})
        }
        XCTAssertEqual(EngineRuntime.defaultConfiguration, before)
        try EngineRuntime.setDefaultThreads(3)
        XCTAssertEqual(EngineRuntime.threads, 3)
        XCTAssertEqual(Parallel.threads, 3)
        try EngineRuntime.setDefaultThreads(before.threads)
        XCTAssertEqual(EngineRuntime.defaultConfiguration, before)
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

    func testAScopeStaysOnItsThreadAndReachesTheWorkersThatHelpIt() throws {
        let before = EngineRuntime.defaultConfiguration
        // Two threads in scopes of 2 and 3 threads at once: each sees its own count, also inside its
        // parallel chunks (run by the pool's helpers or by threads started for the call), never the other's.
        let seen = Mutex<[Int: Set<Int>]>([:])
        let group = DispatchGroup()
        for count in [2, 3] {
            group.enter()
            Thread.detachNewThread {
                EngineRuntime.using(RuntimeConfiguration(threads: count)) {
                    for _ in 0..<200 {
                        Parallel.forEachChunk(8) { _, _ in
                            seen.withLock { _ = $0[count, default: []].insert(EngineRuntime.threads) }
                        }
                    }
                }
                group.leave()
            }
        }
        group.wait()
        XCTAssertEqual(seen.withLock { $0 }, [2: [2], 3: [3]])
        XCTAssertEqual(EngineRuntime.defaultConfiguration, before, "a scope never changes the default")
    }
}
