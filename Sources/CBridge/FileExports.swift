// Writing a whole file through the engine's one writer (IO/AtomicFile.swift), so that the files Python
// writes (ONNX graphs, grid tables, files shipped back from Ray workers) get the same guarantees as the
// engine's own: a fresh temporary name that follows no planted link, sync, rename, and no silent replace.
import FCDDCore

@_cdecl("fcdd_write_file")
public func fcdd_write_file(_ path: UnsafePointer<CChar>?, _ data: UnsafeRawPointer?, _ nbytes: Int64,
                            _ replace: Int32) -> Int32 {
    guarded {
        let target = try string(path, "path")
        guard nbytes >= 0 else { throw EngineError.invalidArgument("nbytes must be >= 0, got \(nbytes)") }
        let count = Int(nbytes)
        let bytes = count == 0 ? [] : Array(UnsafeRawBufferPointer(start: try required(data, "data"), count: count))
        try writeFileAtomically(bytes, to: target, replacing: replace != 0)
    }
}
