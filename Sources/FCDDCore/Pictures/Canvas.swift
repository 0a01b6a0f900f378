// A small RGB raster (float samples in [0, 1], 3 x H x W like `Picture`) with the few drawing operations
// the plots and row headers need: filled rectangles, lines with a thickness and dash pattern, and text in
// the 5 x 7 bitmap font. No anti-aliasing; everything outside the canvas is clipped.

/// An 8-bit RGB colour.
public typealias RGBColor = (r: UInt8, g: UInt8, b: UInt8)

struct Canvas {
    let width: Int
    let height: Int
    private var data: [Float]

    init(width: Int, height: Int, background: RGBColor = (0, 0, 0)) {
        precondition(width >= 1 && height >= 1)
        self.width = width; self.height = height
        let plane = width * height
        data = [Float](repeating: Float(background.r) / 255, count: plane)
            + [Float](repeating: Float(background.g) / 255, count: plane)
            + [Float](repeating: Float(background.b) / 255, count: plane)
    }

    mutating func set(x: Int, y: Int, _ color: RGBColor) {
        guard x >= 0, x < width, y >= 0, y < height else { return }
        let plane = width * height, i = y * width + x
        data[i] = Float(color.r) / 255; data[plane + i] = Float(color.g) / 255; data[2 * plane + i] = Float(color.b) / 255
    }

    mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGBColor) {
        for yy in max(0, y)..<max(max(0, y), min(height, y + h)) {
            for xx in max(0, x)..<max(max(0, x), min(width, x + w)) { set(x: xx, y: yy, color) }
        }
    }

    /// A straight line from (x0, y0) to (x1, y1) in pixel coordinates, `thickness` pixels wide. With a
    /// `dash` of (on, off) pixel lengths, the pattern runs along the line's length.
    mutating func drawLine(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, color: RGBColor,
                           thickness: Int = 1, dash: (on: Int, off: Int)? = nil) {
        let dx = x1 - x0, dy = y1 - y0
        let steps = max(Int(max(abs(dx), abs(dy)).rounded(.up)), 1)
        let length = (dx * dx + dy * dy).squareRoot()
        let low = -(thickness - 1) / 2, high = thickness / 2
        for s in 0...steps {
            let t = Double(s) / Double(steps)
            if let dash, dash.on + dash.off > 0 {
                let along = Int(t * length) % (dash.on + dash.off)
                if along >= dash.on { continue }
            }
            let x = Int((x0 + t * dx).rounded()), y = Int((y0 + t * dy).rounded())
            for oy in low...high { for ox in low...high { set(x: x + ox, y: y + oy, color) } }
        }
    }

    /// Text with its top-left corner at (x, y), each font pixel drawn as scale x scale pixels.
    mutating func drawText(_ text: String, x: Int, y: Int, scale: Int = 1, color: RGBColor) {
        for (i, c) in text.enumerated() {
            let left = x + i * BitmapFont.advance * scale
            for row in 0..<BitmapFont.glyphHeight {
                for column in 0..<BitmapFont.glyphWidth where BitmapFont.isSet(c, row: row, column: column) {
                    fillRect(x: left + column * scale, y: y + row * scale, width: scale, height: scale, color)
                }
            }
        }
    }

    /// Text rotated by 90 degrees counter-clockwise (reading bottom to top), its bottom-left at (x, y).
    mutating func drawVerticalText(_ text: String, x: Int, y: Int, color: RGBColor) {
        for (i, c) in text.enumerated() {
            let bottom = y - i * BitmapFont.advance
            for row in 0..<BitmapFont.glyphHeight {
                for column in 0..<BitmapFont.glyphWidth where BitmapFont.isSet(c, row: row, column: column) {
                    set(x: x + row, y: bottom - column, color)
                }
            }
        }
    }

    /// Copies a picture with its top-left corner at (x, y).
    mutating func blit(_ picture: Picture, x: Int, y: Int) {
        let plane = width * height, srcPlane = picture.height * picture.width
        for c in 0..<3 {
            for py in 0..<picture.height where y + py >= 0 && y + py < height {
                for px in 0..<picture.width where x + px >= 0 && x + px < width {
                    data[c * plane + (y + py) * width + x + px] = picture.rgb.data[c * srcPlane + py * picture.width + px]
                }
            }
        }
    }

    func picture() -> Picture { Picture(rgb: Tensor(shape: [3, height, width], data: data)) }
}
