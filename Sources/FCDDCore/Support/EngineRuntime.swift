#if canImport(Glibc)
import Glibc
#endif
import Synchronization

// The engine's runtime switches: how many worker threads run the kernels and which kernel variants and
// band sizes they pick. They change how fast the engine computes, never what it computes (the kernel
// tests compare every variant against a direct sum).
//
// They belong to whoever runs the engine, not to the process: a detector or an experiment run runs its
// calls inside `EngineRuntime.using(...)`, which hands its configuration down to every kernel of that call,
// on the calling thread and on the pool's workers that help it (Parallel.swift). Two detectors with
// different thread counts, used from two threads at once, therefore never see each other's setting.
// The process-wide value (`fcdd_set_num_threads`) is only the default for calls that name none.

/// The runtime switches of the engine.
public struct RuntimeConfiguration: Equatable, Sendable {
    /// Worker threads of the kernels; nil: one per online CPU.
    public var threads: Int?
    /// Whether stride-1 convolutions with 1-3 input channels use the direct kernels of
    /// ThinConvolution.swift (on by default where the build has FMA, see Package.swift).
    public var thinConvolutions: Bool
    /// Output columns per band when large images with few channels are unfolded (ColumnBands.swift; best
    /// of 1024...8192 and unbanded, measured on VGG_NOPT's first layer).
    public var bandColumns: Int
    /// Output pixels per band of the thin convolutions' weight gradient (ThinConvolutionGradient.swift).
    public var thinGradientBandPixels: Int

    public init(threads: Int? = nil, thinConvolutions: Bool = RuntimeConfiguration.builtWithFMA,
                bandColumns: Int = 4096, thinGradientBandPixels: Int = 16384) {
        self.threads = threads; self.thinConvolutions = thinConvolutions
        self.bandColumns = bandColumns; self.thinGradientBandPixels = thinGradientBandPixels
    }

    /// Whether the engine was built for a CPU with AVX2 and FMA.
    public static var builtWithFMA: Bool {
        #if FCDD_FMA
        return true
        #else
        return false
        #endif
    }
}

public enum EngineRuntime {
    /// The thread counts the engine accepts (as torch.set_num_threads, within reason).
    public static let threadRange = 1...1024

    /// The process-wide default: what a call that sets no configuration of its own runs with.
    private static let processDefault = Mutex(RuntimeConfiguration())

    /// The configuration that a `using` scope installed on this thread (a pointer to that scope's value).
    private static let scopeKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    private static let onlineCPUs = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// The configuration in effect on this thread: that of the innermost `using` scope, else the default.
    public static var configuration: RuntimeConfiguration {
        if let scope = pthread_getspecific(scopeKey) {
            return scope.assumingMemoryBound(to: RuntimeConfiguration.self).pointee
        }
        return defaultConfiguration
    }

    /// The process-wide default configuration.
    public static var defaultConfiguration: RuntimeConfiguration { processDefault.withLock { $0 } }

    /// Worker threads in effect on this thread.
    public static var threads: Int { configuration.threads ?? onlineCPUs }

    /// Checks a thread count and starts the pool's threads for it, so that a count the process cannot
    /// have (an address-space or thread limit) is an error here rather than a crawl of failed thread
    /// starts at every layer later.
    public static func checkThreads(_ count: Int?) throws {
        guard let count else { return }
        guard threadRange.contains(count) else {
            throw EngineError.invalidArgument("threads must be in \(threadRange.lowerBound)...\(threadRange.upperBound), got \(count)")
        }
        if count > 1 {
            let possible = Parallel.startWorkers(count)
            guard possible >= count else {
                throw EngineError.outOfMemory("cannot run \(count) threads: this process could start only \(possible) (its memory or thread limit); use fewer threads")
            }
        }
    }

    /// Sets the default worker threads of calls that name none (nil: one per online CPU); refuses counts
    /// outside `threadRange`. Detectors and runs with a `threads` setting keep theirs.
    public static func setDefaultThreads(_ count: Int?) throws {
        try checkThreads(count)
        processDefault.withLock { $0.threads = count }
    }

    /// Runs `body` with `configuration` in effect on this thread and on the workers that help it; the
    /// previous one is back afterwards, also after an error.
    public static func using<T>(_ configuration: RuntimeConfiguration, _ body: () throws -> T) rethrows -> T {
        var scoped = configuration
        return try withUnsafeMutablePointer(to: &scoped) { pointer in
            let outer = pthread_getspecific(scopeKey)
            pthread_setspecific(scopeKey, pointer)
            defer { pthread_setspecific(scopeKey, outer) }
            return try body()
        }
    }

    /// Runs `body` with `threads` worker threads (nil: those in effect now), the other switches as they are.
    public static func using<T>(threads: Int?, _ body: () throws -> T) throws -> T {
        try checkThreads(threads)
        var changed = configuration
        if let threads { changed.threads = threads }
        return try using(changed, body)
    }

    /// Runs `body` with the configuration in effect changed by `change` (the tests' way to pick kernels).
    public static func with<T>(_ change: (inout RuntimeConfiguration) -> Void, _ body: () throws -> T) rethrows -> T {
        var changed = configuration
        change(&changed)
        return try using(changed, body)
    }
}
