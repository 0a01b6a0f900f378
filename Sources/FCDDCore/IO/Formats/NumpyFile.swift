// Reading integer arrays from NumPy's .npy format (format versions 1-3): the magic "\x93NUMPY", two
// version bytes, a little-endian header length (2 bytes in v1, 4 in v2/v3), then a Python dict literal
// such as {'descr': '<i8', 'fortran_order': False, 'shape': (1500,), } and the raw data. Used for the
// fixed ImageNet-30 test order the original ships as imagenet30_test_random_order.npy (reference 7.5).

/// An integer array from a .npy file, flattened in C order.
public struct NumpyIntegerArray: Equatable {
    public var shape: [Int]
    public var values: [Int]

    /// Reads a C-ordered .npy file of a signed or unsigned integer type of 1, 2, 4 or 8 bytes in either
    /// byte order. Anything else (floats, objects, Fortran order, a damaged header) throws `.format`.
    public static func read(path: String) throws -> NumpyIntegerArray {
        let bytes = try readWholeFile(path)
        func bad(_ why: String) -> EngineError { .format("\(path): not a usable .npy integer array (\(why))") }
        let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw bad("bad magic") }
        let major = bytes[6]
        let lengthBytes = major == 1 ? 2 : 4
        guard (1...3).contains(major), bytes.count >= 8 + lengthBytes else { throw bad("unknown format version \(major)") }
        var headerLength = 0
        for i in (0..<lengthBytes).reversed() { headerLength = headerLength << 8 | Int(bytes[8 + i]) }
        let dataStart = 8 + lengthBytes + headerLength
        guard dataStart <= bytes.count else { throw bad("header longer than the file") }
        let header = String(decoding: bytes[(8 + lengthBytes)..<dataStart], as: UTF8.self)

        guard let descr = value(of: "descr", in: header), descr.count >= 3,
              descr.hasPrefix("'") && descr.hasSuffix("'") else { throw bad("no 'descr'") }
        let type = Array(descr.dropFirst().dropLast())
        guard type.count == 3, "<>|=".contains(type[0]), "iu".contains(type[1]),
              let size = Int(String(type[2])), [1, 2, 4, 8].contains(size) else {
            throw bad("element type \(descr) is not an integer type")
        }
        guard value(of: "fortran_order", in: header) == "False" else { throw bad("Fortran order is not supported") }
        guard let shapeText = value(of: "shape", in: header), shapeText.hasPrefix("("), shapeText.hasSuffix(")") else {
            throw bad("no 'shape'")
        }
        let dims = shapeText.dropFirst().dropLast().split(separator: ",").map { $0.trimmingSpaces }.filter { !$0.isEmpty }
        var shape = [Int]()
        for d in dims {
            guard let n = Int(d), n >= 0 else { throw bad("shape \(shapeText)") }
            shape.append(n)
        }
        guard let count = checkedProduct(shape), case let (needed, false) = count.multipliedReportingOverflow(by: size) else {
            throw bad("shape \(shapeText) too large")
        }
        guard bytes.count - dataStart == needed else {
            throw bad("\(bytes.count - dataStart) data bytes for \(count) elements of \(size) bytes")
        }
        let bigEndian = type[0] == ">", signed = type[1] == "i"
        var values = [Int](repeating: 0, count: count)
        for k in 0..<count {
            var raw: UInt64 = 0
            for b in 0..<size {
                let byte = UInt64(bytes[dataStart + k * size + (bigEndian ? b : size - 1 - b)])
                raw = raw << 8 | byte
            }
            if signed && size < 8 && raw >> (8 * UInt64(size) - 1) == 1 { raw |= ~0 << (8 * UInt64(size)) }
            if signed { values[k] = Int(Int64(bitPattern: raw)) }
            else {
                guard raw <= UInt64(Int.max) else { throw bad("value \(raw) too large") }
                values[k] = Int(raw)
            }
        }
        return NumpyIntegerArray(shape: shape, values: values)
    }

    /// The text after `'key':` up to the next top-level comma or the closing brace.
    private static func value(of key: String, in header: String) -> String? {
        guard let keyRange = header.firstRange(of: "'\(key)':") else { return nil }
        var depth = 0, out = ""
        for ch in header[keyRange.upperBound...] {
            if ch == "(" { depth += 1 }
            if ch == ")" { depth -= 1 }
            if depth == 0 && (ch == "," || ch == "}") { break }
            out.append(ch)
        }
        return out.trimmingSpaces
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks.
    var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
