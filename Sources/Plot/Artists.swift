/// Something an `Axes` draws in its own data coordinates, as matplotlib's artists are: lines,
/// images and text. Artists are drawn in the order they were added, after the grid and before the
/// frame, ticks and legend.
public protocol Artist {
    func draw(on c: Canvas, in axes: Axes, fonts: Fonts)
}

/// The regular and bold faces a figure is drawn with, loaded once per render.
public struct Fonts {
    public var regular: Font, bold: Font
}

/// A polyline through data points, optionally dashed and with a marker at each point; a labelled
/// line appears in the legend.
public struct Line: Artist {
    public var x: [Double], y: [Double]
    public var color: Color
    public var width = 2.0
    public var dash: Double? = nil
    public var label: String? = nil
    public var markers = false

    public func draw(on c: Canvas, in axes: Axes, fonts: Fonts) {
        let pts = zip(x, y).map { (axes.px($0), axes.py($1)) }
        c.polyline(pts, width: width, color, dash: dash)
        if markers { for p in pts { c.circle(cx: p.0, cy: p.1, radius: width + 1.5, color) } }
    }
}

/// A grid of values shown through a colormap over a data-space rectangle, each pixel taking its
/// nearest value (matplotlib's `imshow(interpolation="nearest")`). `origin` says whether row 0 is at
/// the top (a matrix) or the bottom (a spectrogram).
public struct Image: Artist {
    public enum Origin { case upper, lower }
    public var values: [Double]
    public var rows: Int, cols: Int
    public var colormap: Colormap
    public var lo: Double, hi: Double
    public var extent: (x0: Double, x1: Double, y0: Double, y1: Double)
    public var origin: Origin

    public init(values: [Double], rows: Int, cols: Int, colormap: Colormap, lo: Double, hi: Double,
                extent: (x0: Double, x1: Double, y0: Double, y1: Double), origin: Origin) {
        precondition(values.count == rows * cols, "Image: \(values.count) values for \(rows) x \(cols)")
        self.values = values
        self.rows = rows
        self.cols = cols
        self.colormap = colormap
        self.lo = lo
        self.hi = hi
        self.extent = extent
        self.origin = origin
    }

    public func draw(on c: Canvas, in axes: Axes, fonts: Fonts) {
        let left = axes.px(extent.x0), right = axes.px(extent.x1), top = axes.py(extent.y1), bottom = axes.py(extent.y0)
        for py in Int(top.rounded())..<Int(bottom.rounded()) {
            let fromBottom = Int((bottom - Double(py) - 0.5) / (bottom - top) * Double(rows))
            let r = origin == .lower ? fromBottom : rows - 1 - fromBottom
            guard r >= 0 && r < rows else { continue }
            for px in Int(left.rounded())..<Int(right.rounded()) {
                let col = Int((Double(px) + 0.5 - left) / (right - left) * Double(cols))
                guard col >= 0 && col < cols else { continue }
                c.blend(px, py, colormap.color((values[r * cols + col] - lo) / max(hi - lo, 1e-9)), 1)
            }
        }
    }
}

/// Text anchored at a data point.
public struct Text: Artist {
    public var text: String
    public var x: Double, y: Double
    public var size: Double
    public var color: Color = .black
    public var bold = false
    public var anchor: TextAnchor = .left
    public var baseline: TextBaseline = .baseline
    public var degrees = 0.0

    public func draw(on c: Canvas, in axes: Axes, fonts: Fonts) {
        c.text(text, x: axes.px(x), y: axes.py(y), size: size, color: color, font: bold ? fonts.bold : fonts.regular,
               anchor: anchor, baseline: baseline, degrees: degrees)
    }
}

/// The area between two curves over the same x (matplotlib's `fill_between`), in a translucent
/// colour: the spread of several runs around their mean.
public struct Band: Artist {
    public var x: [Double], low: [Double], high: [Double]
    public var color: Color
    public var label: String? = nil

    public func draw(on c: Canvas, in axes: Axes, fonts: Fonts) {
        guard x.count >= 2 else { return }
        // Each pixel column between the first and last x is filled from the interpolated low to high.
        let left = axes.px(x[0]), right = axes.px(x[x.count - 1])
        // A band narrower than one pixel column covers none.
        let first = Int(left.rounded(.up)), last = Int(right.rounded(.down))
        guard first <= last else { return }
        var segment = 0
        for column in first...last {
            let centre = Double(column) + 0.5
            while segment < x.count - 2 && axes.px(x[segment + 1]) < centre { segment += 1 }
            let x0 = axes.px(x[segment]), x1 = axes.px(x[segment + 1])
            let t = x1 > x0 ? min(1, max(0, (centre - x0) / (x1 - x0))) : 0
            let lo = low[segment] + (low[segment + 1] - low[segment]) * t, hi = high[segment] + (high[segment + 1] - high[segment]) * t
            c.fillRect(x0: Double(column), y0: axes.py(hi), x1: Double(column + 1), y1: axes.py(lo), color)
        }
    }
}

/// Markers at data points, no line (matplotlib's `scatter`).
public struct Scatter: Artist {
    public var x: [Double], y: [Double]
    public var color: Color
    public var radius = 4.0
    public var label: String? = nil

    public func draw(on c: Canvas, in axes: Axes, fonts: Fonts) {
        for (px, py) in zip(x, y) where px.isFinite && py.isFinite { c.circle(cx: axes.px(px), cy: axes.py(py), radius: radius, color) }
    }
}
