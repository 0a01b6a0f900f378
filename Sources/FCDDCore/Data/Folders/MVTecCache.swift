// The MVTec-AD 240x240 cache (reference 7.4): every image converted to RGB and resized with PyTorch
// nearest, masks likewise reduced to one channel, written once and then read per image with pread, so
// the dataset never has to be in memory and many threads can read at once.
//
// File layout (little-endian):
//   0   8 bytes  magic "FCDDMVTC"
//   8   UInt32   format version (1)
//   12  UInt32   side S (240)
//   16  UInt64   length L of the JSON header
//   24  L bytes  JSON: {"side", "fingerprint", "defects": [names by id],
//                "classes": [{"index", "test": [[path, defect id, height, width], ...], "train": [path, ...]}]}
//   then the images of all records, 3*S*S bytes each (planar RGB), in processing order (per class its
//   test records, then its train records), then the masks of all test records, S*S bytes each.
// The file is built under a temporary name and renamed into place, so a crash leaves no half file; a
// file of the wrong size or with a malformed header is reported as damaged.
#if canImport(Glibc)
import Glibc
#endif

/// One cached class: where its records live in the file.
struct MVTecCachedClass {
    var classIndex: Int
    var testPaths: [String]
    var testDefectIDs: [Int]
    /// Original (height, width) of each test image, for all-zero masks at original resolution.
    var testSizes: [(Int, Int)]
    var trainPaths: [String]
    /// Record number of the first test image and of the first train image (images region).
    var firstTestRecord: Int
    var firstTrainRecord: Int
    /// Number of the first test mask in the masks region.
    var firstMask: Int
}

/// An open cache file; immutable, reads with pread (thread-safe).
final class MVTecCacheFile {
    static let magic = Array("FCDDMVTC".utf8)
    static let version: UInt32 = 1

    let path: String
    let side: Int
    let fingerprint: UInt64
    let defectNames: [String]
    let classes: [MVTecCachedClass]
    private let descriptor: Int32
    private let imagesOffset: Int
    private let masksOffset: Int

    var imageBytes: Int { 3 * side * side }
    var maskBytes: Int { side * side }

    /// Opens and validates a cache. Throws `.format` when the file is damaged (wrong magic, version,
    /// header or size), `.io` when it cannot be read.
    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw EngineError.io("\(path): cannot open the MVTec-AD cache (\(String(cString: strerror(errno))))") }
        var ok = false
        defer { if !ok { close(fd) } }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw EngineError.io("\(path): cannot stat (\(String(cString: strerror(errno))))") }
        let fileSize = Int(st.st_size)
        func damaged(_ why: String) -> EngineError { .format("\(path): damaged MVTec-AD cache (\(why))") }

        let fixed = try MVTecCacheFile.preadExactly(fd, count: 24, at: 0, path: path, short: damaged("shorter than its 24-byte header"))
        guard Array(fixed[0..<8]) == MVTecCacheFile.magic else { throw damaged("not an MVTec-AD cache file: bad magic") }
        let version = MVTecCacheFile.le(fixed, 8, 4), side = MVTecCacheFile.le(fixed, 12, 4)
        guard version == Int(MVTecCacheFile.version) else { throw damaged("format version \(version), expected \(MVTecCacheFile.version)") }
        guard side == MVTecAD.cacheSide else { throw damaged("side \(side), expected \(MVTecAD.cacheSide)") }
        let headerLength = MVTecCacheFile.le(fixed, 16, 8)
        guard headerLength > 0, headerLength <= min(fileSize - 24, 1 << 28) else { throw damaged("header length \(headerLength) does not fit the file") }
        let json = try MVTecCacheFile.preadExactly(fd, count: headerLength, at: 24, path: path, short: damaged("truncated header"))
        let header: JSONValue
        do { header = try JSONValue.parse(json) } catch { throw damaged("header: \(error)") }
        let parsed = try MVTecCacheFile.parseHeader(header, side: side, damaged: damaged)

        let records = parsed.classes.reduce(0) { $0 + $1.testPaths.count + $1.trainPaths.count }
        let masks = parsed.classes.reduce(0) { $0 + $1.testPaths.count }
        let expected = 24 + headerLength + records * 3 * side * side + masks * side * side
        guard fileSize == expected else { throw damaged("\(fileSize) bytes, expected \(expected): truncated or overwritten") }

        self.path = path; self.side = side; self.descriptor = fd
        self.fingerprint = parsed.fingerprint; self.defectNames = parsed.defects; self.classes = parsed.classes
        self.imagesOffset = 24 + headerLength
        self.masksOffset = imagesOffset + records * 3 * side * side
        ok = true
    }

    deinit { close(descriptor) }

    /// Cached class by its MVTec class index, nil if it was not in the tree.
    func cachedClass(_ classIndex: Int) -> MVTecCachedClass? {
        classes.first { $0.classIndex == classIndex }
    }

    /// RGB image of record `record` (S x S).
    func image(record: Int) throws -> RawImage {
        let bytes = try MVTecCacheFile.preadExactly(descriptor, count: imageBytes, at: imagesOffset + record * imageBytes,
                                                    path: path, short: .format("\(path): MVTec-AD cache shrank while in use"))
        return try RawImage(channels: 3, height: side, width: side, pixels: bytes)
    }

    /// One-channel mask number `mask` of the masks region (0/255).
    func mask(_ mask: Int) throws -> RawImage {
        let bytes = try MVTecCacheFile.preadExactly(descriptor, count: maskBytes, at: masksOffset + mask * maskBytes,
                                                    path: path, short: .format("\(path): MVTec-AD cache shrank while in use"))
        return try RawImage(channels: 1, height: side, width: side, pixels: bytes)
    }

    // MARK: - Building

    /// Builds the cache for `tree` (paths relative to `root`) and moves it into place atomically.
    /// Images are decoded and resized in parallel; each record is written at its fixed offset.
    static func build(tree: MVTecTree, root: String, path: String) throws {
        let side = MVTecAD.cacheSide
        var jobs = [(source: String, record: Int, maskSource: String?, mask: Int?)]()
        var record = 0, mask = 0
        for cls in tree.classes {
            let classDir = DirectoryListing.join(root, MVTecAD.classNames[cls.classIndex])
            for e in cls.test {
                jobs.append((DirectoryListing.join(classDir, e.imagePath), record,
                             e.maskPath.map { DirectoryListing.join(classDir, $0) }, mask))
                record += 1; mask += 1
            }
            for e in cls.train {
                jobs.append((DirectoryListing.join(classDir, e.imagePath), record, nil, nil))
                record += 1
            }
        }
        let recordCount = record, maskCount = mask

        let writer = try AtomicFileWriter(path: path)

        // The header holds the original size of every test image, known only after decoding, so the
        // data region starts after space reserved for the longest possible header.
        var sizes = [(Int, Int)?](repeating: nil, count: jobs.count)
        var failures = [EngineError?](repeating: nil, count: Parallel.threads)
        let reserve = 24 + headerReserve(tree: tree)
        let imageBytes = 3 * side * side, maskBytes = side * side
        let masksStart = reserve + recordCount * imageBytes
        try writer.resize(to: masksStart + maskCount * maskBytes)
        sizes.withUnsafeMutableBufferPointer { sizesBuffer in
            failures.withUnsafeMutableBufferPointer { failedBuffer in
                // Each worker writes only its own jobs' slots and its own failure slot.
                let sizesOut = sizesBuffer.baseAddress!, failed = failedBuffer.baseAddress!
                Parallel.forEachChunk(jobs.count) { worker, range in
                    do {
                        for j in range {
                            let job = jobs[j]
                            let original = try readImageFile(path: job.source)
                            sizesOut[j] = (original.height, original.width)
                            let image = original.converted(toChannels: 3).resizedNearestTorch(height: side, width: side)
                            try writer.write(image.pixels, at: reserve + job.record * imageBytes)
                            if let maskSource = job.maskSource, let m = job.mask {
                                let maskImage = try readImageFile(path: maskSource).firstChannel
                                    .resizedNearestTorch(height: side, width: side)
                                try writer.write(maskImage.pixels, at: masksStart + m * maskBytes)
                            }
                        }
                    } catch let e as EngineError {
                        failed[worker] = e
                    } catch {
                        failed[worker] = .io("\(path): \(error)")
                    }
                }
            }
        }
        if let failure = failures.compactMap({ $0 }).first { throw failure }

        // Jobs list each class's test images first, then its train images.
        var testSizes = [[(Int, Int)]]()
        var jobIndex = 0
        for cls in tree.classes {
            testSizes.append(cls.test.indices.map { i in sizes[jobIndex + i]! })
            jobIndex += cls.test.count + cls.train.count
        }
        var json = Array(headerJSON(tree: tree, testSizes: testSizes).serialized().utf8)
        precondition(json.count <= reserve - 24, "MVTec-AD cache header exceeds its reserve")
        json += [UInt8](repeating: 0x20, count: reserve - 24 - json.count)  // JSON allows trailing spaces
        var head = magic
        appendLE(&head, UInt64(version), 4)
        appendLE(&head, UInt64(side), 4)
        appendLE(&head, UInt64(json.count), 8)
        try writer.write(head + json, at: 0)
        try writer.commit()
    }
}
