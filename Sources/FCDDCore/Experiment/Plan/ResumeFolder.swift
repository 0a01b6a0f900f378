// Where an experiment or grid started again with --resume continues: a folder named by the caller, or
// the newest folder that matches its logdir + logdir_suffix with `{t}` standing for any start time; and
// the check that the runs found there were started with the same settings.

public enum ResumeFolder {
    /// The folder `given` (which must exist), or with `given` nil the newest match of `pattern`.
    public static func find(given: String?, pattern: String) throws -> String {
        if let folder = given {
            guard DirectoryListing.kind(of: folder) == .directory else {
                throw EngineError.invalidArgument("--resume \(folder): no such folder")
            }
            return absolutePath(folder)
        }
        let matches = try self.matches(of: pattern)
        guard let newest = matches.max() else {
            throw EngineError.invalidArgument("--resume: no earlier run matches \(pattern.replacing("{t}", with: "*")); start it without --resume, or name its folder with --resume DIR")
        }
        return absolutePath(newest)
    }

    /// The folders whose path is `pattern` with every `{t}` replaced by any text (the timestamps of
    /// earlier starts); a `{t}` at the start of a name does not match hidden names.
    static func matches(of pattern: String) throws -> [String] {
        var found = [pattern.hasPrefix("/") ? "/" : ""]
        for component in pattern.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            var next = [String]()
            for base in found {
                let path = { (name: String) in base.isEmpty ? name : (base.hasSuffix("/") ? base + name : base + "/" + name) }
                guard component.contains("{t}") else {
                    next.append(path(component))
                    continue
                }
                let listed = base.isEmpty ? "." : base
                guard DirectoryListing.kind(of: listed) == .directory else { continue }
                for name in try DirectoryListing.entries(of: listed) where matchesTimestamped(name, component) {
                    next.append(path(name))
                }
            }
            found = next
        }
        return found.filter { DirectoryListing.kind(of: $0) == .directory }
    }

    /// Whether `name` is `pattern` with each `{t}` replaced by some text.
    static func matchesTimestamped(_ name: String, _ pattern: String) -> Bool {
        let pieces = pattern.split(separator: "{t}", omittingEmptySubsequences: false).map(String.init)
        if pattern.hasPrefix("{t}") && name.hasPrefix(".") { return false }
        guard name.hasPrefix(pieces[0]) else { return false }
        var rest = Substring(name.dropFirst(pieces[0].count))
        for (k, piece) in pieces.enumerated().dropFirst() {
            if k == pieces.count - 1 { return rest.hasSuffix(piece) && rest.count >= piece.count }
            guard let found = rest.firstRange(of: piece) else { return false }
            rest = rest[found.upperBound...]
        }
        return rest.isEmpty
    }

    /// A resumed run must run what its first start ran: the settings stored in its config.json, except
    /// those whose role lets them differ (its folder, threads, overwriting), equal `settings`.
    public static func checkSameSettings(runDirectory: String, settings: JSONValue) throws {
        let path = "\(runDirectory)/\(ExperimentLayout.configFile)"
        guard DirectoryListing.kind(of: path) == .regularFile else { return }
        let stored = try readJSONFile(path: path)
        for field in SettingsSchema.fields(for: .experiment) where field.role.fixedOnResume {
            guard let old = stored[field.name], let new = settings[field.name], old != new else { continue }
            throw EngineError.invalidArgument("--resume: \(runDirectory) was run with \(field.name)=\(old.serialized()), this command has \(field.name)=\(new.serialized()); resume with the same settings, or start a new run without --resume")
        }
    }
}
