// Every reader of outside data, fed raw bytes the way a file would reach it: the bodies of the fuzz
// harnesses (Fuzz/Harnesses, scripts/fuzz.sh) and of FuzzRegressionTests, which replays the seeds and
// every input that ever crashed a harness. Errors are the expected outcome for most inputs and are
// ignored; anything else (a trap, a memory error under AddressSanitizer) is a bug.
#if canImport(Glibc)
import Glibc
#endif
@testable import FCDDCore

public enum FuzzReaders {
    /// The harness names, one per reader.
    public static let names = ["FuzzPNG", "FuzzJPEG", "FuzzIDX", "FuzzGzip", "FuzzCIFARBinary", "FuzzCIFARPickle",
                               "FuzzSafeTensors", "FuzzModel", "FuzzMVTecCache", "FuzzVOCXML", "FuzzNumpy", "FuzzJSON",
                               "FuzzConfig", "FuzzTorchCheckpoint"]

    /// Feeds `bytes` to the readers of harness `name`.
    public static func feed(_ name: String, _ bytes: [UInt8]) {
        switch name {
        case "FuzzPNG":  // PNG decoding (libpng's simplified API, chunk scan, size checks)
            _ = try? PNGImage.decode(bytes, source: "fuzz.png")
        case "FuzzJPEG":  // JPEG decoding (TurboJPEG, marker scan, size checks)
            _ = try? decodeJPEG(bytes, source: "fuzz.jpg")
        case "FuzzIDX":  // IDX files, plain and gzipped (the header read first, inflation bounded by it)
            _ = try? parseIDX(bytes, expectedMagic: idxImagesMagic, source: "fuzz")
            withScratchFile(bytes, name: "images-idx3-ubyte.gz") { path in
                _ = try readIDXImages(path: path)
                _ = try readIDXLabels(path: path)
            }
        case "FuzzGzip":  // gzip inflation (several members, padding, limits)
            _ = try? gunzip(bytes, source: "fuzz.gz", limit: 1 << 24)
            _ = try? gunzip(bytes, source: "fuzz.gz", limit: 64, prefixOnly: true)
        case "FuzzCIFARBinary":  // CIFAR-10/100 binary batches
            _ = try? parseCIFARBinary(bytes, variant: .cifar10, source: "data_batch_1.bin")
            _ = try? parseCIFARBinary(bytes, variant: .cifar100, source: "train.bin")
        case "FuzzCIFARPickle":  // CIFAR-10/100 pickled batches (the strict unpickler and its numpy arrays)
            _ = try? parseCIFARPickle(bytes, variant: .cifar10, source: "data_batch_1")
            _ = try? parseCIFARPickle(bytes, variant: .cifar100, source: "train")
        case "FuzzSafeTensors":  // safetensors files (header, offsets, every tensor converted)
            guard let file = try? SafeTensorsFile.parse(bytes, source: "fuzz.safetensors") else { return }
            for entry in file.entries { _ = try? file.tensor(entry.name) }
        case "FuzzTorchCheckpoint":  // PyTorch checkpoints (zip directory, legacy layout, torch unpickler, tensor views)
            guard let file = try? TorchCheckpoint.parse(bytes, source: "fuzz.pth") else { return }
            for entry in file.entries { _ = try? file.tensor(entry.name) }
        case "FuzzModel":  // model files: snapshot metadata, detector settings and preprocessing, weights
            withScratchFile(bytes, name: "model.fcdd") { path in
                _ = try? Snapshot.read(path: path)
                _ = try Detector.load(path: path)
            }
        case "FuzzMVTecCache":  // the MVTec-AD 240x240 cache file (header, records, sizes) and reads of every record
            withScratchFile(bytes, name: "fcdd_mvtec_240x240.cache") { path in
                let cache = try MVTecCacheFile(path: path)
                for cls in cache.classes {
                    for i in cls.testPaths.indices {
                    _ = try cache.image(record: cls.firstTestRecord + i)
                    _ = try cache.mask(cls.firstMask + i)
                }
                    for i in cls.trainPaths.indices { _ = try cache.image(record: cls.firstTrainRecord + i) }
                }
            }
        case "FuzzVOCXML":  // Pascal VOC annotation XML (the strict mini XML reader)
            _ = try? MiniXMLElement.parse(bytes, source: "fuzz.xml")
            withScratchFile(bytes, name: "annotation.xml") { path in _ = try PascalVOC2007.objectNames(annotation: path) }
        case "FuzzNumpy":  // .npy arrays
            withScratchFile(bytes, name: "array.npy") { path in _ = try NumpyIntegerArray.read(path: path) }
        case "FuzzJSON":  // JSON text
            if let value = try? JSONValue.parse(bytes) { _ = try? JSONValue.parse(value.serialized()) }
        case "FuzzConfig":  // settings files (--config, a run's config.json) resolved against the schema
            guard let json = try? JSONValue.parse(bytes) else { return }
            for context in [SettingsContext.experiment, .detector] {
                _ = try? Settings.resolve(SettingsRequest(context: context, given: json, dataShape: [3, 32, 32]))
            }
            _ = try? Settings.resolve(try SettingsRequest(json: json))
        default:
            preconditionFailure("no fuzz harness named \(name)")
        }
    }

    /// Writes `bytes` to a per-process file in memory-backed /dev/shm (or /tmp) and passes its path.
    static func withScratchFile(_ bytes: [UInt8], name: String, _ body: (String) throws -> Void) {
        let folder = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp"
        let path = "\(folder)/fcdd-fuzz-\(getpid())-\(name)"
        guard let file = fopen(path, "wb") else { return }
        _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, file) }
        fclose(file)
        defer { unlink(path) }
        try? body(path)
    }
}
