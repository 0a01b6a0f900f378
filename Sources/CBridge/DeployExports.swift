// Deployment: the description of a model file that exporters build their graphs from
// (ExportDescription.swift).
import FCDDCore

@_cdecl("fcdd_model_export_description")
public func fcdd_model_export_description(_ path: UnsafePointer<CChar>?, _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64,
                                          _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let description = try ExportDescription.describe(path: try string(path, "path"))
        try writeText(description.serialized(), buf, cap, needed)
    }
}

@_cdecl("fcdd_model_export_description_bytes")
public func fcdd_model_export_description_bytes(_ data: UnsafePointer<UInt8>?, _ nbytes: Int64, _ source: UnsafePointer<CChar>?,
                                                _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64,
                                                _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let description = try ExportDescription.describe(try callerBytes(data, nbytes, source))
        try writeText(description.serialized(), buf, cap, needed)
    }
}
