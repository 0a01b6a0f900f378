// The MVTec-AD folder tree (reference 7.4) and the order in which the original processes it:
// classes in index order; inside a class the test folders sorted by name with their files sorted, then
// the train folders likewise. Defect-type ids are keyed by folder name over the whole dataset: "good" is
// 0 and every other name gets the next id when first met in that order (so "crack" in several classes
// shares one id).
#if canImport(Glibc)
import Glibc
#endif

/// Names and constants of MVTec-AD.
public enum MVTecAD {
    /// The 15 classes in the original's index order.
    public static let classNames = [
        "bottle", "cable", "capsule", "carpet", "grid", "hazelnut", "leather", "metal_nut",
        "pill", "screw", "tile", "toothbrush", "transistor", "wood", "zipper",
    ]
    /// Side of the cached images (the dataset's raw shape 3 x 240 x 240).
    public static let cacheSide = 240
    /// The original repeats the training split this many times per epoch ("enlarge", reference 7.4).
    public static let trainingRepetitions = 10
    /// Defect-type id of defect-free images.
    public static let goodDefectID = 0

    /// Where MVTec-AD is expected below the data directory, and in which layout (for error messages).
    static func layoutDescription(root: String) -> String {
        "MVTec-AD is expected at \(root) in the official layout: \(root)/<class>/train/good/*.png, "
            + "\(root)/<class>/test/<defect or good>/*.png and \(root)/<class>/ground_truth/<defect>/<name>_mask.png, "
            + "with <class> one of \(classNames.joined(separator: ", "))"
    }

    /// The mask file of a defect image: `000.png` -> `000_mask.png`.
    static func maskName(forImage name: String) -> String {
        let stem = name.lastIndex(of: ".").map { String(name[..<$0]) } ?? name
        return stem + "_mask.png"
    }
}

/// One image of the tree, with paths relative to its class folder.
struct MVTecTreeEntry: Equatable {
    var imagePath: String        // e.g. "test/crack/000.png"
    var maskPath: String?        // e.g. "ground_truth/crack/000_mask.png"; nil for good and train images
    var defectID: Int
}

/// The part of the tree for one class.
struct MVTecTreeClass: Equatable {
    var classIndex: Int
    var test: [MVTecTreeEntry]
    var train: [MVTecTreeEntry]
}

/// The whole tree in processing order, with defect ids assigned.
struct MVTecTree {
    var classes: [MVTecTreeClass]
    var defectNames: [String]     // id -> folder name; defectNames[0] == "good"
    /// FNV-1a over every path and file size in processing order; a different value means the cache
    /// was built from a different tree.
    var fingerprint: UInt64

    /// Whether any class folder of MVTec-AD exists below `root`.
    static func exists(root: String) -> Bool {
        MVTecAD.classNames.contains { DirectoryListing.kind(of: DirectoryListing.join(root, $0)) == .directory }
    }

    /// Walks the classes present below `root` (missing classes are skipped; asking for one later is an
    /// error). Throws for a class folder without train/test images or a defect image without its mask.
    static func scan(root: String) throws -> MVTecTree {
        var defectNames = ["good"]
        var idByName = ["good": MVTecAD.goodDefectID]
        var hash = FNV1a()
        var classes = [MVTecTreeClass]()
        for (classIndex, className) in MVTecAD.classNames.enumerated() {
            let classDir = DirectoryListing.join(root, className)
            guard DirectoryListing.kind(of: classDir) == .directory else { continue }
            hash.add(className)
            var test = [MVTecTreeEntry](), train = [MVTecTreeEntry]()
            for split in ["test", "train"] {
                let splitDir = DirectoryListing.join(classDir, split)
                let what = "MVTec-AD \(className) \(split) folder"
                for defect in try DirectoryListing.subdirectories(of: splitDir, what: what) {
                    if split == "test" && idByName[defect] == nil {
                        idByName[defect] = defectNames.count
                        defectNames.append(defect)
                    }
                    let folder = DirectoryListing.join(splitDir, defect)
                    for name in try DirectoryListing.imageFiles(under: folder, recursive: false, what: what) {
                        let imagePath = "\(split)/\(defect)/\(name)"
                        hash.add(imagePath, size: DirectoryListing.fileSize(DirectoryListing.join(classDir, imagePath)))
                        var entry = MVTecTreeEntry(imagePath: imagePath, maskPath: nil,
                                                   defectID: split == "test" ? idByName[defect]! : MVTecAD.goodDefectID)
                        if split == "test" && defect != "good" {
                            let maskPath = "ground_truth/\(defect)/\(MVTecAD.maskName(forImage: name))"
                            let size = DirectoryListing.fileSize(DirectoryListing.join(classDir, maskPath))
                            guard size != nil else {
                                throw EngineError.notFound("MVTec-AD: the defect image \(DirectoryListing.join(classDir, imagePath)) has no mask at \(DirectoryListing.join(classDir, maskPath))")
                            }
                            hash.add(maskPath, size: size)
                            entry.maskPath = maskPath
                        }
                        if split == "test" { test.append(entry) } else { train.append(entry) }
                    }
                }
                if (split == "test" ? test : train).isEmpty {
                    throw EngineError.notFound("MVTec-AD: no images in \(splitDir)/<folder>/; \(MVTecAD.layoutDescription(root: root))")
                }
            }
            classes.append(MVTecTreeClass(classIndex: classIndex, test: test, train: train))
        }
        guard !classes.isEmpty else {
            throw EngineError.notFound("MVTec-AD not found: no class folder in \(root). \(MVTecAD.layoutDescription(root: root))")
        }
        return MVTecTree(classes: classes, defectNames: defectNames, fingerprint: hash.value)
    }
}

/// 64-bit FNV-1a, enough to notice a changed file list (not a security hash).
struct FNV1a {
    private(set) var value: UInt64 = 0xCBF2_9CE4_8422_2325

    mutating func add(_ bytes: some Sequence<UInt8>) {
        for b in bytes { value = (value ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
    }

    /// A name and an optional size, separated so that ("ab", 1) and ("a", "b1") differ.
    mutating func add(_ name: String, size: Int? = nil) {
        add(name.utf8)
        add([0])
        if let size = size { add(String(size).utf8) }
        add([0])
    }
}
