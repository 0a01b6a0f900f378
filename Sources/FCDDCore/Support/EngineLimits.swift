#if canImport(Glibc)
import Glibc
#endif

// Limits on what outside data may make the engine allocate. Files and callers declare sizes; a declared
// size is checked against these limits (and against the bytes that back it) before any memory is
// reserved, so a small crafted file cannot make the engine ask for gigabytes.

public enum EngineLimits {
    /// Pillow refuses images of more than 2 x `Image.MAX_IMAGE_PIXELS` (2 x 1024^3 / 4 / 3) pixels as
    /// decompression bombs; the same default keeps every image a PIL-based pipeline can open.
    public static let defaultMaxImagePixels = 2 * 89_478_485

    /// The largest tensor dimension a file may declare: 2^53 - 1, the largest integer a JSON number (a
    /// double on the other side of the C ABI) holds exactly, so every size the engine reports is an exact
    /// integer. Only a tensor of zero elements can have a larger one, and no real file holds such a tensor.
    public static let maxDimension = (1 << 53) - 1

    /// The environment variable that sets `maxImagePixels` for a process (read at first use).
    public static let maxImagePixelsVariable = "FCDD_SWIFT_MAX_IMAGE_PIXELS"

    /// The settable limits by name (`fcdd_set_limit`, `fs.set_limits`).
    public static let names = ["max_image_pixels"]

    nonisolated(unsafe) private static var maxImagePixelsValue: Int = {
        guard let text = getenv(maxImagePixelsVariable).map({ String(cString: $0) }) else { return defaultMaxImagePixels }
        guard let value = Int(text), value >= 1 else {
            // A broken variable must not silently disable the protection.
            return defaultMaxImagePixels
        }
        return value
    }()

    /// The most pixels (height x width) one decoded image may have.
    public static var maxImagePixels: Int { maxImagePixelsValue }

    /// The value of the limit `name`.
    public static func value(_ name: String) throws -> Int {
        switch name {
        case "max_image_pixels": return maxImagePixelsValue
        default: throw EngineError.invalidArgument("unknown limit '\(name)'; known: \(names.joined(separator: ", "))")
        }
    }

    /// Sets the limit `name` (at least 1).
    public static func set(_ name: String, _ value: Int) throws {
        guard value >= 1 else { throw EngineError.invalidArgument("limit \(name) must be at least 1, got \(value)") }
        switch name {
        case "max_image_pixels": maxImagePixelsValue = value
        default: throw EngineError.invalidArgument("unknown limit '\(name)'; known: \(names.joined(separator: ", "))")
        }
    }

    /// Runs `body` with `maxImagePixels` changed, then restores it (for tests).
    public static func with<T>(maxImagePixels: Int, _ body: () throws -> T) rethrows -> T {
        let saved = maxImagePixelsValue
        defer { maxImagePixelsValue = saved }
        maxImagePixelsValue = maxImagePixels
        return try body()
    }

    /// Refuses an image whose declared size exceeds `maxImagePixels`, naming the limit and how to raise it.
    public static func checkImage(width: Int, height: Int, source: String) throws {
        guard width >= 1, height >= 1 else {
            throw EngineError.format("\(source): image size \(width) x \(height) is empty or negative")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        guard !overflow, pixels <= maxImagePixelsValue else {
            throw EngineError.format("\(source): image of \(width) x \(height) pixels exceeds the limit of \(maxImagePixelsValue) pixels "
                                     + "(a guard against decompression bombs, as in PIL); raise it with fs.set_limits(max_image_pixels=...) "
                                     + "or the environment variable \(maxImagePixelsVariable)")
        }
    }
}
