// The layout of an experiment on disk (reference 8.7), in one place: its folder holds summary.json and
// the summary ROC pictures, and one folder per run, `normal_<class>/it_<repetition>`, whose files say how
// far the run got. The runner writes this layout and the plan reads it; nothing else builds these paths.

public enum ExperimentLayout {
    public static let summaryFile = "summary.json"
    /// Written last: its presence means the run is complete.
    public static let resultFile = "result.json"
    /// Written before the first epoch and after every epoch: the run can continue from it.
    public static let snapshotFile = "snapshot.safetensors"
    /// The resolved settings of the run plus a "run" record.
    public static let configFile = "config.json"

    /// `normal_<c>/it_<i>`, relative to the experiment's folder.
    public static func runFolder(nominalClass c: Int, iteration i: Int) -> String { "normal_\(c)/it_\(i)" }

    /// `normal_<c>`: the class's summary pictures go there.
    public static func classFolder(nominalClass c: Int) -> String { "normal_\(c)" }

    public static func runDirectory(experiment: String, nominalClass c: Int, iteration i: Int) -> String {
        "\(experiment)/\(runFolder(nominalClass: c, iteration: i))"
    }

    /// How far a run got, from its folder's files.
    public static func state(ofRun directory: String) -> RunState {
        if pathExists("\(directory)/\(resultFile)") { return .finished }
        if pathExists("\(directory)/\(snapshotFile)") { return .partial }
        return .new
    }

    /// The first result of an earlier experiment in `folder` (relative path), nil when there is none: its
    /// summary, or a run's result or snapshot (what a new start would replace).
    public static func earlierResult(in folder: String) throws -> String? {
        guard DirectoryListing.kind(of: folder) == .directory else { return nil }
        let names = try DirectoryListing.entries(of: folder, what: "the experiment folder")
        if names.contains(summaryFile) { return summaryFile }
        for run in names where run.hasPrefix("normal_") && DirectoryListing.kind(of: "\(folder)/\(run)") == .directory {
            for it in try DirectoryListing.subdirectories(of: "\(folder)/\(run)") {
                for file in [resultFile, snapshotFile] where pathExists("\(folder)/\(run)/\(it)/\(file)") {
                    return "\(run)/\(it)/\(file)"
                }
            }
        }
        return nil
    }
}

/// How far a run of a plan got before this start.
public enum RunState: String {
    /// Its result is written: a resumed experiment keeps it.
    case finished
    /// Stopped or killed after a snapshot: it continues from its last complete epoch.
    case partial
    /// Not started (or stopped before its first snapshot).
    case new
}
