// The settings schema and settings resolution through the C ABI: what every setting is (for the command
// line, fs.FCDD and the docs, which are generated from it) and the fully resolved settings of a run
// (`fcdd-swift train --print-config`).
import FCDDCore

@_cdecl("fcdd_settings_schema")
public func fcdd_settings_schema(_ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64, _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded { try writeText(SettingsSchema.json.serialized(), buf, cap, needed) }
}

@_cdecl("fcdd_settings_resolve")
public func fcdd_settings_resolve(_ request: UnsafePointer<CChar>?, _ buf: UnsafeMutablePointer<CChar>?, _ cap: Int64,
                                  _ needed: UnsafeMutablePointer<Int64>?) -> Int32 {
    guarded {
        let json = try JSONValue.parse(try string(request, "request_json"))
        guard case .object = json else { throw EngineError.invalidArgument("request_json must be a JSON object") }
        let known: Set<String> = ["context", "settings", "data_shape", "has_outliers"]
        if let key = json.objectValue?.first(where: { !known.contains($0.0) })?.0 {
            throw EngineError.invalidArgument("unknown request key '\(key)'; known: context, settings, data_shape, has_outliers")
        }
        guard let name = json["context"]?.stringValue, let context = SettingsContext(rawValue: name) else {
            throw EngineError.invalidArgument("request 'context' must be \"experiment\" or \"detector\"")
        }
        var shape: [Int]? = nil
        if let s = json["data_shape"], s != .null {
            guard let list = s.arrayValue, case let ints = list.compactMap({ $0.intValue }), ints.count == list.count else {
                throw EngineError.invalidArgument("request 'data_shape' must be [C, H, W] integers")
            }
            shape = ints
        }
        var hasOutliers = false
        if let h = json["has_outliers"], h != .null {
            guard let b = h.boolValue else { throw EngineError.invalidArgument("request 'has_outliers' must be true or false") }
            hasOutliers = b
        }
        let resolved = try Settings.resolve(SettingsRequest(context: context, given: json["settings"] ?? .object([]),
                                                            dataShape: shape, hasOutliers: hasOutliers,
                                                            environment: SettingsRequest.processEnvironment))
        let result: JSONValue = .object([
            ("settings", resolved.json), ("profile", resolved.profile.map { .string($0.rawValue) } ?? .null),
            ("given", .array(SettingsSchema.fields(for: context).filter { resolved.given.contains($0.name) }.map { .string($0.name) })),
        ])
        try writeText(result.serialized(), buf, cap, needed)
    }
}
