// Fuzz harness: settings files (--config, a run's config.json) resolved against the schema (FuzzReaders.swift).
import FuzzReaders
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzReaders.feed("FuzzConfig", fuzzBytes(data, size))
    return 0
}

@_cdecl("FuzzConfig_main")
func harnessMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOne)
}
