// Fuzz harness: IDX files, plain and gzipped (the header read first, inflation bounded by it) (FuzzReaders.swift).
import FuzzReaders
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzReaders.feed("FuzzIDX", fuzzBytes(data, size))
    return 0
}

@_cdecl("FuzzIDX_main")
func harnessMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOne)
}
