#if canImport(Glibc)
import Glibc
#endif
import CBLAS

/// The engine's thread budget. Hot loops split work over `threads` workers themselves and keep OpenBLAS
/// single-threaded inside them, so that the two never oversubscribe the cores.
public enum Parallel {
    nonisolated(unsafe) private static var configured: Int = 0

    /// Number of worker threads the engine uses (defaults to the number of online CPUs).
    public static var threads: Int {
        get { configured > 0 ? configured : max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
        set { configured = max(1, newValue) }
    }

    /// OpenBLAS runs single-threaded for good: the engine parallelises over images itself, and
    /// switching OpenBLAS's thread count around every layer costs more than it saves.
    private static let singleThreadedBLAS: Void = { openblas_set_num_threads(1) }()

    /// Runs `body(worker, range)` over `count` items split into contiguous chunks, one per worker.
    /// `body` must only write to memory owned by its range or by its worker index.
    public static func forEachChunk(_ count: Int, maxWorkers: Int? = nil,
                                    _ body: @escaping (_ worker: Int, _ range: Range<Int>) -> Void) {
        let workers = min(count, maxWorkers ?? threads)
        if workers <= 1 {
            if count > 0 { body(0, 0..<count) }
            return
        }
        singleThreadedBLAS
        let chunks = (0..<workers).map { w -> Range<Int> in
            (w * count / workers)..<((w + 1) * count / workers)
        }
        var handles = [pthread_t]()
        var boxes = [Unmanaged<WorkBox>]()
        for w in 1..<workers {
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
