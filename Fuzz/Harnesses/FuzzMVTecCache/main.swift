// Fuzz harness: the MVTec-AD 240x240 cache file (header, records, sizes) and reads of every record (FuzzReaders.swift).
import FuzzReaders
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzReaders.feed("FuzzMVTecCache", fuzzBytes(data, size))
    return 0
}

@_cdecl("FuzzMVTecCache_main")
func harnessMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOne)
}
