#if canImport(Glibc)
import Glibc
#endif
import CBLAS
import Synchronization

/// The engine's thread budget. Hot loops split work over `threads` workers themselves and keep OpenBLAS
/// single-threaded inside them, so that the two never oversubscribe the cores.
public enum Parallel {
    /// Number of worker threads (EngineRuntime.swift: one per online CPU unless set).
    static var threads: Int { EngineRuntime.threads }

    /// OpenBLAS runs single-threaded for good: the engine parallelises over images itself, and
    /// switching OpenBLAS's thread count around every layer costs more than it saves.
    private static let singleThreadedBLAS: Void = { openblas_set_num_threads(1) }()

    /// Runs `body(worker, range)` over `count` items split into contiguous chunks, one per worker.
    /// `body` must only write to memory owned by its range or by its worker index.
    ///
    /// The work goes to a persistent pool of parked threads: a training step of a small network makes
    /// dozens of these calls, and creating threads for each one cost more than the work itself. When
    /// the pool is already busy (a nested call, or calls from several user threads at once) the chunks
    /// run on freshly created threads instead, which is slower but never blocks.
    public static func forEachChunk(_ count: Int, maxWorkers: Int? = nil,
                                    _ body: @escaping (_ worker: Int, _ range: Range<Int>) -> Void) {
        let workers = min(count, maxWorkers ?? threads, WorkerPool.shared.startableWorkers)
        if workers <= 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        singleThreadedBLAS
        let chunks = (0..<workers).map { w -> Range<Int> in
            (w * count / workers)..<((w + 1) * count / workers)
        }
        let inScope = callersConfiguration(), caller = body
        let body = { (w: Int, r: Range<Int>) in inScope(w) { caller(w, r) } }
        if WorkerPool.shared.tryRun(chunks, scratchCount: 0, { w, r, _ in body(w, r) }) { return }
        runOnNewThreads(chunks, body)
    }

    /// Like `forEachChunk`, and hands each worker `scratchCount` floats of scratch memory that only it
    /// uses during the call (contents unspecified). The pool's workers keep their scratch from call to
    /// call, so layers that run one after the other share it instead of each allocating its own.
    static func forEachChunk(_ count: Int, maxWorkers: Int? = nil, scratchCount: Int,
                             _ body: @escaping (_ worker: Int, _ range: Range<Int>, _ scratch: UnsafeMutablePointer<Float>) -> Void) {
        let workers = min(count, maxWorkers ?? threads, WorkerPool.shared.startableWorkers)
        guard count > 0 else { return }
        singleThreadedBLAS
        let chunks = (0..<max(workers, 1)).map { w -> Range<Int> in
            (w * count / max(workers, 1))..<((w + 1) * count / max(workers, 1))
        }
        let inScope = callersConfiguration(), caller = body
        let body = { (w: Int, r: Range<Int>, s: UnsafeMutablePointer<Float>) in inScope(w) { caller(w, r, s) } }
        if WorkerPool.shared.tryRun(chunks, scratchCount: scratchCount, body) { return }
        // The pool is busy: private scratch for this call.
        let scratch = UnsafeMutablePointer<Float>.allocate(capacity: max(scratchCount, 1) * chunks.count)
        defer { scratch.deallocate() }
        let body1 = { (w: Int, r: Range<Int>) in body(w, r, scratch + w * max(scratchCount, 1)) }
        if chunks.count == 1 { body1(0, chunks[0]) } else { runOnNewThreads(chunks, body1) }
    }

    /// Runs a chunk of worker `w` with the runtime configuration of the caller (EngineRuntime.swift), on
    /// whichever thread takes it: a nested call on a helper splits its work as the caller's detector asked.
    /// Worker 0 is the caller itself, already in its configuration.
    private static func callersConfiguration() -> (_ worker: Int, _ chunk: () -> Void) -> Void {
        let configuration = EngineRuntime.configuration
        return { w, chunk in
            if w == 0 { chunk() } else { EngineRuntime.using(configuration, chunk) }
        }
    }

    /// Starts the pool's helper threads for `workers` workers now (the caller is one of them) and returns
    /// how many workers the process can have: fewer when threads cannot be started (an address-space
    /// limit, the process's thread limit). `EngineRuntime.checkThreads` refuses a count above that.
    static func startWorkers(_ workers: Int) -> Int { WorkerPool.shared.prepare(workers, keeping: threads - 1) }

    /// The fallback: one new thread per chunk but the first, which runs on the caller.
    private static func runOnNewThreads(_ chunks: [Range<Int>], _ body: @escaping (Int, Range<Int>) -> Void) {
        var handles = [pthread_t]()
        var boxes = [Unmanaged<WorkBox>]()
        for w in 1..<chunks.count {
            let box = Unmanaged.passRetained(WorkBox { body(w, chunks[w]) })
            boxes.append(box)
            var tid = pthread_t()
            let rc = pthread_create(&tid, nil, { arg in
                let box = Unmanaged<WorkBox>.fromOpaque(arg!).takeUnretainedValue()
                box.work()
                return nil
            }, box.toOpaque())
            if rc == 0 {
                handles.append(tid)
            } else {
                // Could not start a thread: do its share on this one.
                body(w, chunks[w])
            }
        }
        body(0, chunks[0])
        for t in handles { pthread_join(t, nil) }
        for b in boxes { b.release() }
    }
}

private final class WorkBox {
    let work: () -> Void
    init(_ work: @escaping () -> Void) { self.work = work }
}

/// Persistent helper threads. The caller publishes a job, runs its first chunk itself and then claims
/// any chunk no helper has started yet, so a helper that is slow to wake costs its share of the work at
/// most, never a wait. Helpers poll for a new job for a while (a network's layers follow each other
/// within microseconds, and so do the calls of a server scoring one image at a time) before they sleep
/// on a condition variable. A job is an object that helpers hold while they run its chunks; the caller
/// returns once every chunk has finished, so the scratch and the memory a chunk writes are never used
/// after the call.
private final class WorkerPool: @unchecked Sendable {
    static let shared = WorkerPool()

    private final class Helper {
        /// Set before a last wake-up: the helper ends its thread instead of looking for work.
        let retired = Atomic<Bool>(false)
        /// The helper's thread, joined when it is retired.
        var thread = pthread_t()
    }

    private final class Job: @unchecked Sendable {
        let chunks: [Range<Int>]
        let scratch: [UnsafeMutablePointer<Float>]
        let body: (Int, Range<Int>, UnsafeMutablePointer<Float>) -> Void
        /// The next chunk to claim; chunk 0 is the caller's.
        let next = Atomic<Int>(1)
        let unfinished: Atomic<Int>
        /// Set by a caller that gave up polling and sleeps until the last chunk finishes.
        let callerSleeps = Atomic<Bool>(false)
        /// Helpers 0..<helpers may take part: a call never runs on more threads than its workers, also
        /// when the pool has more helpers from a call with more threads.
        let helpers: Int

        init(_ chunks: [Range<Int>], helpers: Int, _ scratch: [UnsafeMutablePointer<Float>],
             _ body: @escaping (Int, Range<Int>, UnsafeMutablePointer<Float>) -> Void) {
            self.chunks = chunks; self.helpers = helpers; self.scratch = scratch; self.body = body
            unfinished = Atomic(chunks.count)
        }

        /// Runs chunk `c` (claimed by this thread); true when it was the last to finish.
        func run(_ c: Int) -> Bool {
            body(c, chunks[c], scratch[c])
            return unfinished.subtract(1, ordering: .sequentiallyConsistent).newValue == 0
        }

        /// Claims the next unstarted chunk, or nil when every chunk is taken.
        func claim() -> Int? {
            let c = next.add(1, ordering: .relaxed).oldValue
            return c < chunks.count ? c : nil
        }
    }

    /// Scratch memory of one worker (index 0 is the caller's), kept for the next call.
    private struct Scratch {
        var pointer: UnsafeMutablePointer<Float>?
        var capacity = 0

        mutating func reserve(_ count: Int) -> UnsafeMutablePointer<Float> {
            if let pointer, capacity >= count { return pointer }
            pointer?.deallocate()
            capacity = max(count, 1)
            pointer = .allocate(capacity: capacity)
            return pointer!
        }
    }
    private var scratch: [Scratch] = []

    /// Held by the one caller that currently owns the pool.
    private var ownership = pthread_mutex_t()
    /// Guards `job`, and the sleep and wake-up of helpers and of the waiting caller.
    private var lock = pthread_mutex_t()
    private var wake = pthread_cond_t()
    private var done = pthread_cond_t()
    private var job: Job?
    /// Counts published jobs (and retirements): a helper polls it for a change.
    private let generation = Atomic<Int>(0)
    /// Helpers asleep or about to sleep on `wake`: a job is announced on the condition only when one is.
    private let sleepers = Atomic<Int>(0)
    private var helpers: [Helper] = []
    /// Once a helper could not be started, the number of workers there are (helpers + the caller): calls
    /// use no more, instead of trying (and failing) to start threads again at every call.
    private let startable = Atomic<Int>(Int.max)
    var startableWorkers: Int { startable.load(ordering: .relaxed) }

    /// How long a helper polls for the next job, and the caller for the helpers' last chunks, before
    /// sleeping. Waking a sleeping thread takes tens of microseconds on a virtual machine, longer than a
    /// small network's layer; polling longer would take a busy machine's cores from other work.
    private static let pollNanoseconds: UInt64 = 300_000

    private init() {
        pthread_mutex_init(&ownership, nil)
        pthread_mutex_init(&lock, nil)
        pthread_cond_init(&wake, nil)
        pthread_cond_init(&done, nil)
    }

    /// Runs the chunks (the first on the caller); false (nothing run) if the pool is busy or helpers
    /// cannot be started.
    func tryRun(_ chunks: [Range<Int>], scratchCount: Int,
                _ body: @escaping (Int, Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> Bool {
        guard pthread_mutex_trylock(&ownership) == 0 else { return false }
        defer { pthread_mutex_unlock(&ownership) }
        let needed = chunks.count - 1
        guard startHelpers(needed) else { return false }
        while scratch.count < chunks.count { scratch.append(Scratch()) }
        let pointers = (0..<chunks.count).map { scratch[$0].reserve(scratchCount) }
        if needed == 0 { body(0, chunks[0], pointers[0]); return true }
        let job = Job(chunks, helpers: needed, pointers, body)
        pthread_mutex_lock(&lock)
        self.job = job
        pthread_mutex_unlock(&lock)
        generation.add(1, ordering: .sequentiallyConsistent)
        if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
            pthread_mutex_lock(&lock)
            pthread_cond_broadcast(&wake)
            pthread_mutex_unlock(&lock)
        }

        _ = job.run(0)
        while let c = job.claim() { _ = job.run(c) }

        if job.unfinished.load(ordering: .sequentiallyConsistent) != 0 {
            let deadline = Self.now() + Self.pollNanoseconds
            var polls = 0
            while job.unfinished.load(ordering: .acquiring) != 0 {
                polls += 1
                if polls & 255 == 0 && Self.now() > deadline { break }
            }
            job.callerSleeps.store(true, ordering: .sequentiallyConsistent)
            pthread_mutex_lock(&lock)
            while job.unfinished.load(ordering: .sequentiallyConsistent) != 0 { pthread_cond_wait(&done, &lock) }
            pthread_mutex_unlock(&lock)
        }
        pthread_mutex_lock(&lock)
        self.job = nil  // release the closure's captures now rather than at the next call
        pthread_mutex_unlock(&lock)
        return true
    }

    private static func now() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
    }

    /// Starts helpers until there are `count`; false when a thread cannot be started (remembered).
    /// The caller holds `ownership`.
    private func startHelpers(_ count: Int) -> Bool {
        while helpers.count < count {
            let helper = Helper()
            guard start(helper, index: helpers.count) else {
                startable.store(helpers.count + 1, ordering: .relaxed)
                return false
            }
            helpers.append(helper)
        }
        return true
    }

    /// See `Parallel.startWorkers`. When another call owns the pool, its helpers are not started here.
    /// When not all can be started, the helpers beyond `keeping` end again: threads that will never be
    /// used must not hold the address space (their stacks) that the rest of the process needs.
    func prepare(_ workers: Int, keeping: Int) -> Int {
        guard pthread_mutex_trylock(&ownership) == 0 else { return min(workers, startableWorkers) }
        defer { pthread_mutex_unlock(&ownership) }
        if startHelpers(workers - 1) { return workers }
        let possible = helpers.count + 1
        retire(keeping: max(keeping, 0))
        return possible
    }

    /// Ends the helper threads beyond the first `count`. The caller holds `ownership`.
    private func retire(keeping count: Int) {
        guard helpers.count > count else { return }
        for h in count..<helpers.count { helpers[h].retired.store(true, ordering: .sequentiallyConsistent) }
        pthread_mutex_lock(&lock)
        generation.add(1, ordering: .sequentiallyConsistent)
        pthread_cond_broadcast(&wake)
        pthread_mutex_unlock(&lock)
        // Wait until they have ended: their stacks go back to the process before the caller goes on, so
        // the address space that could not hold them is free again for what comes next (an import, a
        // large array), also while helpers started a moment ago are still polling for their first job.
        for h in count..<helpers.count { pthread_join(helpers[h].thread, nil) }
        helpers.removeLast(helpers.count - count)
    }

    private func start(_ helper: Helper, index: Int) -> Bool {
        let box = Unmanaged.passRetained(WorkBox { [unowned self] in self.helperLoop(helper, index: index) })
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { arg in
            let box = Unmanaged<WorkBox>.fromOpaque(arg!).takeRetainedValue()
            box.work()
            return nil
        }, box.toOpaque())
        if rc != 0 { box.release(); return false }
        helper.thread = tid   // joinable: `retire` joins it; helpers that are never retired live as long as the process
        return true
    }

    private func helperLoop(_ helper: Helper, index: Int) {
        var seen = generation.load(ordering: .sequentiallyConsistent)
        while true {
            waitForNewGeneration(after: seen, or: helper)
            if helper.retired.load(ordering: .sequentiallyConsistent) { return }
            pthread_mutex_lock(&lock)
            seen = generation.load(ordering: .sequentiallyConsistent)
            let job = self.job
            pthread_mutex_unlock(&lock)
            guard let job, index < job.helpers else { continue }
            while let c = job.claim() {
                if job.run(c) && job.callerSleeps.load(ordering: .sequentiallyConsistent) {
                    pthread_mutex_lock(&lock)
                    pthread_cond_broadcast(&done)
                    pthread_mutex_unlock(&lock)
                }
            }
        }
    }

    /// Polls `generation` for a while, then sleeps on `wake` until it is no longer `seen` or `helper` is
    /// retired (a helper that starts after its retirement was announced saw the new generation already).
    private func waitForNewGeneration(after seen: Int, or helper: Helper) {
        let deadline = Self.now() + Self.pollNanoseconds
        var polls = 0
        while generation.load(ordering: .acquiring) == seen && !helper.retired.load(ordering: .relaxed) {
            polls += 1
            if polls & 255 == 0 && Self.now() > deadline { break }
        }
        guard generation.load(ordering: .sequentiallyConsistent) == seen,
              !helper.retired.load(ordering: .sequentiallyConsistent) else { return }
        sleepers.add(1, ordering: .sequentiallyConsistent)
        pthread_mutex_lock(&lock)
        while generation.load(ordering: .sequentiallyConsistent) == seen
                && !helper.retired.load(ordering: .sequentiallyConsistent) { pthread_cond_wait(&wake, &lock) }
        pthread_mutex_unlock(&lock)
        sleepers.subtract(1, ordering: .sequentiallyConsistent)
    }
}
