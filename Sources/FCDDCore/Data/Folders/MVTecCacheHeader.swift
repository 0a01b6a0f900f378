// The JSON header of the MVTec-AD cache file and the raw reads and writes behind it (see MVTecCache.swift
// for the layout). Every header field is validated, so a damaged or foreign file is an error, not a trap.
#if canImport(Glibc)
import Glibc
#endif

extension MVTecCacheFile {
    /// The header describing `tree`; `testSizes[c][i]` is the original (height, width) of test image i of
    /// the c-th present class.
    static func headerJSON(tree: MVTecTree, testSizes: [[(Int, Int)]]) -> JSONValue {
        let classes: [JSONValue] = zip(tree.classes, testSizes).map { cls, sizes in
            .object([
                ("index", .number(Double(cls.classIndex))),
                ("test", .array(zip(cls.test, sizes).map { e, size in
                    .array([.string(e.imagePath), .number(Double(e.defectID)),
                            .number(Double(size.0)), .number(Double(size.1))])
                })),
                ("train", .array(cls.train.map { .string($0.imagePath) })),
            ])
        }
        return .object([
            ("side", .number(Double(MVTecAD.cacheSide))),
            ("fingerprint", .string(String(tree.fingerprint, radix: 16))),
            ("defects", .array(tree.defectNames.map { .string($0) })),
            ("classes", .array(classes)),
        ])
    }

    /// Bytes the header can need at most: image sizes are below 10^7 per side (PNG's limit is 10^6).
    static func headerReserve(tree: MVTecTree) -> Int {
        let widest = tree.classes.map { [(Int, Int)](repeating: (9_999_999, 9_999_999), count: $0.test.count) }
        return Array(headerJSON(tree: tree, testSizes: widest).serialized().utf8).count
    }

    /// Parses and checks a header; `damaged` builds the error.
    static func parseHeader(_ header: JSONValue, side: Int, damaged: (String) -> EngineError) throws
        -> (fingerprint: UInt64, defects: [String], classes: [MVTecCachedClass]) {
        guard header["side"]?.intValue == side else { throw damaged("header side disagrees") }
        guard let fpText = header["fingerprint"]?.stringValue, let fingerprint = UInt64(fpText, radix: 16) else {
            throw damaged("header has no fingerprint")
        }
        guard let defectValues = header["defects"]?.arrayValue else { throw damaged("header has no defect names") }
        let defects = defectValues.compactMap { $0.stringValue }
        guard defects.count == defectValues.count, defects.first == "good" else { throw damaged("bad defect names") }
        guard let classValues = header["classes"]?.arrayValue, !classValues.isEmpty else { throw damaged("header has no classes") }
        var classes = [MVTecCachedClass]()
        var record = 0, mask = 0
        for value in classValues {
            guard let index = value["index"]?.intValue, (0..<MVTecAD.classNames.count).contains(index),
                  index > (classes.last?.classIndex ?? -1) else { throw damaged("bad class index") }
            guard let tests = value["test"]?.arrayValue, let trains = value["train"]?.arrayValue else {
                throw damaged("class \(index) lacks its record lists")
            }
            var cls = MVTecCachedClass(classIndex: index, testPaths: [], testDefectIDs: [], testSizes: [],
                                       trainPaths: [], firstTestRecord: record,
                                       firstTrainRecord: record + tests.count, firstMask: mask)
            for t in tests {
                guard let fields = t.arrayValue, fields.count == 4, let path = fields[0].stringValue,
                      let id = fields[1].intValue, (0..<defects.count).contains(id),
                      isRecordPath(path, split: "test", defect: defects[id]),
                      let h = fields[2].intValue, let w = fields[3].intValue else {
                    throw damaged("bad test record in class \(index)")
                }
                // The all-zero masks of good images are made at this size: it must be an image size.
                do { try EngineLimits.checkImage(width: w, height: h, source: path) } catch {
                    throw damaged("test record \(path) of class \(index): \(error)")
                }
                cls.testPaths.append(path); cls.testDefectIDs.append(id); cls.testSizes.append((h, w))
            }
            for t in trains {
                guard let path = t.stringValue, isRecordPath(path, split: "train", defect: "good") else {
                    throw damaged("bad train record in class \(index)")
                }
                cls.trainPaths.append(path)
            }
            record += tests.count + trains.count
            mask += tests.count
            classes.append(cls)
        }
        return (fingerprint, defects, classes)
    }

    /// Whether `path` is "<split>/<defect>/<file name>" as the tree scan writes it (the test pass derives
    /// mask paths from it).
    static func isRecordPath(_ path: String, split: String, defect: String) -> Bool {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 3 && parts[0] == split && parts[1] == defect && !parts[2].isEmpty
            && parts[2] != "." && parts[2] != ".." && !defect.contains("/") && defect != ".."
    }

    /// Reads exactly `count` bytes at `offset`; a short read throws `short`.
    static func preadExactly(_ fd: Int32, count: Int, at offset: Int, path: String, short: EngineError) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let got = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            if got < 0 {
                if errno == EINTR { continue }
                throw EngineError.io("\(path): read failed (\(String(cString: strerror(errno))))")
            }
            if got == 0 { throw short }
            done += got
        }
        return bytes
    }

    /// Little-endian unsigned integer of `n` bytes at `offset`.
    static func le(_ bytes: [UInt8], _ offset: Int, _ n: Int) -> Int {
        var v: UInt64 = 0
        for i in (0..<n).reversed() { v = v << 8 | UInt64(bytes[offset + i]) }
        return v > UInt64(Int.max) ? Int.max : Int(v)
    }

    static func appendLE(_ bytes: inout [UInt8], _ value: UInt64, _ n: Int) {
        for i in 0..<n { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * UInt64(i)))) }
    }
}
