import XCTest
import Foundation
import Synchronization
@testable import FCDDCore

/// The worker pool: every chunk runs once, on whichever worker claims it, with its own scratch; a call
/// never runs on more threads than its workers; nested calls (the pool busy) still finish.
final class ParallelTests: XCTestCase {
    func testEveryChunkRunsOnceWithItsOwnIndexAndScratch() {
        for threads in [2, 3] {
            EngineRuntime.with({ $0.threads = threads }) {
                for round in 0..<300 {
                    let count = 1 + round % 17
                    let seen = Mutex<[Int: Range<Int>]>([:])
                    let items = Mutex<[Int]>(Array(repeating: 0, count: count))
                    Parallel.forEachChunk(count, scratchCount: 4) { w, range, scratch in
                        // The scratch is this chunk's alone while it runs: write, yield, read back.
                        for k in 0..<4 { scratch[k] = Float(w * 10 + k) }
                        if round % 3 == 0 { sched_yield() }
                        for k in 0..<4 { XCTAssertEqual(scratch[k], Float(w * 10 + k)) }
                        seen.withLock { XCTAssertNil($0.updateValue(range, forKey: w), "chunk \(w) ran twice") }
                        items.withLock { for i in range { $0[i] += 1 } }
                    }
                    XCTAssertEqual(items.withLock { $0 }, Array(repeating: 1, count: count))
                    XCTAssertEqual(seen.withLock { $0.keys.sorted() }, Array(0..<min(count, threads)))
                }
            }
        }
    }

    /// A call with 2 workers runs on at most 2 threads, also after a call with 4 started more helpers.
    func testACallNeverRunsOnMoreThreadsThanItsWorkers() {
        EngineRuntime.with({ $0.threads = 4 }) { Parallel.forEachChunk(4) { _, _ in } }
        EngineRuntime.with({ $0.threads = 2 }) {
            for _ in 0..<200 {
                let threads = Mutex<Set<UInt>>([])
                Parallel.forEachChunk(256) { _, _ in
                    threads.withLock { _ = $0.insert(UInt(bitPattern: Int(bitPattern: pthread_self()))) }
                    usleep(50)
                }
                XCTAssertLessThanOrEqual(threads.withLock { $0.count }, 2)
            }
        }
    }

    func testNestedCallsFinishOnTheirOwnThreads() {
        EngineRuntime.with({ $0.threads = 2 }) {
            let total = Mutex(0)
            Parallel.forEachChunk(2) { _, _ in
                Parallel.forEachChunk(64) { _, range in total.withLock { $0 += range.count } }
            }
            XCTAssertEqual(total.withLock { $0 }, 128)
        }
    }
}
