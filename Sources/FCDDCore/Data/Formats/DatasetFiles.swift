// Locating dataset files under a data directory. Each reader lists the places where the original
// (through torchvision) keeps its raw files, in search order; when none exists the error names every path
// that was tried and the layout expected, so that users can put their existing downloads in place.
#if canImport(Glibc)
import Glibc
#endif

/// Whether `path` is an existing regular file (following symbolic links).
func isRegularFile(_ path: String) -> Bool {
    var st = stat()
    return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG
}

/// `a/b` without doubling the separator when `a` already ends in one.
func joinPath(_ parts: String...) -> String {
    var out = ""
    for part in parts where !part.isEmpty {
        if out.isEmpty || out.hasSuffix("/") { out += part } else { out += "/" + part }
    }
    return out
}

/// The first of `names` inside `folder` that exists as a file, or `nil`.
private func firstExisting(in folder: String, names: [String]) -> String? {
    names.map { joinPath(folder, $0) }.first(where: isRegularFile)
}

/// One place a dataset release may be: a folder and, per needed file, the names it may have there.
struct DatasetLocation {
    var folder: String
    var files: [[String]]
}

/// Finds every file of a dataset in the first location that holds all of them (files of one release are
/// not mixed from different folders). Throws `.notFound` naming the dataset, every path tried and the
/// expected layout.
func locateDatasetFiles(dataset: String, locations: [DatasetLocation], layout: String) throws -> [String] {
    for location in locations {
        let found = location.files.map { firstExisting(in: location.folder, names: $0) }
        if found.allSatisfy({ $0 != nil }) { return found.map { $0! } }
    }
    var missing: [String] = []
    for location in locations {
        for names in location.files where firstExisting(in: location.folder, names: names) == nil {
            missing.append("  " + names.map { joinPath(location.folder, $0) }.joined(separator: " or "))
        }
    }
    throw EngineError.notFound("""
        \(dataset): dataset files not found. Missing:
        \(missing.joined(separator: "\n"))
        Expected layout: \(layout)
        """)
}
