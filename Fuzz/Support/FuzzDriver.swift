// What every harness shares: libFuzzer's driver and the input as bytes. A harness feeds the input to
// its readers (FuzzReaders.swift), which ignore the errors they throw; libFuzzer with AddressSanitizer
// reports everything else (a trap, an out-of-bounds access, a leak, a timeout, an allocation over
// -rss_limit_mb / -malloc_limit_mb).
#if canImport(Glibc)
import Glibc
#endif

public typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ target: FuzzTarget) -> CInt

/// Runs libFuzzer on `target` with the process's arguments. SwiftPM names an executable's entry point
/// `<target>_main`, which shadows libFuzzer's own `main`, so each harness forwards to this.
public func runFuzzer(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?, _ target: FuzzTarget) -> CInt {
    var count = argc, values = argv
    return LLVMFuzzerRunDriver(&count, &values, target)
}

/// The input as an array.
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}
