// A small JSON reader and writer (RFC 8259) for safetensors headers, network descriptions and the C
// ABI. The engine avoids Foundation so that the shared library links statically and stays small.

/// A parsed JSON document. Objects keep their keys in file order (and keep duplicate keys, so that
/// callers such as the safetensors reader can reject them with a precise message).
public enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    /// Structural equality; objects compare key by key in order (tuples are not Equatable, hence manual).
    public static func == (a: JSONValue, b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.bool(let x), .bool(let y)): return x == y
        case (.number(let x), .number(let y)): return x == y
        case (.string(let x), .string(let y)): return x == y
        case (.array(let x), .array(let y)): return x == y
        case (.object(let x), .object(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// The first value stored under `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o.first { $0.0 == key }?.1 }
        return nil
    }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var doubleValue: Double? { if case .number(let d) = self { return d }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: [(String, JSONValue)]? { if case .object(let o) = self { return o }; return nil }
    /// The number as an `Int` when it is integral and representable (1.5, 1e300 and NaN give nil).
    public var intValue: Int? { doubleValue.flatMap { Int(exactly: $0) } }

    /// Parses a complete JSON text; anything but whitespace after the value is an error.
    public static func parse(_ text: String) throws -> JSONValue { try parse(Array(text.utf8)) }

    /// Parses a complete JSON text given as UTF-8 bytes. Errors are `.format` with the byte offset.
    public static func parse(_ bytes: [UInt8]) throws -> JSONValue {
        var p = JSONParser(bytes: bytes)
        let v = try p.value(depth: 1)
        p.skipSpace()
        guard p.at == bytes.count else { throw p.error("unexpected trailing characters") }
        return v
    }

    /// Compact JSON text (no spaces). Integral numbers below 2^53 print without a fraction so that
    /// shapes and offsets read naturally; other numbers use Swift's shortest round-trip form.
    public func serialized() -> String {
        var out = ""
        write(&out)
        return out
    }

    /// Indented JSON text for files people read (config.json, history.json); arrays of plain numbers
    /// stay on one line so that long curves remain compact.
    public func prettyPrinted(indent: String = "") -> String {
        let inner = indent + "  "
        switch self {
        case .array(let a) where !a.isEmpty && a.contains(where: { if case .array = $0 { return true }; if case .object = $0 { return true }; return false }):
            return "[\n" + a.map { inner + $0.prettyPrinted(indent: inner) }.joined(separator: ",\n") + "\n" + indent + "]"
        case .object(let o) where !o.isEmpty:
            return "{\n" + o.map { k, v in
                var key = ""
                JSONValue.writeString(k, &key)
                return inner + key + ": " + v.prettyPrinted(indent: inner)
            }.joined(separator: ",\n") + "\n" + indent + "}"
        default:
            return serialized()
        }
    }

    private func write(_ out: inout String) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let d):
            // JSON has no NaN or infinity; null is what JavaScript's JSON.stringify writes for them.
            if !d.isFinite { out += "null" }
            else if d.rounded() == d && abs(d) < 9_007_199_254_740_992 { out += String(Int64(d)) }
            else { out += "\(d)" }
        case .string(let s): JSONValue.writeString(s, &out)
        case .array(let a):
            out += "["
            for (i, v) in a.enumerated() { if i > 0 { out += "," }; v.write(&out) }
            out += "]"
        case .object(let o):
            out += "{"
            for (i, (k, v)) in o.enumerated() {
                if i > 0 { out += "," }
                JSONValue.writeString(k, &out)
                out += ":"
                v.write(&out)
            }
            out += "}"
        }
    }

    private static func writeString(_ s: String, _ out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            default:
                if u.value < 0x20 {
                    let hex = String(u.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }
}

/// Recursive-descent parser over UTF-8 bytes. Every read is bounds-checked, so no input can trap.
private struct JSONParser {
    let bytes: [UInt8]
    var at = 0

    /// Deep enough for any real document, shallow enough that the recursion cannot exhaust the stack
    /// of a small thread (the library is called from Python threads).
    static let maxDepth = 512

    init(bytes: [UInt8]) { self.bytes = bytes }

    func error(_ what: String) -> EngineError { .format("invalid JSON at byte \(at): \(what)") }

    var peek: UInt8? { at < bytes.count ? bytes[at] : nil }

    /// A byte for an error message: printable ASCII as itself, anything else in hex.
    func describe(_ b: UInt8) -> String {
        (0x21..<0x7F).contains(b) ? "character '\(Unicode.Scalar(b))'" : "byte 0x\(String(b, radix: 16, uppercase: true))"
    }

    mutating func skipSpace() {
        while let b = peek, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { at += 1 }
    }

    mutating func literal(_ word: String, _ v: JSONValue) throws -> JSONValue {
        for b in word.utf8 {
            guard peek == b else { throw error("invalid literal, expected '\(word)'") }
            at += 1
        }
        return v
    }

    mutating func value(depth: Int) throws -> JSONValue {
        skipSpace()
        guard let b = peek else { throw error("unexpected end of input") }
        switch b {
        case UInt8(ascii: "n"): return try literal("null", .null)
        case UInt8(ascii: "t"): return try literal("true", .bool(true))
        case UInt8(ascii: "f"): return try literal("false", .bool(false))
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            guard depth <= JSONParser.maxDepth else { throw error("nesting deeper than \(JSONParser.maxDepth)") }
            return b == UInt8(ascii: "[") ? try array(depth: depth) : try object(depth: depth)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw error("unexpected \(describe(b))")
        }
    }

    mutating func array(depth: Int) throws -> JSONValue {
        at += 1
        var items = [JSONValue]()
        skipSpace()
        if peek == UInt8(ascii: "]") { at += 1; return .array(items) }
        while true {
            items.append(try value(depth: depth + 1))
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): at += 1
            case UInt8(ascii: "]"): at += 1; return .array(items)
            case nil: throw error("unterminated array")
            default: throw error("expected ',' or ']' in array")
            }
        }
    }

    mutating func object(depth: Int) throws -> JSONValue {
        at += 1
        var items = [(String, JSONValue)]()
        skipSpace()
        if peek == UInt8(ascii: "}") { at += 1; return .object(items) }
        while true {
            skipSpace()
            guard peek == UInt8(ascii: "\"") else { throw error("expected a string key in object") }
            let key = try string()
            skipSpace()
            guard peek == UInt8(ascii: ":") else { throw error("expected ':' after object key") }
            at += 1
            items.append((key, try value(depth: depth + 1)))
            skipSpace()
            switch peek {
            case UInt8(ascii: ","): at += 1
            case UInt8(ascii: "}"): at += 1; return .object(items)
            case nil: throw error("unterminated object")
            default: throw error("expected ',' or '}' in object")
            }
        }
    }

    /// Checks the strict RFC grammar first, because Double(String) also accepts "1.", "+1", ".5", "0x1p3",
    /// "nan" and leading zeros.
    mutating func number() throws -> Double {
        let start = at
        func digits() -> Int {
            let from = at
            while let b = peek, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { at += 1 }
            return at - from
        }
        if peek == UInt8(ascii: "-") { at += 1 }
        if peek == UInt8(ascii: "0") {
            at += 1
            if let b = peek, b >= UInt8(ascii: "0"), b <= UInt8(ascii: "9") { throw error("leading zero in number") }
        } else if digits() == 0 { throw error("invalid number") }
        if peek == UInt8(ascii: ".") {
            at += 1
            guard digits() > 0 else { throw error("digit expected after decimal point") }
        }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            at += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { at += 1 }
            guard digits() > 0 else { throw error("digit expected in exponent") }
        }
        let text = String(decoding: bytes[start..<at], as: UTF8.self)
        guard let d = Double(text), d.isFinite else { throw error("number \(text) is out of range") }
        return d
    }

    mutating func hex4() throws -> UInt32 {
        var v: UInt32 = 0
        for _ in 0..<4 {
            guard let b = peek else { throw error("unterminated \\u escape") }
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw error("invalid hex digit in \\u escape")
            }
            v = v << 4 | UInt32(digit)
            at += 1
        }
        return v
    }

    mutating func string() throws -> String {
        at += 1  // opening quote
        var out = ""
        while true {
            // Copy a run of plain bytes at once; UTF-8 validity is checked per run.
            let runStart = at
            while let b = peek, b != UInt8(ascii: "\""), b != UInt8(ascii: "\\"), b >= 0x20 { at += 1 }
            if at > runStart {
                guard let s = String(validating: bytes[runStart..<at], as: UTF8.self) else {
                    at = runStart
                    throw error("invalid UTF-8 in string")
                }
                out += s
            }
            guard let b = peek else { throw error("unterminated string") }
            at += 1
            if b == UInt8(ascii: "\"") { return out }
            if b < 0x20 { at -= 1; throw error("unescaped control character in string") }
            guard let e = peek else { throw error("unterminated escape in string") }
            at += 1
            switch e {
            case UInt8(ascii: "\""): out += "\""
            case UInt8(ascii: "\\"): out += "\\"
            case UInt8(ascii: "/"): out += "/"
            case UInt8(ascii: "b"): out += "\u{08}"
            case UInt8(ascii: "f"): out += "\u{0C}"
            case UInt8(ascii: "n"): out += "\n"
            case UInt8(ascii: "r"): out += "\r"
            case UInt8(ascii: "t"): out += "\t"
            case UInt8(ascii: "u"):
                var v = try hex4()
                if (0xDC00..<0xE000).contains(v) { throw error("unpaired low surrogate \\u\(String(v, radix: 16))") }
                if (0xD800..<0xDC00).contains(v) {
                    guard peek == UInt8(ascii: "\\"), at + 1 < bytes.count, bytes[at + 1] == UInt8(ascii: "u") else {
                        throw error("high surrogate not followed by a low surrogate")
                    }
                    at += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("high surrogate not followed by a low surrogate") }
                    v = 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let u = Unicode.Scalar(v) else { throw error("invalid code point") }
                out.unicodeScalars.append(u)
            default: throw error("invalid escape: backslash followed by \(describe(e))")
            }
        }
    }
}

/// Writes `value` indented (`prettyPrinted`) with a final newline, atomically.
/// The JSON value in the file at `path`.
public func readJSONFile(path: String) throws -> JSONValue {
    try JSONValue.parse(try readWholeFile(path))
}

public func writeJSONFile(_ value: JSONValue, to path: String) throws {
    try writeFileAtomically(Array((value.prettyPrinted() + "\n").utf8), to: path)
}
