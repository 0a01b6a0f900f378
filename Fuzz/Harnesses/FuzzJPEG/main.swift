// Fuzz harness: JPEG decoding (TurboJPEG, marker scan, size checks) (FuzzReaders.swift).
import FuzzReaders
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzReaders.feed("FuzzJPEG", fuzzBytes(data, size))
    return 0
}

@_cdecl("FuzzJPEG_main")
func harnessMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOne)
}
