import XCTest
@testable import FCDDCore

final class JSONTests: XCTestCase {
    func testParsesAllValueKinds() throws {
        let v = try JSONValue.parse(#" { "a": [1, -2.5, 3e2, true, false, null], "b": {"c": "d"}, "": {} } "#)
        XCTAssertEqual(v, .object([
            ("a", .array([.number(1), .number(-2.5), .number(300), .bool(true), .bool(false), .null])),
            ("b", .object([("c", .string("d"))])),
            ("", .object([])),
        ]))
        XCTAssertEqual(v["a"]?.arrayValue?.count, 6)
        XCTAssertEqual(v["b"]?["c"]?.stringValue, "d")
        XCTAssertNil(v["missing"])
        XCTAssertNil(JSONValue.array([])["a"])
    }

    func testObjectKeepsKeyOrderAndEqualityIsOrdered() throws {
        let v = try JSONValue.parse(#"{"z":1,"a":2,"m":3}"#)
        XCTAssertEqual(v.objectValue?.map { $0.0 }, ["z", "a", "m"])
        XCTAssertNotEqual(v, try JSONValue.parse(#"{"a":2,"z":1,"m":3}"#))
        XCTAssertNotEqual(JSONValue.number(1), .string("1"))
        XCTAssertNotEqual(JSONValue.array([.null]), .array([.null, .null]))
    }

    func testAccessors() {
        XCTAssertEqual(JSONValue.number(3).intValue, 3)
        XCTAssertEqual(JSONValue.number(-7).intValue, -7)
        XCTAssertNil(JSONValue.number(1.5).intValue)
        XCTAssertNil(JSONValue.number(1e300).intValue)
        XCTAssertNil(JSONValue.number(.nan).intValue)
        XCTAssertNil(JSONValue.string("3").intValue)
        XCTAssertEqual(JSONValue.number(1.5).doubleValue, 1.5)
        XCTAssertEqual(JSONValue.bool(true).boolValue, true)
        XCTAssertNil(JSONValue.null.boolValue)
        XCTAssertNil(JSONValue.number(1).stringValue)
        XCTAssertNil(JSONValue.string("x").arrayValue)
        XCTAssertNil(JSONValue.array([]).objectValue)
    }

    func testStringEscapes() throws {
        let v = try JSONValue.parse(#""a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00 ü€""#)
        XCTAssertEqual(v.stringValue, "a\"b\\c/d\u{08}\u{0C}\n\r\tAé€😀 ü€")
        XCTAssertEqual(try JSONValue.parse(#""\uD834\uDD1E""#).stringValue, "𝄞")
    }

    func testSerializeRoundTrips() throws {
        let v: JSONValue = .object([
            ("shape", .array([.number(8), .number(1), .number(28), .number(28)])),
            ("x", .number(0.1)), ("neg", .number(-3)), ("big", .number(1e20)), ("tiny", .number(.leastNonzeroMagnitude)),
            ("text", .string("quote \" backslash \\ newline \n tab \t bell \u{07} nul \u{00} é 😀")),
            ("nested", .array([.object([]), .array([]), .null, .bool(false)])),
        ])
        let text = v.serialized()
        XCTAssertTrue(text.hasPrefix(#"{"shape":[8,1,28,28],"x":0.1,"neg":-3,"#), text)
        XCTAssertTrue(text.contains(#"\u0007"#) && text.contains(#"\u0000"#) && text.contains(#"\n"#), text)
        XCTAssertEqual(try JSONValue.parse(text), v)
        // Serializing the parse of a serialization is a fixed point.
        XCTAssertEqual(try JSONValue.parse(text).serialized(), text)
    }

    func testNumberFormatting() throws {
        XCTAssertEqual(JSONValue.number(42).serialized(), "42")
        XCTAssertEqual(JSONValue.number(-0.0).serialized(), "0")
        XCTAssertEqual(JSONValue.number(9_007_199_254_740_991).serialized(), "9007199254740991")
        XCTAssertEqual(JSONValue.number(0.5).serialized(), "0.5")
        XCTAssertEqual(JSONValue.number(.nan).serialized(), "null")
        XCTAssertEqual(JSONValue.number(-.infinity).serialized(), "null")
        for d in [0.1, 1.0 / 3, 1e-7, 123456789.125, 9_007_199_254_740_992, 1e300, -Double.leastNormalMagnitude / 3, .leastNonzeroMagnitude, .pi] {
            let back = try JSONValue.parse(JSONValue.number(d).serialized())
            XCTAssertEqual(back.doubleValue, d, "\(d)")
        }
    }

    func testNestingLimit() throws {
        let ok = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        XCTAssertNoThrow(try JSONValue.parse(ok))
        let deep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        XCTAssertThrowsError(try JSONValue.parse(deep)) { XCTAssertTrue("\($0)".contains("nesting"), "\($0)") }
        let bomb = String(repeating: #"{"a":"#, count: 100_000)
        XCTAssertThrowsError(try JSONValue.parse(bomb))
    }

    func testRejectsInvalidText() {
        let bad = [
            "", " ", "nul", "tru", "[1,]", "[1 2]", "{\"a\" 1}", "{\"a\":1,}", "{a:1}", "{\"a\":1", "[", "]",
            "01", "-", "1.", ".5", "+1", "1e", "1e+", "0x10", "NaN", "Infinity", "1e400", "-1e999",
            "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12g4\"", "\"\\ud800\"", "\"\\ud800x\"", "\"\\ud800\\u0041\"",
            "\"\\udc00\"", "\"tab\there\"", "\"\u{01}\"", "1 2", "{} x", "[] []", "true false", "'a'",
        ]
        for text in bad {
            XCTAssertThrowsError(try JSONValue.parse(text), "accepted \(text.debugDescription)") { error in
                guard case EngineError.format(let m) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(m.hasPrefix("invalid JSON at byte"), m)
            }
        }
    }

    func testRejectsInvalidUTF8AndBareBytes() {
        XCTAssertThrowsError(try JSONValue.parse([0x22, 0xFF, 0x22]))              // "\xFF"
        XCTAssertThrowsError(try JSONValue.parse([0x22, 0xC3, 0x22]))              // truncated sequence
        XCTAssertThrowsError(try JSONValue.parse([0x22, 0xED, 0xA0, 0x80, 0x22]))  // encoded surrogate
        XCTAssertThrowsError(try JSONValue.parse([0xEF, 0xBB, 0xBF, 0x31]))        // byte order mark
        XCTAssertThrowsError(try JSONValue.parse([0x31, 0x00]))                    // trailing NUL
        XCTAssertEqual(try JSONValue.parse([0x22, 0xC3, 0xA9, 0x22]), .string("é"))
    }

    func testWhitespaceAndScalars() throws {
        XCTAssertEqual(try JSONValue.parse(" \t\r\n 7 \n"), .number(7))
        XCTAssertEqual(try JSONValue.parse("-0"), .number(0))
        XCTAssertEqual(try JSONValue.parse("1E-2"), .number(0.01))
        XCTAssertEqual(try JSONValue.parse("\"\""), .string(""))
        XCTAssertEqual(try JSONValue.parse("null"), .null)
    }
}
