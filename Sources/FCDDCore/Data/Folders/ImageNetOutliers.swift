// Outlier-exposure pools from ImageNet (reference 6.7):
// * `imagenet`: the ImageNet-1k validation split, `<datadir>/imagenet/val/<wnid>/*.JPEG`, optionally
//   without the classes whose names contain an excluded word (Pascal VOC excludes its 21 class names,
//   listed in its definition).
//   Class names come from a synset-words file next to it (`LOC_synset_mapping.txt` or `synset_words.txt`,
//   lines like "n01440764 tench, Tinca tinca"). The limit draws from the *filtered* pool, fixing quirk Q5.
// * `imagenet22k`: the fall 2011 release, `<datadir>/imagenet22k/fall11_whole_extracted/<wnid>/...`,
//   without the 30 ImageNet-30 synsets; the file list is cached in `meta.json` next to the synset folders.
// Resizing (square for ImageNet-1k, shorter side for 22k) is preprocessing's job, not done here.
#if canImport(Glibc)
import Glibc
#endif

public enum ImageNetOutliers {
    /// Synset-words files looked up in `<datadir>/imagenet`, in this order.
    public static let synsetWordsFileNames = ["LOC_synset_mapping.txt", "synset_words.txt"]

    /// Parses "wnid names" lines into wnid -> names (blank lines skipped; a line without a name is an error).
    static func parseSynsetWords(_ text: String, path: String) throws -> [String: String] {
        var names = [String: String]()
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let trimmed = line.trimmingSpaces
            if trimmed.isEmpty { continue }
            guard let space = trimmed.firstIndex(of: " ") else {
                throw EngineError.format("\(path):\(number + 1): expected '<wnid> <class names>', got '\(trimmed)'")
            }
            names[String(trimmed[..<space])] = String(trimmed[trimmed.index(after: space)...]).trimmingSpaces
        }
        return names
    }

    /// The original's token rule: lower-cased description with spaces and commas both as separators; a
    /// class is excluded when an excluded word equals one of its tokens.
    static func isExcluded(classDescription: String, words: [String]) -> Bool {
        let tokens = Set(classDescription.lowercased().split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init))
        return words.contains { tokens.contains($0.lowercased()) }
    }

    private static func imageNet1kLayout(_ val: String) -> String {
        "ImageNet-1k outliers expect the extracted validation split as \(val)/<wnid>/*.JPEG (torchvision's ImageNet layout)"
    }

    /// `<dataDirectory>/imagenet/val` when it is a folder; throws `.notFound` with the layout otherwise.
    public static func imageNet1kValidationFolder(dataDirectory: String) throws -> String {
        let val = DirectoryListing.join(DirectoryListing.join(dataDirectory, "imagenet"), "val")
        guard DirectoryListing.kind(of: val) == .directory else {
            throw EngineError.notFound("ImageNet-1k not found: \(val) does not exist. \(imageNet1kLayout(val))")
        }
        return val
    }

    /// The ImageNet-1k validation pool (classes by sorted wnid, files sorted), without classes named by
    /// `excludingClassesNamed`, limited to `limit` distinct images drawn once from `rng` (nil = all).
    public static func imageNet1kValidation(dataDirectory: String, excludingClassesNamed words: [String] = [],
                                            limit: Int?, using rng: inout RandomSource) throws -> FileImageSplit {
        let limit = try checkedLimit(limit, what: "ImageNet-1k outliers")
        let root = DirectoryListing.join(dataDirectory, "imagenet")
        let val = try imageNet1kValidationFolder(dataDirectory: dataDirectory)
        let layout = imageNet1kLayout(val)
        var names = [String: String]()
        if !words.isEmpty {
            let candidates = synsetWordsFileNames.map { DirectoryListing.join(root, $0) }
            guard let path = candidates.first(where: { DirectoryListing.kind(of: $0) == .regularFile }) else {
                throw EngineError.notFound("ImageNet-1k outliers: excluding classes by name needs a synset-words file with lines '<wnid> <names>' at \(candidates.joined(separator: " or "))")
            }
            names = try parseSynsetWords(String(decoding: try readWholeFile(path), as: UTF8.self), path: path)
        }
        var files = [String](), labels = [Int]()
        for (classIndex, wnid) in try DirectoryListing.subdirectories(of: val, what: "ImageNet-1k val folder").enumerated() {
            if !words.isEmpty {
                guard let description = names[wnid] else {
                    throw EngineError.notFound("ImageNet-1k outliers: synset \(wnid) has no name in the synset-words file")
                }
                if isExcluded(classDescription: description, words: words) { continue }
            }
            let folder = DirectoryListing.join(val, wnid)
            let found = try DirectoryListing.imageFiles(under: folder, recursive: true, what: "ImageNet-1k val folder")
            files += found.map { DirectoryListing.join(folder, $0) }
            labels += Array(repeating: classIndex, count: found.count)
        }
        guard !files.isEmpty else { throw EngineError.notFound("ImageNet-1k outliers: no images left in \(val). \(layout)") }
        let pool = FileImageSplit(name: "ImageNet-1k outlier pool", files: files, classLabels: labels,
                                  anomalous: Array(repeating: true, count: files.count))
        return try pool.limited(to: limit, using: &rng)
    }

    /// `<datadir>/imagenet22k/fall11_whole_extracted`, or `<datadir>/../imagenet22k/...` when the data
    /// directory itself is the `imagenet` folder (as in the original).
    public static func imageNet22kRoot(dataDirectory: String) -> String {
        var base = dataDirectory
        while base.count > 1 && base.hasSuffix("/") { base.removeLast() }
        let parent = base.hasSuffix("imagenet") ? DirectoryListing.join(base, "../imagenet22k") : DirectoryListing.join(base, "imagenet22k")
        return DirectoryListing.join(parent, "fall11_whole_extracted")
    }

    /// The ImageNet-22k pool without the ImageNet-30 synsets (matched as substrings of the file path,
    /// as in the original), limited to `limit` distinct images drawn once from `rng`. Unreadable files
    /// give a black `blackImageSide`-square RGB image and a warning on stderr (the release has a few).
    public static func imageNet22k(dataDirectory: String, limit: Int?, blackImageSide: Int,
                                   using rng: inout RandomSource) throws -> ImageNet22kOutlierSource {
        let limit = try checkedLimit(limit, what: "ImageNet-22k outliers")
        guard blackImageSide >= 1 else { throw EngineError.invalidArgument("ImageNet-22k outliers: blackImageSide must be positive") }
        let root = imageNet22kRoot(dataDirectory: dataDirectory)
        let all = try ImageNet22kFileList.load(root: root)
        let kept = all.filter { path in !ImageNet30.wnids.contains { path.contains($0) } }
        guard !kept.isEmpty else {
            throw EngineError.notFound("ImageNet-22k outliers: no images outside the ImageNet-30 synsets below \(root)")
        }
        let files = kept.map { $0.hasPrefix("/") ? $0 : DirectoryListing.join(root, $0) }
        let pool = FileImageSplit(name: "ImageNet-22k outlier pool", files: files,
                                  classLabels: Array(repeating: 0, count: files.count),
                                  anomalous: Array(repeating: true, count: files.count))
        return ImageNet22kOutlierSource(pool: try pool.limited(to: limit, using: &rng), blackImageSide: blackImageSide)
    }
}

/// ImageNet-22k outliers: decoding failures give a black image instead of an error (reference 6.7).
public struct ImageNet22kOutlierSource: AnomalyLabeledSource {
    /// The (limited) files.
    public let pool: FileImageSplit
    /// Side of the black square that stands in for an unreadable file.
    public let blackImageSide: Int

    public var count: Int { pool.count }
    public func image(at index: Int) throws -> RawImage {
        do {
            return try pool.image(at: index)
        } catch EngineError.format(let why) {
            fputs("warning: ImageNet-22k could not load \(pool.files[index]) (\(why)); using a black image\n", stderr)
        } catch EngineError.io(let why) {
            fputs("warning: ImageNet-22k could not load \(pool.files[index]) (\(why)); using a black image\n", stderr)
        }
        return RawImage(channels: 3, height: blackImageSide, width: blackImageSide, value: 0)
    }
    public func classLabel(at index: Int) -> Int { 0 }
    public func isAnomalous(at index: Int) -> Bool { true }
}
