#if canImport(Glibc)
import Glibc
#endif

// Large buffers whose size comes from outside (a batch of images, a model's input size, a file) are
// reserved through here first. Swift arrays abort the process when memory cannot be had; asking the
// kernel for the same number of bytes first turns "cannot be had" into an error the caller can report
// (`MemoryError` in Python), while the process lives on. With Linux's default overcommit heuristics,
// the kernel refuses mappings that exceed what the machine could ever provide.

public enum CheckedAllocation {
    /// Requests below this size are not probed: an abort there means the process is already lost.
    static let probeThreshold = 64 << 20

    /// The bytes of `counts` elements of `elementSize` bytes each, or an error when the product overflows.
    public static func bytes(_ counts: [Int], elementSize: Int, what: String) throws -> Int {
        guard let count = checkedProduct(counts),
              case let (bytes, false) = count.multipliedReportingOverflow(by: elementSize) else {
            throw EngineError.outOfMemory("\(what): \(counts.map(String.init).joined(separator: " x ")) elements cannot be addressed")
        }
        return bytes
    }

    /// Throws `.outOfMemory` when `bytes` cannot be allocated now.
    public static func reserve(bytes: Int, what: String) throws {
        guard bytes >= probeThreshold else { return }
        // mmap, not malloc: the compiler may delete a malloc whose memory is never used, probe and all.
        let probe = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let probe, probe != MAP_FAILED else {
            throw EngineError.outOfMemory("\(what) needs \(describe(bytes)), which cannot be allocated on this machine")
        }
        munmap(probe, bytes)
    }

    /// Reserves room for `counts` elements of `elementSize` bytes.
    public static func reserve(_ counts: [Int], elementSize: Int, what: String) throws {
        try reserve(bytes: try bytes(counts, elementSize: elementSize, what: what), what: what)
    }

    /// "1.5 GB", "300 MB".
    static func describe(_ bytes: Int) -> String {
        let gb = Double(bytes) / 1e9
        if gb >= 1 { return gb >= 100 ? "\(Int(gb.rounded())) GB" : "\((gb * 10).rounded() / 10) GB" }
        return "\(Int((Double(bytes) / 1e6).rounded())) MB"
    }
}
