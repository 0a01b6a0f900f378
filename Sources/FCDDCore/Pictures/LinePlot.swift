// Line plots drawn by the engine as PNG, replacing the original's matplotlib PDFs (`single_plot`,
// `plot_many_roc`, `Logger.plot`): a white canvas, a framed axes box with "nice" ticks (steps 1, 2 or 5
// times a power of ten) and numbers, axis labels, series in matplotlib's default colour cycle (tab10),
// and a legend box. Text uses the 5 x 7 bitmap font.
#if canImport(Glibc)
import Glibc
#endif

/// How a series is stroked.
public enum LineStyle { case solid, dashed, dotted }

/// One line of a plot. Points with a non-finite coordinate break the line.
public struct PlotSeries {
    public var xs: [Double]
    public var ys: [Double]
    public var label: String?
    public var style: LineStyle
    /// nil: the next colour of matplotlib's default cycle.
    public var color: RGBColor?
    public var thickness: Int

    public init(xs: [Double], ys: [Double], label: String? = nil, style: LineStyle = .solid,
                color: RGBColor? = nil, thickness: Int = 1) {
        self.xs = xs; self.ys = ys; self.label = label; self.style = style; self.color = color; self.thickness = thickness
    }
}

/// Corner of the axes box that holds the legend.
public enum LegendCorner { case lowerRight, upperRight }

/// A 2-D line plot rendered to a picture.
public struct LinePlot {
    public var series: [PlotSeries]
    public var xLabel: String
    public var yLabel: String
    /// Fixed axis ranges; nil fits the data.
    public var xRange: ClosedRange<Double>?
    public var yRange: ClosedRange<Double>?
    public var legendCorner: LegendCorner
    public var width: Int
    public var height: Int
    /// A line above the axes saying what the plot shows (the file name alone does not).
    public var title: String?
    /// Whole-number ticks only on the x axis (epochs).
    public var integerXTicks = false

    /// matplotlib's tab10 cycle.
    public static let colorCycle: [RGBColor] = [
        (0x1f, 0x77, 0xb4), (0xff, 0x7f, 0x0e), (0x2c, 0xa0, 0x2c), (0xd6, 0x27, 0x28), (0x94, 0x67, 0xbd),
        (0x8c, 0x56, 0x4b), (0xe3, 0x77, 0xc2), (0x7f, 0x7f, 0x7f), (0xbc, 0xbd, 0x22), (0x17, 0xbe, 0xcf),
    ]

    public init(series: [PlotSeries], xLabel: String, yLabel: String, xRange: ClosedRange<Double>? = nil,
                yRange: ClosedRange<Double>? = nil, legendCorner: LegendCorner = .lowerRight,
                width: Int = 640, height: Int = 480, title: String? = nil) {
        self.series = series; self.xLabel = xLabel; self.yLabel = yLabel; self.xRange = xRange; self.yRange = yRange
        self.legendCorner = legendCorner; self.width = width; self.height = height; self.title = title
    }

    /// Margins around the axes box: left, right, top, bottom.
    static let margins = (left: 64, right: 16, top: 16, bottom: 48)

    /// The axes box in pixels (left, top, right, bottom).
    public var plotArea: (left: Int, top: Int, right: Int, bottom: Int) {
        (LinePlot.margins.left, LinePlot.margins.top, width - LinePlot.margins.right, height - LinePlot.margins.bottom)
    }

    public func render() throws -> Picture {
        guard width >= 160, height >= 120 else { throw EngineError.invalidArgument("plot: size \(width) x \(height) is too small (at least 160 x 120)") }
        for (i, s) in series.enumerated() where s.xs.count != s.ys.count {
            throw EngineError.shapeMismatch("plot: series \(i) has \(s.xs.count) x values and \(s.ys.count) y values")
        }
        let xr = xRange ?? LinePlot.fit(series.flatMap(\.xs)), yr = yRange ?? LinePlot.fit(series.flatMap(\.ys))
        guard xr.upperBound > xr.lowerBound, yr.upperBound > yr.lowerBound else {
            throw EngineError.invalidArgument("plot: axis ranges must not be empty")
        }
        var canvas = Canvas(width: width, height: height, background: (255, 255, 255))
        let box = plotArea
        let black: RGBColor = (0, 0, 0)
        func px(_ x: Double) -> Double { Double(box.left) + (x - xr.lowerBound) / (xr.upperBound - xr.lowerBound) * Double(box.right - box.left) }
        func py(_ y: Double) -> Double { Double(box.bottom) - (y - yr.lowerBound) / (yr.upperBound - yr.lowerBound) * Double(box.bottom - box.top) }

        // Ticks and numbers.
        let xTicks = LinePlot.ticks(xr, minimumStep: integerXTicks ? 1 : 0), yTicks = LinePlot.ticks(yr)
        for t in xTicks.values {
            let x = px(t)
            canvas.drawLine(x, Double(box.bottom), x, Double(box.bottom + 4), color: black)
            let text = LinePlot.format(t, decimals: xTicks.decimals)
            canvas.drawText(text, x: Int(x) - BitmapFont.width(of: text) / 2, y: box.bottom + 8, color: black)
        }
        for t in yTicks.values {
            let y = py(t)
            canvas.drawLine(Double(box.left - 4), y, Double(box.left), y, color: black)
            let text = LinePlot.format(t, decimals: yTicks.decimals)
            canvas.drawText(text, x: box.left - 7 - BitmapFont.width(of: text), y: Int(y) - 3, color: black)
        }
        canvas.drawText(xLabel, x: (box.left + box.right - BitmapFont.width(of: xLabel)) / 2, y: box.bottom + 24, color: black)
        if let title {
            canvas.drawText(title, x: (box.left + box.right - BitmapFont.width(of: title)) / 2, y: (box.top - BitmapFont.glyphHeight) / 2,
                            color: black)
        }
        canvas.drawVerticalText(yLabel, x: 6, y: (box.top + box.bottom + BitmapFont.width(of: yLabel)) / 2, color: black)

        // Series, clipped to the box by skipping segments that leave it.
        var colors = [RGBColor]()
        for (i, s) in series.enumerated() {
            let color = s.color ?? LinePlot.colorCycle[i % LinePlot.colorCycle.count]
            colors.append(color)
            let dash: (on: Int, off: Int)? = s.style == .solid ? nil : (s.style == .dashed ? (6, 4) : (2, 3))
            for j in 1..<max(s.xs.count, 1) {
                let (a, b) = ((s.xs[j - 1], s.ys[j - 1]), (s.xs[j], s.ys[j]))
                guard a.0.isFinite, a.1.isFinite, b.0.isFinite, b.1.isFinite else { continue }
                guard xr.contains(a.0), xr.contains(b.0), yr.contains(a.1), yr.contains(b.1) else { continue }
                canvas.drawLine(px(a.0), py(a.1), px(b.0), py(b.1), color: color, thickness: s.thickness, dash: dash)
            }
            if s.xs.count == 1, s.xs[0].isFinite, s.ys[0].isFinite {
                canvas.fillRect(x: Int(px(s.xs[0])) - 1, y: Int(py(s.ys[0])) - 1, width: 3, height: 3, color)
            }
        }
        // Frame last so that lines on the border do not hide it.
        for (x0, y0, x1, y1) in [(box.left, box.top, box.right, box.top), (box.left, box.bottom, box.right, box.bottom),
                                 (box.left, box.top, box.left, box.bottom), (box.right, box.top, box.right, box.bottom)] {
            canvas.drawLine(Double(x0), Double(y0), Double(x1), Double(y1), color: black)
        }
        drawLegend(&canvas, colors: colors)
        return canvas.picture()
    }

    /// Renders and writes the plot as PNG.
    public func write(path: String) throws { try render().write(path: path) }

    private func drawLegend(_ canvas: inout Canvas, colors: [RGBColor]) {
        let entries = series.indices.filter { series[$0].label != nil }
        guard !entries.isEmpty else { return }
        let box = plotArea
        let textWidth = entries.map { BitmapFont.width(of: series[$0].label!) }.max()!
        let (w, h) = (textWidth + 36, entries.count * 11 + 7)
        let left = box.right - w - 6
        let top = legendCorner == .lowerRight ? box.bottom - h - 6 : box.top + 6
        canvas.fillRect(x: left, y: top, width: w, height: h, (255, 255, 255))
        canvas.drawLine(Double(left), Double(top), Double(left + w), Double(top), color: (204, 204, 204))
        canvas.drawLine(Double(left), Double(top + h), Double(left + w), Double(top + h), color: (204, 204, 204))
        canvas.drawLine(Double(left), Double(top), Double(left), Double(top + h), color: (204, 204, 204))
        canvas.drawLine(Double(left + w), Double(top), Double(left + w), Double(top + h), color: (204, 204, 204))
        for (row, i) in entries.enumerated() {
            let y = top + 4 + row * 11
            let s = series[i]
            let dash: (on: Int, off: Int)? = s.style == .solid ? nil : (s.style == .dashed ? (6, 4) : (2, 3))
            canvas.drawLine(Double(left + 5), Double(y + 3), Double(left + 25), Double(y + 3), color: colors[i],
                            thickness: max(s.thickness, 2), dash: dash)
            canvas.drawText(s.label!, x: left + 30, y: y, color: (0, 0, 0))
        }
    }

    /// The finite data range, widened when empty or a single value.
    static func fit(_ values: [Double]) -> ClosedRange<Double> {
        let finite = values.filter { $0.isFinite }
        guard let lo = finite.min(), let hi = finite.max() else { return 0...1 }
        if lo == hi { return (lo - 0.5)...(hi + 0.5) }
        let pad = (hi - lo) * 0.05  // matplotlib's default 5 % margin
        return (lo - pad)...(hi + pad)
    }

    /// Tick positions inside `range` with a step of 1, 2 or 5 times a power of ten giving at most 9 ticks,
    /// and the number of decimals that prints them exactly.
    static func ticks(_ range: ClosedRange<Double>, minimumStep: Double = 0) -> (values: [Double], decimals: Int) {
        let span = range.upperBound - range.lowerBound
        var exponent = max(Int((log10(span / 5)).rounded(.down)), minimumStep >= 1 ? 0 : Int.min / 2)
        var step = 0.0
        search: while true {
            for m in [1.0, 2.0, 5.0] {
                step = m * power10(exponent)
                if span / step <= 8 && step >= minimumStep { break search }
            }
            exponent += 1
        }
        let first = (range.lowerBound / step).rounded(.up)
        var values = [Double]()
        var k = first
        while k * step <= range.upperBound + step * 1e-9 { values.append(k * step); k += 1 }
        return (values, max(0, -exponent))
    }

    /// `value` with `decimals` digits after the point (no Foundation formatting in the core).
    public static func format(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return value.isNaN ? "nan" : (value > 0 ? "inf" : "-inf") }
        let scale = power10(decimals)
        let scaled = (abs(value) * scale).rounded()
        guard scaled < 9e15 else { return "\(value)" }
        let n = Int64(scaled), unit = Int64(scale)
        var text = "\(n / unit)"
        if decimals > 0 {
            let fraction = String(n % unit)
            text += "." + String(repeating: "0", count: decimals - fraction.count) + fraction
        }
        return (value < 0 && n != 0 ? "-" : "") + text
    }
}

func power10(_ e: Int) -> Double {
    var r = 1.0
    for _ in 0..<abs(e) { r *= 10 }
    return e >= 0 ? r : 1 / r
}
