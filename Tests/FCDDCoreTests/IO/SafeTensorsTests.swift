import XCTest
#if canImport(Glibc)
import Glibc
#endif
@testable import FCDDCore

/// A fresh directory under /tmp for file tests; removed (one level deep) by `removeTestDirectory`.
func makeTestDirectory() -> String {
    var template = Array("/tmp/fcdd-io-test-XXXXXX".utf8CString)
    precondition(mkdtemp(&template) != nil, "mkdtemp failed")
    return String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Names in `dir` (without "." and "..").
func listDirectory(_ dir: String) -> [String] {
    guard let d = opendir(dir) else { return [] }
    defer { closedir(d) }
    var names = [String]()
    while let e = readdir(d) {
        let name = withUnsafeBytes(of: e.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
}

func removeTestDirectory(_ dir: String) {
    for name in listDirectory(dir) where unlink("\(dir)/\(name)") != 0 { rmdir("\(dir)/\(name)") }
    rmdir(dir)
}

func writeRaw(_ bytes: [UInt8], _ path: String) {
    let f = fopen(path, "wb")
    precondition(f != nil, "cannot create \(path)")
    _ = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, bytes.count, f) }
    fclose(f)
}

final class SafeTensorsTests: XCTestCase {
    static let fixtures = ["net_ae28", "net_cnn28", "net_fcdd_cnn28", "net_fcdd_cnn32_s", "preprocess", "roc", "upsample"]

    /// A file from a header text and a data block, as a writer other than ours could produce it.
    func raw(_ header: String, _ data: [UInt8] = []) -> [UInt8] {
        let h = Array(header.utf8)
        var out = [UInt8]()
        withUnsafeBytes(of: UInt64(h.count).littleEndian) { out += $0 }
        return out + h + data
    }

    func assertFormatError(_ bytes: [UInt8], _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try SafeTensorsFile.parse(bytes, source: "bad.safetensors"), file: file, line: line) { error in
            guard case EngineError.format(let m) = error else { return XCTFail("not .format: \(error)", file: file, line: line) }
            XCTAssertTrue(m.hasPrefix("bad.safetensors: "), m, file: file, line: line)
            XCTAssertTrue(m.contains(expected), "'\(m)' does not mention '\(expected)'", file: file, line: line)
        }
    }

    func testReadsEveryFixture() throws {
        for name in Self.fixtures {
            let file = try SafeTensorsFile.read(path: fixturePath("\(name).safetensors"))
            XCTAssertFalse(file.entries.isEmpty, name)
            XCTAssertEqual(Set(file.entries.map { $0.name }).count, file.entries.count, name)
            for e in file.entries {
                XCTAssertEqual(e.bytes.count, e.shape.reduce(1, *) * e.dtype.byteSize, e.name)
                XCTAssertEqual(try file.tensor(e.name).shape, e.shape)
            }
        }
    }

    func testKnownShapesAndMetadata() throws {
        let net = try SafeTensorsFile.read(path: fixturePath("net_fcdd_cnn28.safetensors"))
        XCTAssertEqual(net["x"]?.dtype, .f32)
        XCTAssertEqual(net["x"]?.shape, [8, 1, 28, 28])
        XCTAssertEqual(net["init.conv1.weight"]?.dtype, .f32)
        XCTAssertEqual(net["init.conv1.weight"]?.shape, [8, 1, 5, 5])
        XCTAssertEqual(net.metadata.first { $0.0 == "network" }?.1, "FCDD_CNN28")
        XCTAssertEqual(try JSONValue.parse(net.metadata.first { $0.0 == "in_shape" }?.1 ?? "").arrayValue?.count, 3)
        let x = try net.tensor("x")
        XCTAssertEqual(x.count, 8 * 28 * 28)
        XCTAssertTrue(x.data.allSatisfy { $0.isFinite })
        XCTAssertThrowsError(try net.tensor("nope")) { XCTAssertEqual($0 as? EngineError, .notFound("no tensor named 'nope'")) }

        let roc = try SafeTensorsFile.read(path: fixturePath("roc.safetensors"))
        XCTAssertEqual(roc["0.scores"]?.dtype, .f64)
        XCTAssertEqual(roc["0.scores"]?.shape, [50])
        XCTAssertEqual(try roc.tensor("0.scores").count, 50)
        let pre = try SafeTensorsFile.read(path: fixturePath("preprocess.safetensors"))
        XCTAssertTrue(pre.metadata.isEmpty)
        XCTAssertEqual(pre["lcn.in"]?.shape, [3, 3, 16, 16])
    }

    func testEntriesAreInDataOrder() throws {
        for name in Self.fixtures {
            let file = try SafeTensorsFile.read(path: fixturePath("\(name).safetensors"))
            // Re-serializing lays entries out in list order; the same data block means the order was kept.
            let original = try readWholeFile(fixturePath("\(name).safetensors"))
            let headerLength = original[0..<8].enumerated().reduce(0) { $0 | Int($1.1) << (8 * $1.0) }
            XCTAssertEqual(Array(file.serialize().suffix(original.count - 8 - headerLength)),
                           Array(original[(8 + headerLength)...]), name)
        }
        let file = try SafeTensorsFile.parse(raw(#"{"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]},"e":{"dtype":"U8","shape":[0],"data_offsets":[2,2]},"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}"#, [1, 2, 3, 4]))
        XCTAssertEqual(file.entries.map { $0.name }, ["a", "b", "e"])
        XCTAssertEqual(file["b"]?.bytes, [3, 4])
        XCTAssertEqual(file["e"]?.bytes, [])
    }

    func testRoundTripThroughAFile() throws {
        let dir = makeTestDirectory()
        defer { removeTestDirectory(dir) }
        for name in Self.fixtures {
            let file = try SafeTensorsFile.read(path: fixturePath("\(name).safetensors"))
            let path = "\(dir)/\(name).safetensors"
            try file.write(path: path)
            let back = try SafeTensorsFile.read(path: path)
            XCTAssertEqual(back.entries.map { $0.name }, file.entries.map { $0.name })
            XCTAssertEqual(back.entries.map { $0.shape }, file.entries.map { $0.shape })
            XCTAssertEqual(back.entries.map { $0.dtype }, file.entries.map { $0.dtype })
            XCTAssertEqual(back.entries.map { $0.bytes }, file.entries.map { $0.bytes })
            XCTAssertEqual(back.metadata.map { $0.0 }, file.metadata.map { $0.0 })
            XCTAssertEqual(back.metadata.map { $0.1 }, file.metadata.map { $0.1 })
            XCTAssertEqual(back.serialize(), file.serialize())
        }
        XCTAssertEqual(listDirectory(dir).count, Self.fixtures.count, "temporary files left: \(listDirectory(dir))")
    }

    func testBuildAndSerialize() throws {
        var file = SafeTensorsFile()
        file.add("w", Tensor(shape: [2, 3], data: [1, -2, 3.5, .infinity, 0, -0.0]))
        file.add(try SafeTensorEntry.make(name: "n", dtype: .i64, shape: [], bytes: [7, 0, 0, 0, 0, 0, 0, 0]))
        file.add(try SafeTensorEntry.make(name: "m", dtype: .bool, shape: [3], bytes: [0, 1, 5]))
        file.add("w", Tensor(shape: [1], data: [9]))  // replaces in place
        let bytes = file.serialize()
        let headerLength = Int(bytes[0]) | Int(bytes[1]) << 8
        XCTAssertEqual(headerLength % 8, 0)
        let header = String(decoding: bytes[8..<(8 + headerLength)], as: UTF8.self)
        XCTAssertFalse(header.contains("__metadata__"), header)
        XCTAssertTrue(header.hasPrefix(#"{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"n":"#), header)
        let back = try SafeTensorsFile.parse(bytes)
        XCTAssertEqual(back.entries.map { $0.name }, ["w", "n", "m"])
        XCTAssertEqual(try back.tensor("w").data, [9])
        XCTAssertEqual(try back.tensor("n"), Tensor(shape: [], data: [7]))
        XCTAssertEqual(try back.tensor("m").data, [0, 1, 1])

        file.metadata = [("k", "v \"quoted\" é")]
        let withMeta = try SafeTensorsFile.parse(file.serialize())
        XCTAssertEqual(withMeta.metadata.first?.1, "v \"quoted\" é")
        XCTAssertThrowsError(try SafeTensorEntry.make(name: "x", dtype: .f32, shape: [2], bytes: [0, 0, 0]))
        XCTAssertThrowsError(try SafeTensorEntry.make(name: "x", dtype: .f32, shape: [-1], bytes: []))
        XCTAssertThrowsError(try SafeTensorEntry.make(name: "__metadata__", dtype: .u8, shape: [0], bytes: []))
    }

    func testIntegerConversions() throws {
        func entry(_ t: DType, _ bytes: [UInt8]) throws -> [Float] {
            var f = SafeTensorsFile()
            f.add(try SafeTensorEntry.make(name: "t", dtype: t, shape: [bytes.count / t.byteSize], bytes: bytes))
            return try SafeTensorsFile.parse(f.serialize()).tensor("t").data
        }
        XCTAssertEqual(try entry(.u8, [0, 255]), [0, 255])
        XCTAssertEqual(try entry(.i8, [0x80, 0x7F]), [-128, 127])
        XCTAssertEqual(try entry(.i16, [0x00, 0x80, 0xFF, 0x7F]), [-32768, 32767])
        XCTAssertEqual(try entry(.u16, [0xFF, 0xFF]), [65535])
        XCTAssertEqual(try entry(.i32, [0xFE, 0xFF, 0xFF, 0xFF]), [-2])
        XCTAssertEqual(try entry(.u32, [0, 0, 0, 0x80]), [2_147_483_648])
        XCTAssertEqual(try entry(.i64, [0xFD, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]), [-3])
        XCTAssertEqual(try entry(.u64, [0, 0, 0, 0, 0, 0, 0, 0x80]), [9.223372e18])
        XCTAssertEqual(try entry(.f64, [0, 0, 0, 0, 0, 0, 0xF8, 0x3F]), [1.5])
        XCTAssertEqual(try entry(.f32, [0, 0, 0xC0, 0x3F]), [1.5])
        XCTAssertEqual(try entry(.bf16, [0xC0, 0x3F]), [1.5])
        XCTAssertEqual(try entry(.f16, [0x00, 0x3E]), [1.5])
    }

    func testHalfAndBFloat16Conversion() {
        XCTAssertEqual(halfToFloat(0x3C00), 1)
        XCTAssertEqual(halfToFloat(0xC000), -2)
        XCTAssertEqual(halfToFloat(0x7BFF), 65504)
        XCTAssertEqual(halfToFloat(0x0400), 0x1p-14)            // smallest normal
        XCTAssertEqual(halfToFloat(0x0001), 0x1p-24)            // smallest subnormal
        XCTAssertEqual(halfToFloat(0x03FF), 1023 * 0x1p-24)     // largest subnormal
        XCTAssertEqual(halfToFloat(0x3555), 0.333251953125)
        XCTAssertEqual(halfToFloat(0x8000).bitPattern, (-0.0 as Float).bitPattern)
        XCTAssertEqual(halfToFloat(0x7C00), .infinity)
        XCTAssertEqual(halfToFloat(0xFC00), -.infinity)
        XCTAssertTrue(halfToFloat(0x7E00).isNaN)
        XCTAssertTrue(halfToFloat(0xFC01).isNaN)
        #if !(os(macOS) && arch(x86_64))
        for bits in 0...UInt16.max {  // every half against the standard library's conversion
            let want = Float(Float16(bitPattern: bits)), got = halfToFloat(bits)
            if want.isNaN { XCTAssertTrue(got.isNaN) } else if got.bitPattern != want.bitPattern { XCTFail("\(bits): \(got) vs \(want)"); break }
        }
        #endif
        XCTAssertEqual(bfloat16ToFloat(0x3F80), 1)
        XCTAssertEqual(bfloat16ToFloat(0xC040), -3)
        XCTAssertEqual(bfloat16ToFloat(0x0001), 0x1p-133)
        XCTAssertEqual(bfloat16ToFloat(0x7F7F), 0x1.FEp127)
        XCTAssertEqual(bfloat16ToFloat(0xFF80), -.infinity)
        XCTAssertTrue(bfloat16ToFloat(0x7FC0).isNaN)
    }

    func testTruncatedFilesThrow() throws {
        let path = fixturePath("net_fcdd_cnn28.safetensors")
        let bytes = try readWholeFile(path)
        let headerEnd = 8 + Int(bytes[0]) + Int(bytes[1]) << 8
        var cuts = Array(0...(headerEnd + 16))
        cuts += [headerEnd + 1000, bytes.count / 2, bytes.count - 4, bytes.count - 1]
        for cut in cuts {
            XCTAssertThrowsError(try SafeTensorsFile.parse(Array(bytes[0..<cut]), source: "cut")) { error in
                guard case EngineError.format(let m) = error else { return XCTFail("\(cut): \(error)") }
                XCTAssertTrue(m.hasPrefix("cut: "), m)
            }
        }
        let dir = makeTestDirectory()
        defer { removeTestDirectory(dir) }
        writeRaw(Array(bytes[0..<(bytes.count - 1)]), "\(dir)/t.safetensors")
        XCTAssertThrowsError(try SafeTensorsFile.read(path: "\(dir)/t.safetensors")) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(dir)/t.safetensors: "), "\(error)")
            XCTAssertTrue("\(error)".contains("exceed"), "\(error)")
        }
    }

    func testBadHeaderLength() throws {
        let good = raw(#"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#, [7])
        XCTAssertNoThrow(try SafeTensorsFile.parse(good))
        for length: UInt64 in [0, 1, UInt64(good.count - 8), UInt64(good.count), 1 << 40, .max, 100_000_001] {
            var b = good
            withUnsafeBytes(of: length.littleEndian) { for i in 0..<8 { b[i] = $0[i] } }
            XCTAssertThrowsError(try SafeTensorsFile.parse(b, source: "bad.safetensors"), "\(length)")
        }
        assertFormatError([1, 2, 3], "only 3 bytes")
        assertFormatError([], "only 0 bytes")
        var huge = good
        huge[3] = 0x10  // 256 MB
        assertFormatError(huge, "exceeds the limit")
        var long = good
        long[0] = UInt8(good.count - 7)
        assertFormatError(long, "exceeds the")
    }

    func testBadHeaders() {
        let entry = #""dtype":"F32","shape":[2],"data_offsets":[0,8]"#
        let data = [UInt8](repeating: 0, count: 16)
        assertFormatError(raw("[]", data), "not a JSON object")
        assertFormatError(raw(#"{"a":{\#(entry)}"#, data), "not valid JSON")
        assertFormatError(raw(#"{"a":{\#(entry)}} x"#, data), "not valid JSON")
        assertFormatError(raw("{\"\u{FF}\":1}", data).map { $0 == 0xC3 ? 0xFF : $0 }, "invalid UTF-8")
        assertFormatError(raw(#"{"a":5}"#, data), "'a': entry is not an object")
        assertFormatError(raw(#"{"a":{"shape":[2],"data_offsets":[0,8]}}"#, data), "'a': missing dtype")
        assertFormatError(raw(#"{"a":{"dtype":"F32","data_offsets":[0,8]}}"#, data), "'a': missing shape")
        assertFormatError(raw(#"{"a":{"dtype":"F32","shape":[2]}}"#, data), "'a': missing data_offsets")
        assertFormatError(raw(#"{"a":{"dtype":"F8","shape":[2],"data_offsets":[0,8]}}"#, data), "unknown dtype \"F8\"")
        assertFormatError(raw(#"{"a":{"dtype":4,"shape":[2],"data_offsets":[0,8]}}"#, data), "unknown dtype 4")
        assertFormatError(raw(#"{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}"#, data), "not a list of non-negative integers")
        assertFormatError(raw(#"{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}"#, data), "shape [2.5]")
        assertFormatError(raw(#"{"a":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}"#, data), "shape")
        assertFormatError(raw(#"{"a":{"dtype":"F32","shape":2,"data_offsets":[0,8]}}"#, data), "shape")
        assertFormatError(raw(#"{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}"#, data), "too large")
        assertFormatError(raw(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}"#, data), "not a valid range")
        assertFormatError(raw(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}"#, data), "not a valid range")
        assertFormatError(raw(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}"#, data), "exceed the 16-byte data block")
        assertFormatError(raw(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,9]}}"#, data), "not a pair of integers")
        assertFormatError(raw(#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8.5]}}"#, data), "not a pair of integers")
        assertFormatError(raw(#"{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}"#, data), "needs 12 bytes")
        assertFormatError(raw(#"{"a":{\#(entry)},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}"#, data), "'b' data_offsets [4, 12] overlap 'a'")
        assertFormatError(raw(#"{"b":{"dtype":"U8","shape":[16],"data_offsets":[0,16]},"a":{"dtype":"U8","shape":[1],"data_offsets":[15,16]}}"#, data), "overlap")
        assertFormatError(raw(#"{"a":{\#(entry)},"a":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}}"#, data), "duplicate tensor name 'a'")
        assertFormatError(raw(#"{"__metadata__":{"k":1},"a":{\#(entry)}}"#, data), "metadata value of 'k' is not a string")
        assertFormatError(raw(#"{"__metadata__":["k"],"a":{\#(entry)}}"#, data), "__metadata__ is not an object")
        assertFormatError(raw(#"{"__metadata__":{"k":"1","k":"2"}}"#, data), "duplicate metadata key 'k'")
        assertFormatError(raw(#"{"__metadata__":{},"__metadata__":{}}"#, data), "duplicate __metadata__")
        XCTAssertEqual(try SafeTensorsFile.parse(raw("{}    ")).entries.count, 0)
    }

    func testCorruptedHeaderBytesNeverCrash() throws {
        // Flip single bytes all over a real header: each result either parses or throws .format.
        let bytes = try readWholeFile(fixturePath("preprocess.safetensors"))
        let headerEnd = 8 + Int(bytes[0])
        for i in 0..<headerEnd {
            for value: UInt8 in [0x00, 0x22, 0x2C, 0x39, 0x5D, 0x7D, 0xFF] {
                var b = bytes
                b[i] = value
                do { _ = try SafeTensorsFile.parse(b) } catch let e as EngineError {
                    guard case .format = e else { return XCTFail("\(i): \(e)") }
                }
            }
        }
    }

    func testMissingFilesAndDirectories() throws {
        XCTAssertThrowsError(try SafeTensorsFile.read(path: "/nonexistent/x.safetensors")) {
            XCTAssertEqual($0 as? EngineError, .io("/nonexistent/x.safetensors: cannot open (No such file or directory)"))
        }
        XCTAssertThrowsError(try SafeTensorsFile.read(path: "/tmp")) { XCTAssertEqual($0 as? EngineError, .io("/tmp: not a regular file (a directory); only regular files are read")) }

        let dir = makeTestDirectory()
        defer { removeTestDirectory(dir) }
        var file = SafeTensorsFile()
        file.add("a", Tensor(shape: [2], data: [1, 2]))
        XCTAssertThrowsError(try file.write(path: "\(dir)/missing/x.safetensors")) { error in
            guard case EngineError.io(let m) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(m.hasPrefix("\(dir)/missing/x.safetensors: ") && m.contains("No such file or directory"), m)
        }
        // The target is a directory: the temporary file is written, the rename fails and it is removed.
        mkdir("\(dir)/occupied", 0o755)
        XCTAssertThrowsError(try file.write(path: "\(dir)/occupied")) { XCTAssertTrue("\($0)".contains("cannot move the new file into place"), "\($0)") }
        XCTAssertEqual(listDirectory(dir), ["occupied"])

        // Overwriting keeps the last version only, with no temporary files.
        try file.write(path: "\(dir)/x.safetensors")
        file.add("a", Tensor(shape: [1], data: [5]))
        try file.write(path: "\(dir)/x.safetensors")
        XCTAssertEqual(try SafeTensorsFile.read(path: "\(dir)/x.safetensors").tensor("a").data, [5])
        XCTAssertEqual(listDirectory(dir), ["occupied", "x.safetensors"])
    }

    /// Building, parsing and looking up every tensor by name take time linear in the number of tensors
    /// (the name lookups were a list search: 200,000 tensors took 54 s). Four times the tensors must take
    /// well under the 16 times a quadratic cost would.
    func testManyTensorsTakeLinearTime() throws {
        func seconds(_ count: Int) throws -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            var file = SafeTensorsFile()
            for i in 0..<count { file.add(SafeTensorEntry(name: "t\(i)", dtype: .f32, shape: [0], bytes: [])) }
            let parsed = try SafeTensorsFile.parse(file.serialize())
            for i in 0..<count { XCTAssertNotNil(parsed["t\(i)"]) }
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        }
        _ = try seconds(2_000)  // warm-up
        let small = try seconds(10_000), large = try seconds(40_000)
        XCTAssertLessThan(large / small, 8, "10,000 tensors: \(small) s, 40,000: \(large) s")
    }
}
