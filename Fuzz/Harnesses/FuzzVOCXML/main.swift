// Fuzz harness: Pascal VOC annotation XML (the strict mini XML reader) (FuzzReaders.swift).
import FuzzReaders
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzReaders.feed("FuzzVOCXML", fuzzBytes(data, size))
    return 0
}

@_cdecl("FuzzVOCXML_main")
func harnessMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOne)
}
