// Pascal VOC 2007 for the "Clever Hans" experiment (reference 7.6), in torchvision's VOCDetection layout:
// `<datadir>/pascalvoc/VOCdevkit/VOC2007/{JPEGImages/<id>.jpg, Annotations/<id>.xml,
// ImageSets/Main/<split>.txt}`. The one class is "horse": an image belongs to it iff one of its annotated
// objects is named `horse` (torchvision strips the text of leaf elements, so names are compared stripped).

/// Pascal VOC 2007 with the horse / no-horse labelling.
public struct PascalVOC2007 {
    /// Class label of images with a horse (the dataset's only class, index 0).
    public static let horseLabel = 0
    /// Class label of all other images.
    public static let otherLabel = 1

    /// `<dataDirectory>/pascalvoc/VOCdevkit/VOC2007`.
    public let root: String

    public init(dataDirectory: String) {
        root = DirectoryListing.join(dataDirectory, "pascalvoc/VOCdevkit/VOC2007")
    }

    private var layout: String {
        "Pascal VOC 2007 is expected in torchvision's VOCDetection layout: \(root)/JPEGImages/<id>.jpg, \(root)/Annotations/<id>.xml and \(root)/ImageSets/Main/{train,val}.txt"
    }

    /// Object names of an annotation file (`annotation/object/name`).
    static func objectNames(annotation path: String) throws -> [String] {
        let root = try MiniXMLElement.parse(try readWholeFile(path), source: path)
        guard root.name == "annotation" else { throw EngineError.format("\(path): the root element is <\(root.name)>, expected <annotation>") }
        return try root.children(named: "object").map { object in
            guard let name = object.children(named: "name").first else {
                throw EngineError.format("\(path): an <object> has no <name>")
            }
            return name.text.trimmingSpaces
        }
    }

    /// The images listed in `ImageSets/Main/<split>.txt` in file order; class label 0 for images with a
    /// horse, 1 otherwise; anomalous = no horse (the consumer swaps labels for nominal_label = 1).
    public func split(_ split: String) throws -> FileImageSplit {
        guard split == "train" || split == "val" || split == "trainval" || split == "test" else {
            throw EngineError.invalidArgument("Pascal VOC: unknown split '\(split)' (train, val, trainval or test)")
        }
        let list = DirectoryListing.join(root, "ImageSets/Main/\(split).txt")
        guard DirectoryListing.kind(of: list) == .regularFile else {
            throw EngineError.notFound("Pascal VOC 2007 not found: \(list) does not exist. \(layout)")
        }
        let ids = String(decoding: try readWholeFile(list), as: UTF8.self)
            .split(whereSeparator: { $0 == "\n" || $0 == "\r" }).map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        guard !ids.isEmpty else { throw EngineError.format("\(list): lists no images") }
        var files = [String](), labels = [Int]()
        for id in ids {
            let image = DirectoryListing.join(root, "JPEGImages/\(id).jpg")
            let annotation = DirectoryListing.join(root, "Annotations/\(id).xml")
            guard DirectoryListing.kind(of: image) == .regularFile else {
                throw EngineError.notFound("Pascal VOC: \(image) (listed in \(list)) does not exist. \(layout)")
            }
            guard DirectoryListing.kind(of: annotation) == .regularFile else {
                throw EngineError.notFound("Pascal VOC: \(annotation) (listed in \(list)) does not exist. \(layout)")
            }
            files.append(image)
            labels.append(try PascalVOC2007.objectNames(annotation: annotation).contains("horse") ? PascalVOC2007.horseLabel : PascalVOC2007.otherLabel)
        }
        return FileImageSplit(name: "Pascal VOC 2007 \(split) split", files: files, classLabels: labels,
                              anomalous: labels.map { $0 != PascalVOC2007.horseLabel })
    }

    /// Training set of the experiment: the horse images of the `train` split (2,501 images in full).
    public func trainSplit() throws -> FileImageSplit {
        let all = try split("train")
        let horses = all.classLabels.indices.filter { all.classLabels[$0] == PascalVOC2007.horseLabel }
        guard !horses.isEmpty else { throw EngineError.notFound("Pascal VOC: the train split has no image with a horse") }
        return try all.subset(horses)
    }

    /// Checks that the lists of the train and val splits exist, without reading them (a quick check
    /// before training; throws `.notFound` naming the list and the layout).
    public func checkListsExist() throws {
        for split in ["train", "val"] {
            let list = DirectoryListing.join(root, "ImageSets/Main/\(split).txt")
            guard DirectoryListing.kind(of: list) == .regularFile else {
                throw EngineError.notFound("Pascal VOC 2007 not found: \(list) does not exist. \(layout)")
            }
        }
    }

    /// Test set: every image of the `val` split.
    public func testSplit() throws -> FileImageSplit { try split("val") }
}
