// Fuzz harness: PyTorch checkpoints (zip directory, legacy layout, torch unpickler, tensor views) (FuzzReaders.swift).
import FuzzReaders
import FuzzSupport

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzReaders.feed("FuzzTorchCheckpoint", fuzzBytes(data, size))
    return 0
}

@_cdecl("FuzzTorchCheckpoint_main")
func harnessMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    runFuzzer(argc, argv, fuzzOne)
}
