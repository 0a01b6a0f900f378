import XCTest
@testable import FCDDCore

/// PyTorch checkpoints (IO/TorchCheckpoint.swift) from the fixtures of Fixtures/make_torch_checkpoints.py
/// in both layouts; the pickle vocabularies, each refusing the others' globals; and damaged files, which
/// must end in a format error, never a trap.
final class TorchCheckpointTests: XCTestCase {
    let fixtures = ["torch_state_dict.pth", "torch_state_dict_legacy.pth"]

    func fixture(_ name: String) throws -> [UInt8] { try readWholeFile(fixturePath(name)) }

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    func testBothLayoutsGiveTheSameTensors() throws {
        let values = (0..<12).map { Float($0) - 3.5 }
        for name in fixtures {
            let file = try TorchCheckpoint.parse(try fixture(name), source: name)
            XCTAssertEqual(file.entries.map(\.name), ["conv.weight", "conv.weight_t", "conv.bias", "half", "double", "int",
                                                      "byte", "mask", "bf16", "bn.num_batches_tracked"], name)
            XCTAssertEqual(try file.tensor("conv.weight").shape, [3, 4])
            XCTAssertEqual(try file.tensor("conv.weight").data, values)
            // The transposed view (stride 1, 4) comes out in C order: element [i][j] is storage[i + 4 j].
            XCTAssertEqual(try file.tensor("conv.weight_t").shape, [4, 3])
            XCTAssertEqual(try file.tensor("conv.weight_t").data, (0..<12).map { values[$0 / 3 + ($0 % 3) * 4] })
            XCTAssertEqual(try file.tensor("conv.bias").data, Array(values[5..<11]))
            // The file's double 1e-300 has no float32 neighbour but 0: the engine's tensors are float32.
            let expected: [(String, DType, [Int], [Float])] = [
                ("half", .f16, [3], [1.5, -2.25, 65504]), ("double", .f64, [1, 2], [0, -2]),
                ("int", .i32, [5], [-2, -1, 0, 1, 2]), ("byte", .u8, [3], [0, 7, 255]), ("mask", .bool, [3], [1, 0, 1]),
                ("bf16", .bf16, [2, 2], [1, -2.5, 3.140625, 65280]), ("bn.num_batches_tracked", .i64, [], [7]),
            ]
            for (key, dtype, shape, data) in expected {
                XCTAssertEqual(file[key]?.dtype, dtype, "\(name) \(key)")
                XCTAssertEqual(file[key]?.shape, shape, "\(name) \(key)")
                XCTAssertEqual(try file.tensor(key).data, data, "\(name) \(key)")
            }
        }
    }

    func testWeightsFilesAreToldApartByContentNotName() throws {
        let dir = makeTestDirectory()
        let pth = try writeFormatTestFile(try fixture("torch_state_dict_legacy.pth"), dir, "named.safetensors")
        XCTAssertEqual(try readWeightsFile(path: pth)["conv.weight"]?.shape, [3, 4])
        var safetensors = SafeTensorsFile()
        safetensors.add("features.0.bias", Tensor(shape: [2], data: [1, 2]))
        try safetensors.write(path: dir + "/named.pth")
        XCTAssertEqual(try readWeightsFile(path: dir + "/named.pth")["features.0.bias"]?.shape, [2])
    }

    func testTheCIFARVocabularyStillRefusesTorchGlobals() {
        for global in ["torch._utils\n_rebuild_tensor_v2", "collections\nOrderedDict", "torch\nFloatStorage"] {
            let pickle: [UInt8] = [0x80, 0x02, 0x63] + bytes(global + "\n") + [0x2E]
            let dotted = global.split(separator: "\n").joined(separator: ".")
            assertReaderError(try readPickle(pickle, source: "cifar"),
                              contains: ["global '\(dotted)' is not allowed (only numpy array reconstruction is)"])
        }
        // BINPERSID is part of the torch vocabulary only.
        assertReaderError(try readPickle([0x80, 0x02, 0x4E, 0x51, 0x2E], source: "pid"), contains: ["opcode 0x51 is not allowed"])
        // The header pickles of the legacy layout may name no global at all.
        assertReaderError(try readPickle([0x80, 0x02, 0x63] + bytes("collections\nOrderedDict\n") + [0x2E], source: "plain",
                                         vocabulary: .plainData), contains: ["is not allowed (only plain data is)"])
    }

    func testTheTorchVocabularyRefusesEverythingElse() {
        let system: [UInt8] = [0x80, 0x02, 0x63] + bytes("os\nsystem\n") + [0x55, 0x02] + bytes("ls") + [0x85, 0x52, 0x2E]
        assertReaderError(try readPickle(system, source: "evil", vocabulary: .torchStateDict),
                          contains: ["evil", "global 'os.system' is not allowed (only a PyTorch state dict of tensors is)"])
        let eval: [UInt8] = [0x80, 0x04, 0x8C, 0x08] + bytes("builtins") + [0x8C, 0x04] + bytes("eval") + [0x93, 0x2E]
        assertReaderError(try readPickle(eval, source: "evil", vocabulary: .torchStateDict), contains: ["global 'builtins.eval' is not allowed"])
        for global in ["numpy.core.multiarray\n_reconstruct", "_codecs\nencode", "torch\nComplexFloatStorage",
                       "torch._utils\n_rebuild_parameter", "torch\nTensor"] {
            let pickle: [UInt8] = [0x80, 0x02, 0x63] + bytes(global + "\n") + [0x2E]
            assertReaderError(try readPickle(pickle, source: "t", vocabulary: .torchStateDict), contains: ["is not allowed"])
        }
        // A storage type is only the type inside a persistent id; calling it is refused.
        let called: [UInt8] = [0x80, 0x02, 0x63] + bytes("torch\nFloatStorage\n") + [0x29, 0x52, 0x2E]
        assertReaderError(try readPickle(called, source: "t", vocabulary: .torchStateDict), contains: ["may only name the type of a persistent id"])
        // A persistent id must be ('storage', <storage type>, key, location, numel).
        let module: [UInt8] = [0x80, 0x02, 0x28, 0x8C, 0x06] + bytes("module") + [0x4E, 0x74, 0x51, 0x2E]
        assertReaderError(try readPickle(module, source: "t", vocabulary: .torchStateDict), contains: ["a persistent id must be ('storage'"])
        let untyped: [UInt8] = [0x80, 0x02, 0x28, 0x8C, 0x07] + bytes("storage") + [0x4E, 0x8C, 0x01, 0x30, 0x8C, 0x03] + bytes("cpu")
            + [0x4B, 0x02, 0x74, 0x51, 0x2E]
        assertReaderError(try readPickle(untyped, source: "t", vocabulary: .torchStateDict), contains: ["storage type must be one of torch.FloatStorage"])
        // BUILD sets attributes of an OrderedDict only, never of a plain dict.
        assertReaderError(try readPickle([0x80, 0x02, 0x7D, 0x7D, 0x62, 0x2E], source: "t", vocabulary: .torchStateDict),
                          contains: ["BUILD on dict is not allowed"])
    }

    /// Every truncation ends in a format error; single-byte corruptions in a format error or a valid
    /// result (the legacy layout has no checksum over its data); neither ever traps.
    func testTruncationsAndCorruptionsNeverTrap() throws {
        var random = RandomSource(seed: 11)
        for name in fixtures {
            let bytes = try fixture(name)
            for cut in 0..<bytes.count {
                XCTAssertThrowsError(try TorchCheckpoint.parse(Array(bytes.prefix(cut)), source: "cut")) { error in
                    guard case EngineError.format = error else { return XCTFail("\(name) cut at \(cut): \(error)") }
                }
            }
            for _ in 0..<3000 {
                var corrupt = bytes
                let position = Int(random.next() % UInt64(bytes.count))
                corrupt[position] ^= UInt8(1 + random.next() % 255)
                do {
                    _ = try TorchCheckpoint.parse(corrupt, source: "flip")
                } catch {
                    guard case EngineError.format = error else { return XCTFail("\(name) byte \(position): \(error)") }
                }
            }
        }
    }
}
