import XCTest
@testable import FCDDCore

/// The CIFAR python release through the strict pickle reader. Fixtures come from
/// Fixtures/make_cifar_pickles.py: pixel n, byte i = (37 n + 7 i + 11) % 256.
final class CIFARPickleTests: XCTestCase {
    func expectedPixels(_ count: Int) -> [UInt8] {
        var out: [UInt8] = []
        for n in 0..<count {
            for i in 0..<3072 { out.append(UInt8((37 * n + 7 * i + 11) % 256)) }
        }
        return out
    }

    func fixture(_ name: String) throws -> [UInt8] { try readWholeFile(fixturePath(name)) }

    func testOfficialPython2Protocol2Layout() throws {
        let batch = try parseCIFARPickle(try fixture("cifar10_py2_protocol2.pkl"), variant: .cifar10, source: "py2")
        XCTAssertEqual(batch.labels, [6, 9, 0])
        XCTAssertEqual(batch.pixels, expectedPixels(3))
    }

    func testPython3Protocols2To5() throws {
        for name in ["cifar100_py3_protocol2.pkl", "cifar100_py3_protocol5.pkl"] {
            let batch = try parseCIFARPickle(try fixture(name), variant: .cifar100, source: name)
            XCTAssertEqual(batch.labels, [19, 99], name)  // fine labels, not the coarse [11, 19]
            XCTAssertEqual(batch.pixels, expectedPixels(2), name)
        }
        let batch = try parseCIFARPickle(try fixture("cifar10_py3_protocol4.pkl"), variant: .cifar10, source: "p4")
        XCTAssertEqual(batch.labels, [6, 9, 0])
        XCTAssertEqual(batch.pixels, expectedPixels(3))
    }

    func testSourcesFromThePythonReleaseLayout() throws {
        let dir = makeTestDirectory()
        let py2 = try fixture("cifar10_py2_protocol2.pkl"), p4 = try fixture("cifar10_py3_protocol4.pkl")
        for batch in 1...5 { try writeFormatTestFile(batch % 2 == 0 ? py2 : p4, dir, "cifar-10-batches-py/data_batch_\(batch)") }
        try writeFormatTestFile(py2, dir, "cifar-10-batches-py/test_batch")
        // A binary release next to it is not mixed in: the python release comes first.
        try writeFormatTestFile([UInt8](repeating: 1, count: 3073), dir, "cifar-10-batches-bin/test_batch.bin")
        let train = try CIFARImageSource.cifar10(datadir: dir, train: true)
        XCTAssertEqual(train.count, 15)
        XCTAssertEqual((0..<6).map(train.classLabel), [6, 9, 0, 6, 9, 0])
        let image = try train.image(at: 14)
        XCTAssertEqual([image.channels, image.height, image.width], [3, 32, 32])
        XCTAssertEqual(image.pixels, Array(expectedPixels(3)[6144...]))
        XCTAssertEqual(try CIFARImageSource.cifar10(datadir: dir, train: false).count, 3)

        try writeFormatTestFile(try fixture("cifar100_py3_protocol2.pkl"), dir, "cifar100/cifar-100-python/train")
        let c100 = try CIFARImageSource.cifar100(datadir: dir, train: true)
        XCTAssertEqual([c100.classLabel(at: 0), c100.classLabel(at: 1)], [19, 99])
        // Without the cifar100 folder, a release directly under datadir is found too.
        try writeFormatTestFile(try fixture("cifar100_py3_protocol5.pkl"), dir, "cifar-100-python/test")
        XCTAssertEqual(try CIFARImageSource.cifar100(datadir: dir, train: false).count, 2)
    }

    func testWrongVariantOrShapeIsAFormatError() throws {
        assertReaderError(try parseCIFARPickle(try fixture("cifar10_py2_protocol2.pkl"), variant: .cifar100, source: "c10"),
                          contains: ["c10", "'fine_labels'", "labels"])
        var int8 = try fixture("cifar10_py2_protocol2.pkl")
        let u1: [UInt8] = [0x55, 0x02, 0x75, 0x31]  // SHORT_BINSTRING 'u1'
        let at = try XCTUnwrap(firstIndex(of: u1, in: int8))
        int8[at + 2] = 0x69  // 'i1'
        assertReaderError(try parseCIFARPickle(int8, variant: .cifar10, source: "i1"), contains: ["i1", "only uint8"])
        var shape = try fixture("cifar10_py2_protocol2.pkl")
        let columns: [UInt8] = [0x4D, 0x00, 0x0C]  // BININT2 3072
        let c = try XCTUnwrap(firstIndex(of: columns, in: shape))
        shape[c + 1] = 0xFF; shape[c + 2] = 0x0B  // 3071
        assertReaderError(try parseCIFARPickle(shape, variant: .cifar10, source: "s"), contains: ["shape [3, 3071] needs 9213 bytes"])
        var label = try fixture("cifar10_py2_protocol2.pkl")
        let nine: [UInt8] = [0x4B, 0x09, 0x4B, 0x00, 0x65]  // K 9, K 0, APPENDS
        let l = try XCTUnwrap(firstIndex(of: nine, in: label))
        label[l + 1] = 10
        assertReaderError(try parseCIFARPickle(label, variant: .cifar10, source: "l"), contains: ["label 1 is 10"])
    }

    func testForeignGlobalsAndCodeOpcodesAreRejected() throws {
        let system: [UInt8] = [0x80, 0x02] + Array("cos\nsystem\n".utf8) + [0x55, 0x02] + Array("ls".utf8) + [0x85, 0x52, 0x2E]
        assertReaderError(try readPickle(system, source: "evil"), contains: ["evil", "global 'os.system' is not allowed"])
        let eval: [UInt8] = [0x80, 0x04, 0x8C, 0x08] + Array("builtins".utf8) + [0x8C, 0x04] + Array("eval".utf8) + [0x93, 0x2E]
        assertReaderError(try readPickle(eval, source: "evil"), contains: ["global 'builtins.eval' is not allowed"])
        // NEWOBJ, INST, OBJ, PERSID, protocol-0 text forms: not part of the data format.
        for op: UInt8 in [0x81, 0x69, 0x6F, 0x50, 0x49, 0x53, 0x56] {
            assertReaderError(try readPickle([0x80, 0x02, op, 0x2E], source: "op"), contains: ["opcode 0x\(String(op, radix: 16))"])
        }
        // A known callable with the wrong argument shapes is still refused.
        let badReduce: [UInt8] = [0x80, 0x02] + Array("c_codecs\nencode\n".utf8) + [0x4B, 0x01, 0x85, 0x52, 0x2E]
        assertReaderError(try readPickle(badReduce, source: "r"), contains: ["_codecs.encode is accepted only"])
        assertReaderError(try readPickle([0x80, 0x01, 0x2E], source: "p"), contains: ["protocol 1"])
    }

    func testMemoNestingAndStackErrors() throws {
        // LONG_BINPUT / LONG_BINGET: [7, 7]
        let memo: [UInt8] = [0x80, 0x02, 0x5D, 0x4B, 0x07, 0x72, 0x2C, 0x01, 0x00, 0x00, 0x61, 0x6A, 0x2C, 0x01, 0x00, 0x00, 0x61, 0x2E]
        XCTAssertEqual(try readPickle(memo, source: "m").sequence?.compactMap(\.integer), [7, 7])
        assertReaderError(try readPickle([0x80, 0x02, 0x68, 0x05, 0x2E], source: "g"), contains: ["memo entry 5"])
        // 40 nested tuples exceed the depth limit; the error comes before anything is torn down recursively.
        let deep: [UInt8] = [0x80, 0x02, 0x29] + [UInt8](repeating: 0x85, count: 40) + [0x2E]
        assertReaderError(try readPickle(deep, source: "d"), contains: ["nested deeper"])
        // A list appended to itself.
        assertReaderError(try readPickle([0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E], source: "c"), contains: ["contains itself"])
        assertReaderError(try readPickle([0x80, 0x02, 0x61, 0x2E], source: "u"), contains: ["stack underflow"])
        assertReaderError(try readPickle([0x80, 0x02, 0x28, 0x2E], source: "s"), contains: ["STOP"])
        assertReaderError(try readPickle([0x80, 0x02, 0x4B], source: "t"), contains: ["truncated"])
        assertReaderError(try readPickle([0x80, 0x02, 0x54, 0xFF, 0xFF, 0xFF, 0xFF, 0x2E], source: "n"), contains: ["truncated"])
        assertReaderError(try readPickle([0x80, 0x04, 0x8E] + [UInt8](repeating: 0xFF, count: 8), source: "l"), contains: ["exceeds"])
        assertReaderError(try parseCIFARPickle([0x80, 0x02, 0x5D, 0x2E], variant: .cifar10, source: "list"), contains: ["does not hold a dict"])
    }

    /// Every truncation and many single-byte corruptions end in an error or a valid result, never a trap.
    func testTruncatedAndCorruptedFixturesNeverCrash() throws {
        for name in ["cifar10_py2_protocol2.pkl", "cifar100_py3_protocol2.pkl", "cifar100_py3_protocol5.pkl", "cifar10_py3_protocol4.pkl"] {
            let bytes = try fixture(name)
            let variant: CIFARVariant = name.hasPrefix("cifar100") ? .cifar100 : .cifar10
            for cut in Array(0..<300) + stride(from: 300, to: bytes.count, by: 97).map({ $0 }) {
                assertReaderError(try parseCIFARPickle(Array(bytes.prefix(cut)), variant: variant, source: "cut"), contains: ["cut"])
            }
            for position in Array(0..<400) + stride(from: 400, to: bytes.count, by: 211).map({ $0 }) {
                for flip: UInt8 in [0x01, 0x80, 0xFF] {
                    var corrupt = bytes
                    corrupt[position] ^= flip
                    do { _ = try parseCIFARPickle(corrupt, variant: variant, source: "flip") } catch is EngineError {}
                }
            }
        }
    }

    private func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        return (0...(haystack.count - needle.count)).first { haystack[$0..<($0 + needle.count)].elementsEqual(needle) }
    }
}
