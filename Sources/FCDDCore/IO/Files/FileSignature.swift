// What a file is, from its first bytes, for errors that name it: a user who hands a PNG, an ONNX graph
// or a PyTorch checkpoint where a model file belongs should read "this is a PNG image", not a header
// length of 727905341920923785.

public enum FileSignature {
    /// The kind of file `bytes` starts like, in words ("a PNG image"), or nil when unknown.
    public static func describe(_ bytes: [UInt8], path: String) -> String? {
        func starts(_ prefix: [UInt8]) -> Bool { bytes.starts(with: prefix) }
        let lower = path.lowercased()
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "a PNG image" }
        if starts([0xFF, 0xD8, 0xFF]) { return "a JPEG image" }
        if starts([0x50, 0x4B, 0x03, 0x04]) || starts([0x50, 0x4B, 0x05, 0x06]) {
            return "a zip archive (a PyTorch .pth/.pt checkpoint? fcdd_swift.load_torch_checkpoint reads the original's)"
        }
        if starts([0x1F, 0x8B]) { return "a gzip-compressed file" }
        if bytes.count >= 2 && bytes[0] == 0x80 && (2...5).contains(bytes[1]) { return "a Python pickle" }
        if lower.hasSuffix(".onnx") || (bytes.first == 0x08 && containsASCII(bytes.prefix(256), "onnx")) {
            return "an ONNX graph (an export for onnxruntime; the engine reads the model file it was exported from)"
        }
        let head = bytes.prefix(512)
        if !head.isEmpty && head.allSatisfy({ $0 == 9 || $0 == 10 || $0 == 13 || ($0 >= 32 && $0 != 127) }) {
            return "a text file" + (head.first == UInt8(ascii: "{") ? " (JSON)" : "")
        }
        return nil
    }

    static func containsASCII(_ bytes: ArraySlice<UInt8>, _ word: String) -> Bool {
        let w = Array(word.utf8)
        guard bytes.count >= w.count else { return false }
        let a = Array(bytes)
        return (0...(a.count - w.count)).contains { Array(a[$0..<($0 + w.count)]) == w }
    }
}
