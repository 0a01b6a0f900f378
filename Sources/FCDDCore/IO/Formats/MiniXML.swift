// A small, strict XML reader for annotation files (Pascal VOC). It handles elements, attributes,
// character data with the predefined and numeric entities, CDATA, comments, processing instructions and
// a DOCTYPE without internal subset. Anything malformed (mismatched tags, bad entities, text outside the
// root) is an error with the byte offset; there are no external entities or DTDs to resolve.

/// An XML element: name, attributes in file order, child elements and the concatenated character data
/// directly inside it.
public struct MiniXMLElement: Equatable {
    public var name: String
    public var attributes: [String: String]
    public var children: [MiniXMLElement]
    public var text: String

    /// Child elements with the given name.
    public func children(named name: String) -> [MiniXMLElement] { children.filter { $0.name == name } }

    /// Parses a document and returns its root element.
    public static func parse(_ bytes: [UInt8], source: String) throws -> MiniXMLElement {
        var parser = MiniXMLParser(bytes: bytes, source: source)
        return try parser.document()
    }
}

private struct MiniXMLParser {
    let bytes: [UInt8]
    let source: String
    var at = 0

    init(bytes: [UInt8], source: String) {
        self.bytes = bytes; self.source = source
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { at = 3 }  // UTF-8 byte order mark
    }

    func error(_ what: String) -> EngineError { .format("\(source): invalid XML at byte \(at): \(what)") }

    func starts(_ s: String) -> Bool { bytes[at...].starts(with: s.utf8) }

    mutating func skipSpace() {
        while at < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[at]) { at += 1 }
    }

    /// Skips past `terminator`; throws when it never comes.
    mutating func skip(past terminator: String, what: String) throws {
        let t = Array(terminator.utf8)
        while at + t.count <= bytes.count {
            if bytes[at..<(at + t.count)].elementsEqual(t) { at += t.count; return }
            at += 1
        }
        throw error("unterminated \(what)")
    }

    /// Comments, processing instructions, DOCTYPE and white space between markup.
    mutating func skipMisc() throws {
        while true {
            skipSpace()
            if starts("<!--") { try skip(past: "-->", what: "comment") }
            else if starts("<?") { try skip(past: "?>", what: "processing instruction") }
            else if starts("<!DOCTYPE") {
                if bytes[at...].prefix(while: { $0 != UInt8(ascii: ">") }).contains(UInt8(ascii: "[")) {
                    throw error("DOCTYPE with an internal subset is not supported")
                }
                try skip(past: ">", what: "DOCTYPE")
            } else { return }
        }
    }

    mutating func document() throws -> MiniXMLElement {
        try skipMisc()
        guard at < bytes.count, bytes[at] == UInt8(ascii: "<") else { throw error("expected the root element") }
        let root = try element(depth: 0)
        try skipMisc()
        guard at == bytes.count else { throw error("content after the root element") }
        return root
    }

    mutating func name() throws -> String {
        let start = at
        while at < bytes.count {
            let b = bytes[at]
            let ok = b >= 0x80 || (b >= UInt8(ascii: "a") && b <= UInt8(ascii: "z")) || (b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z"))
                || (at > start && ((b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9")) || b == UInt8(ascii: "-") || b == UInt8(ascii: ".")))
                || b == UInt8(ascii: "_") || b == UInt8(ascii: ":")
            if !ok { break }
            at += 1
        }
        guard at > start else { throw error("expected a name") }
        return String(decoding: bytes[start..<at], as: UTF8.self)
    }

    mutating func element(depth: Int) throws -> MiniXMLElement {
        guard depth < 256 else { throw error("elements nested deeper than 256") }
        at += 1  // "<"
        var element = MiniXMLElement(name: try name(), attributes: [:], children: [], text: "")
        while true {
            skipSpace()
            guard at < bytes.count else { throw error("unterminated start tag <\(element.name)>") }
            if starts("/>") { at += 2; return element }
            if bytes[at] == UInt8(ascii: ">") { at += 1; break }
            let key = try name()
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: "=") else { throw error("expected '=' after attribute \(key)") }
            at += 1
            skipSpace()
            guard at < bytes.count, bytes[at] == UInt8(ascii: "\"") || bytes[at] == UInt8(ascii: "'") else {
                throw error("attribute \(key) needs a quoted value")
            }
            let quote = bytes[at]
            at += 1
            guard let end = bytes[at...].firstIndex(of: quote) else { throw error("unterminated attribute \(key)") }
            guard element.attributes[key] == nil else { throw error("duplicate attribute \(key)") }
            element.attributes[key] = try decodeText(bytes[at..<end])
            at = end + 1
        }
        // Content up to the matching end tag.
        var text = [UInt8]()
        while true {
            guard at < bytes.count else { throw error("missing </\(element.name)>") }
            if starts("</") {
                at += 2
                let closing = try name()
                guard closing == element.name else { throw error("</\(closing)> closes <\(element.name)>") }
                skipSpace()
                guard at < bytes.count, bytes[at] == UInt8(ascii: ">") else { throw error("malformed end tag </\(closing)") }
                at += 1
                element.text = try decodeText(text[...])
                return element
            }
            if starts("<!--") { try skip(past: "-->", what: "comment") }
            else if starts("<![CDATA[") {
                at += 9
                let start = at
                try skip(past: "]]>", what: "CDATA section")
                // CDATA is literal: escape '&' so that decodeText passes it through unchanged.
                for b in bytes[start..<(at - 3)] { text += b == UInt8(ascii: "&") ? Array("&amp;".utf8) : [b] }
            } else if starts("<?") { try skip(past: "?>", what: "processing instruction") }
            else if bytes[at] == UInt8(ascii: "<") { element.children.append(try self.element(depth: depth + 1)) }
            else { text.append(bytes[at]); at += 1 }
        }
    }

    /// Character data with entity references replaced.
    func decodeText(_ raw: ArraySlice<UInt8>) throws -> String {
        guard raw.contains(UInt8(ascii: "&")) else { return String(decoding: raw, as: UTF8.self) }
        var out = [UInt8](), i = raw.startIndex
        while i < raw.endIndex {
            guard raw[i] == UInt8(ascii: "&") else { out.append(raw[i]); i += 1; continue }
            guard let semi = raw[i...].firstIndex(of: UInt8(ascii: ";")), semi - i <= 10 else { throw error("unterminated entity reference") }
            let entity = String(decoding: raw[(i + 1)..<semi], as: UTF8.self)
            switch entity {
            case "lt": out.append(UInt8(ascii: "<"))
            case "gt": out.append(UInt8(ascii: ">"))
            case "amp": out.append(UInt8(ascii: "&"))
            case "quot": out.append(UInt8(ascii: "\""))
            case "apos": out.append(UInt8(ascii: "'"))
            default:
                let hex = entity.hasPrefix("#x"), dec = entity.hasPrefix("#") && !hex
                guard hex || dec, let code = UInt32(entity.dropFirst(hex ? 2 : 1), radix: hex ? 16 : 10),
                      let scalar = Unicode.Scalar(code) else { throw error("unknown entity &\(entity);") }
                out += Array(String(Character(scalar)).utf8)
            }
            i = semi + 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
