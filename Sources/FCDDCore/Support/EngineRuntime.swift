#if canImport(Glibc)
import Glibc
#endif

// The engine's runtime switches in one place: how many worker threads run the kernels and which kernel
// variants and band sizes they pick. They change how fast the engine computes, never what it computes
// (the kernel tests compare every variant against a direct sum). Everything that sets them goes through
// here: `fcdd_set_num_threads`, the `threads` setting of a run or a detector, and the tests, which
// change them with `EngineRuntime.with` and get the previous configuration back afterwards.

/// The runtime switches of the engine.
public struct RuntimeConfiguration: Equatable {
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

    nonisolated(unsafe) public private(set) static var configuration = RuntimeConfiguration()

    private static let onlineCPUs = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Worker threads in use.
    public static var threads: Int { configuration.threads ?? onlineCPUs }

    /// Sets the worker threads (nil: one per online CPU); refuses counts outside `threadRange`.
    public static func setThreads(_ count: Int?) throws {
        if let count, !threadRange.contains(count) {
            throw EngineError.invalidArgument("threads must be in \(threadRange.lowerBound)...\(threadRange.upperBound), got \(count)")
        }
        // The threads are started now, so that a count the process cannot have (an address-space or thread
        // limit) is an error here rather than a crawl of failed thread starts at every layer later.
        if let count, count > 1 {
            let possible = Parallel.startWorkers(count)
            guard possible >= count else {
                throw EngineError.outOfMemory("cannot run \(count) threads: this process could start only \(possible) (its memory or thread limit); use fewer threads")
            }
        }
        configuration.threads = count
    }

    /// Runs `body` with the configuration changed by `change`, then restores the previous one.
    public static func with<T>(_ change: (inout RuntimeConfiguration) -> Void, _ body: () throws -> T) rethrows -> T {
        let saved = configuration
        defer { configuration = saved }
        change(&configuration)
        return try body()
    }
}
