// The splits of a custom dataset for one nominal class (reference 7.7) and the original-resolution
// ground-truth maps for the pixel-level AUC.

extension CustomFolderDataset {
    func checkClass(_ nominalClass: Int) throws {
        guard classNames.indices.contains(nominalClass) else {
            throw EngineError.invalidArgument("custom dataset: class index \(nominalClass) is outside 0..<\(classNames.count) (classes: \(classNames.joined(separator: ", ")))")
        }
    }

    /// Whether an entry is an anomaly for `nominalClass`: another class (one-vs-rest) or the
    /// `anomalous` folder (normal/anomalous layout).
    func isAnomalous(_ e: Entry, _ nominalClass: Int) -> Bool {
        layout == .oneVsRest ? e.classIndex != nominalClass : e.inAnomalousFolder
    }

    func split(_ name: String, _ entries: [Entry], _ nominalClass: Int) -> FileImageSplit {
        FileImageSplit(name: "custom \(name)", files: entries.map { $0.path }, classLabels: entries.map { $0.classIndex },
                       anomalous: entries.map { isAnomalous($0, nominalClass) },
                       groundTruthFiles: usesGroundTruthMaps ? entries.map { $0.mapPath } : nil)
    }

    /// Nominal training images of the nominal class (the default training set).
    public func trainSplit(nominalClass: Int) throws -> FileImageSplit {
        try checkClass(nominalClass)
        let nominal = train.filter { $0.classIndex == nominalClass && !isAnomalous($0, nominalClass) }
        guard !nominal.isEmpty else {
            throw EngineError.notFound("custom dataset: class \(classNames[nominalClass]) has no normal training images")
        }
        return split("train split", nominal, nominalClass)
    }

    /// Training anomalies for `--supervise-mode other`: the training images of all other classes
    /// (one-vs-rest) or the nominal class's `anomalous` folder. May be empty.
    public func trainingAnomalies(nominalClass: Int) throws -> FileImageSplit {
        try checkClass(nominalClass)
        let pool = train.filter { isAnomalous($0, nominalClass) && (layout == .oneVsRest || $0.classIndex == nominalClass) }
        return split("training anomalies", pool, nominalClass)
    }

    /// `--supervise-mode other`: all nominal training images plus as many training anomalies drawn with
    /// replacement from `rng`; only the nominal images when there are no training anomalies.
    public func balancedTrainSplit(nominalClass: Int, using rng: inout RandomSource) throws -> FileImageSplit {
        let nominal = try trainSplit(nominalClass: nominalClass)
        let anomalies = try trainingAnomalies(nominalClass: nominalClass)
        guard anomalies.count > 0 else { return nominal }
        let drawn = (0..<nominal.count).map { _ in rng.integer(below: anomalies.count) }
        let picked = try anomalies.subset(drawn)
        return FileImageSplit(name: "custom balanced train split", files: nominal.files + picked.files,
                              classLabels: nominal.classLabels + picked.classLabels,
                              anomalous: nominal.anomalous + picked.anomalous,
                              groundTruthFiles: usesGroundTruthMaps ? nominal.groundTruthFiles! + picked.groundTruthFiles! : nil)
    }

    /// Test images: of all classes (one-vs-rest) or of the nominal class's folder (normal/anomalous).
    public func testSplit(nominalClass: Int) throws -> FileImageSplit {
        try checkClass(nominalClass)
        return split("test split", layout == .oneVsRest ? test : test.filter { $0.classIndex == nominalClass }, nominalClass)
    }

    /// Ground-truth maps at (close to) original resolution for the pixel-level AUC: for the test images
    /// of the nominal class (`indices` into `testSplit(nominalClass:)`), their stored maps (first
    /// channel); missing maps of nominal images are constant 0 at `constantMapSide` squared (the original
    /// builds them at the raw shape, 248); all maps are then resized with PyTorch nearest to `m x m`,
    /// `m` = the smallest side over all maps, as the original does. A missing map of an anomalous image
    /// throws `.notFound`; the original then skips the pixel AUC with a warning.
    public func originalResolutionTestMaps(nominalClass: Int, constantMapSide: Int = 248) throws -> (indices: [Int], maps: [RawImage]) {
        guard usesGroundTruthMaps else { throw EngineError.state("custom dataset: opened without ground-truth maps") }
        guard constantMapSide >= 1 else { throw EngineError.invalidArgument("custom dataset: constantMapSide must be positive") }
        let split = try testSplit(nominalClass: nominalClass)
        var indices = [Int](), maps = [RawImage]()
        for i in 0..<split.count where split.classLabels[i] == nominalClass {
            if let path = split.groundTruthFiles![i] {
                maps.append(try readImageFile(path: path).firstChannel)
            } else if !split.anomalous[i] {
                maps.append(RawImage(channels: 1, height: constantMapSide, width: constantMapSide, value: 0))
            } else {
                throw EngineError.notFound("custom dataset: the anomalous test image \(split.files[i]) has no ground-truth map in \(root)/test_maps/; the pixel-level AUC needs maps for all anomalous test images")
            }
            indices.append(i)
        }
        guard let side = maps.map({ min($0.height, $0.width) }).min() else { return ([], []) }
        return (indices, maps.map { $0.resizedNearestTorch(height: side, width: side) })
    }
}
