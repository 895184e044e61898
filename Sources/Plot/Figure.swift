import Foundation

/// A figure: a canvas size, a suptitle and axes placed by pixel rectangles (left, top, width, height
/// of the data area). Everything drawn is an artist in some axes; a colorbar is an axes of its own.
/// Rendering is deterministic.
public final class Figure {
    public let width: Int, height: Int
    public var suptitle = ""
    public var style = Style()
    var panels: [(Axes, (Double, Double, Double, Double))] = []

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

    /// A vertical colorbar for values lo...hi at the given pixel rectangle: an axes holding one
    /// gradient image, its ticks and label on the right, as matplotlib's `fig.colorbar` makes one.
    @discardableResult
    public func addColorbar(x: Double, y: Double, width w: Double, height h: Double, map: Colormap,
                            lo: Double, hi: Double, label: String) -> Axes {
        let bar = addAxes(x: x, y: y, width: w, height: h)
        bar.grid = false
        bar.xTicks = []
        bar.yAxisOnRight = true
        bar.yLabel = label
        bar.xRange = 0...1
        bar.yRange = lo...max(hi, lo + 1e-12)
        let steps = max(2, Int(h))
        bar.add(Image(values: (0..<steps).map { lo + (hi - lo) * Double($0) / Double(steps - 1) }, rows: steps, cols: 1,
                      colormap: map, lo: lo, hi: hi, extent: (0, 1, lo, max(hi, lo + 1e-12)), origin: .lower))
        return bar
    }

    public func render() throws -> Canvas {
        let fonts = Fonts(regular: try Font.dejaVu(), bold: try Font.dejaVu(bold: true))
        let c = Canvas(width: width, height: height)
        if !suptitle.isEmpty {
            c.text(suptitle, x: Double(width) / 2, y: 12, size: style.title + 1, font: fonts.bold, anchor: .center, baseline: .top)
        }
        for (axes, r) in panels {
            axes.frame = (r.0, r.1, r.2, r.3)
            axes.render(on: c, fonts: fonts, style: style)
        }
        return c
    }

    /// Writes the figure as PNG, atomically (temporary file, then rename).
    public func writePNG(to path: String) throws {
        try PNGWriter.write(try render(), to: path)
    }
}

