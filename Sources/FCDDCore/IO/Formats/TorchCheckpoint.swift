// PyTorch checkpoints (`torch.save(model.state_dict(), path)`, `.pth` / `.pt`) read without PyTorch and
// without running anything in them: the pickle goes through the strict reader with the
// `.torchStateDict` vocabulary, and the tensors become entries of a SafeTensorsFile (name, dtype, shape,
// little-endian bytes), the in-memory form every weights reader of the engine shares. Two layouts exist
// (torch/serialization.py):
//  * zip, PyTorch >= 1.6: one top-level folder (any name) holding data.pkl, data/<key> with the raw bytes
//    of each storage, version, and byteorder ("little" or "big"; absent before PyTorch 2.1, meaning
//    little). `version` only tells which PyTorch wrote the file; the state-dict layout is the same in all.
//  * legacy, PyTorch 0.1.10 to 1.5 (`_legacy_save`; torchvision's 2017 downloads such as
//    vgg11_bn-6002323d.pth): the pickles of the magic number, of the protocol version 1001 and of
//    sys_info, then the state dict, then the sorted list of storage keys, then for each key an int64
//    element count followed by the storage's raw bytes.
// Older tar archives (PyTorch before 0.1.10) are recognised and refused.

public enum TorchCheckpoint {
    /// `pickle.dumps(0x1950a86a20f9469cfc6c, protocol=2)`: how every legacy checkpoint begins.
    static let legacyMagic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]

    /// Whether `bytes` look like a PyTorch checkpoint of any layout (the file may still be damaged).
    public static func recognizes(_ bytes: [UInt8]) -> Bool {
        ZipArchive.isZip(bytes) || bytes.starts(with: legacyMagic) || isTar(bytes)
    }

    /// tar archives carry "ustar" at byte 257.
    static func isTar(_ bytes: [UInt8]) -> Bool {
        bytes.count >= 262 && bytes[257..<262].elementsEqual("ustar".utf8)
    }

    /// Reads the tensors of a checkpoint file. Errors: `.io` when it cannot be read, `.format` when it is
    /// not a state dict of tensors or is damaged, `.outOfMemory` when its tensors cannot be held.
    public static func read(path: String) throws -> SafeTensorsFile {
        try parse(try readWholeFile(path), source: path)
    }

    /// The tensors of a checkpoint in memory; `source` names it in error messages.
    public static func parse(_ bytes: [UInt8], source: String) throws -> SafeTensorsFile {
        if ZipArchive.isZip(bytes) { return try parseZip(bytes, source: source) }
        if bytes.starts(with: legacyMagic) { return try parseLegacy(bytes, source: source) }
        if isTar(bytes) {
            throw EngineError.format("\(source): a tar-format PyTorch checkpoint (PyTorch before 0.1.10) is not supported; load and save it again with a newer PyTorch")
        }
        throw EngineError.format("\(source): not a PyTorch checkpoint (neither a zip archive nor PyTorch's legacy format)")
    }

    private static func parseZip(_ bytes: [UInt8], source: String) throws -> SafeTensorsFile {
        func bad(_ message: String) -> EngineError { .format("\(source): \(message)") }
        let archive = try ZipArchive(bytes, source: source)
        let pickles = archive.entries.filter { entry in
            let parts = entry.name.split(separator: "/", omittingEmptySubsequences: false)
            return parts.count == 2 && !parts[0].isEmpty && parts[1] == "data.pkl"
        }
        guard pickles.count == 1 else {
            throw bad(pickles.isEmpty ? "a zip archive without <folder>/data.pkl is not a PyTorch checkpoint"
                                      : "holds \(pickles.count) checkpoints (data.pkl in \(pickles.count) folders); one is expected")
        }
        let folder = String(pickles[0].name.dropLast("data.pkl".count))
        if let entry = archive["\(folder)byteorder"] {
            let order = String(decoding: try archive.data(entry), as: UTF8.self).filter { !$0.isWhitespace }
            guard order == "little" else {
                throw bad(order == "big" ? "big-endian checkpoints (saved on a big-endian machine) are not supported"
                                         : "byteorder '\(order.prefix(20))' is neither 'little' nor 'big'")
            }
        }
        let pickle = Array(try archive.data(pickles[0]))
        let root = try readPickle(pickle, source: "\(source): \(pickles[0].name)", vocabulary: .torchStateDict)
        let stateDict = try TorchStateDict(root, source: source, legacy: false)
        return try stateDict.tensorFile(source: source) { storage in
            let name = "\(folder)data/\(storage.key)"
            guard let entry = archive[name] else { throw bad("storage '\(storage.key)' (\(name)) is missing") }
            return try archive.data(entry)
        }
    }

    private static func parseLegacy(_ bytes: [UInt8], source: String) throws -> SafeTensorsFile {
        func bad(_ message: String) -> EngineError { .format("\(source): \(message)") }
        var at = legacyMagic.count
        func next(_ what: String, _ vocabulary: PickleVocabulary) throws -> PickleValue {
            let (value, end) = try readPickle(bytes, from: at, source: "\(source): \(what)", vocabulary: vocabulary)
            at = end
            return value
        }
        guard case .int(1001) = try next("protocol version", .plainData) else {
            throw bad("legacy checkpoint protocol version is not 1001")
        }
        guard case .dict(let info) = try next("sys_info", .plainData) else { throw bad("legacy sys_info is not a dict") }
        if case .bool(false) = info.value(forKey: "little_endian") {
            throw bad("big-endian checkpoints (saved on a big-endian machine) are not supported")
        }
        let stateDict = try TorchStateDict(try next("state dict", .torchStateDict), source: source, legacy: true)
        let listed = try next("storage keys", .plainData)
        guard let keys = listed.sequence?.compactMap(\.string), keys.count == listed.sequence?.count else {
            throw bad("the legacy storage key list is a \(listed.typeName), not a list of strings")
        }
        let reader = LittleEndianReader(bytes: bytes, source: source)
        var records = [String: ArraySlice<UInt8>]()
        for key in keys {
            guard let storage = stateDict.storages[key] else { throw bad("storage '\(key)' of the storage list is used by no tensor") }
            guard records[key] == nil else { throw bad("storage '\(key)' is listed twice") }
            let count = try reader.u64(at)
            guard count == UInt64(storage.count) else {
                throw bad("storage '\(key)' holds \(Int64(bitPattern: count)) elements, its tensors say \(storage.count)")
            }
            guard case let (size, false) = storage.count.multipliedReportingOverflow(by: storage.type.dtype.byteSize) else {
                throw bad("storage '\(key)' of \(storage.count) elements cannot be addressed")
            }
            let start = try reader.offset(UInt64(at) + 8, length: UInt64(size), limit: bytes.count, what: "storage '\(key)'")
            records[key] = bytes[start..<(start + size)]
            at = start + size
        }
        guard at == bytes.count else { throw bad("\(bytes.count - at) unexpected bytes follow the last storage") }
        return try stateDict.tensorFile(source: source) { storage in
            guard let data = records[storage.key] else { throw bad("storage '\(storage.key)' is not in the file's storage list") }
            return data
        }
    }
}

/// Named tensors of a weights file: safetensors, or a PyTorch checkpoint (`.pth`), told apart by content
/// rather than by name (a checkpoint is a zip archive or begins with PyTorch's legacy magic number).
public func readWeightsFile(path: String) throws -> SafeTensorsFile {
    let bytes = try readWholeFile(path)
    if TorchCheckpoint.recognizes(bytes) { return try TorchCheckpoint.parse(bytes, source: path) }
    return try SafeTensorsFile.parse(bytes, source: path)
}
