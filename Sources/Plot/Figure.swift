import Foundation

/// A figure: a canvas size, a suptitle and panels placed by fractional rectangles (left, top, width,
/// height of the data area), plus free drawing (colorbars). Rendering is deterministic.
public final class Figure {
    public let width: Int, height: Int
    public var suptitle = ""
    public var style = Style()
    var panels: [(Axes, (Double, Double, Double, Double))] = []
    var overlays: [(Canvas, Font) -> Void] = []

    public init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    /// Adds a panel whose data area is at the given pixel rectangle.
    @discardableResult
    public func addAxes(x: Double, y: Double, width w: Double, height h: Double) -> Axes {
        let a = Axes()
        panels.append((a, (x, y, w, h)))
        return a
    }

    public func overlay(_ body: @escaping (Canvas, Font) -> Void) { overlays.append(body) }

    public func render() throws -> Canvas {
        let font = try Font.dejaVu(), bold = try Font.dejaVu(bold: true)
        let c = Canvas(width: width, height: height)
        if !suptitle.isEmpty {
            c.text(suptitle, x: Double(width) / 2, y: 12, size: style.title + 1, font: bold, anchor: .center, baseline: .top)
        }
        for (axes, r) in panels {
            axes.frame = (r.0, r.1, r.2, r.3)
            axes.render(on: c, font: font, bold: bold, style: style)
        }
        for o in overlays { o(c, font) }
        return c
    }

    /// Writes the figure as PNG, atomically (temporary file, then rename).
    public func writePNG(to path: String) throws {
        try PNGWriter.write(try render(), to: path)
    }
}

/// A vertical colorbar at the given pixel rectangle for values lo...hi.
func drawColorbar(_ c: Canvas, font: Font, style: Style, map: Colormap, x: Double, y: Double, w: Double, h: Double,
                  lo: Double, hi: Double, label: String, ticks: [(Double, String)]? = nil) {
    for row in 0..<Int(h) {
        let t = 1 - Double(row) / max(1, h - 1)
        c.fillRect(x0: x, y0: y + Double(row), x1: x + w, y1: y + Double(row) + 1, map.color(t))
    }
    c.polyline([(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)], width: 1, Color(0x33, 0x33, 0x33))
    let t = ticks ?? {
        let v = niceTicks(lo, hi, target: 5)
        let step = v.count > 1 ? v[1] - v[0] : 1
        return v.map { ($0, tickLabel($0, step: step)) }
    }()
    var widest = 0.0
    for (v, text) in t where v >= lo && v <= hi {
        let py = y + h - (v - lo) / max(hi - lo, 1e-12) * h
        c.line(x + w, py, x + w + 4, py, width: 1, Color(0x33, 0x33, 0x33))
        c.text(text, x: x + w + 7, y: py, size: style.tick, font: font, baseline: .middle)
        widest = max(widest, font.measure(text, size: style.tick))
    }
    if !label.isEmpty {
        c.text(label, x: x + w + 14 + widest, y: y + h / 2, size: style.label, font: font, anchor: .center, baseline: .top, degrees: 90)
    }
}
