// Fuzz harness: CIFAR-10/100 pickled batches (the strict unpickler and its numpy arrays) (FuzzReaders.swift).
import FuzzReaders
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzReaders.feed("FuzzCIFARPickle", fuzzBytes(data, size))
    return 0
}

@_cdecl("FuzzCIFARPickle_main")
func harnessMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOne)
}
