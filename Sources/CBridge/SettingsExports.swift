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
        let resolved = try Settings.resolve(try SettingsRequest(json: try JSONValue.parse(try string(request, "request_json"))))
        let context = resolved.context
        let result: JSONValue = .object([
            ("settings", resolved.json), ("profile", resolved.profile.map { .string($0.rawValue) } ?? .null),
            ("given", .array(SettingsSchema.fields(for: context).filter { resolved.given.contains($0.name) }.map { .string($0.name) })),
        ])
        try writeText(result.serialized(), buf, cap, needed)
    }
}
