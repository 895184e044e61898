/// One panel: a data rectangle on the canvas with its ranges, and the artists drawn into it.
/// The Figure lays panels out; Axes maps data to pixels and draws frame, grid, ticks and labels.
public final class Axes {
    public var title = ""
    public var xLabel = "", yLabel = ""
    public var xRange: ClosedRange<Double> = 0...1
    public var yRange: ClosedRange<Double> = 0...1
    public var grid = true
    /// Explicit ticks (position, label) replace the automatic 1-2-5 ones.
    public var xTicks: [(Double, String)]? = nil
    public var yTicks: [(Double, String)]? = nil
    public var xTickRotation = 0.0
    /// The y axis's ticks and label on the right (a colorbar's).
    public var yAxisOnRight = false
    public private(set) var artists: [Artist] = []
    var legendLocation: LegendLocation? = nil

    /// `best`: the corner whose box covers the fewest data, as matplotlib's `loc="best"`.
    public enum LegendLocation { case upperRight, upperLeft, lowerLeft, lowerRight, best }

    /// Set by the figure at render time.
    var frame = (x: 0.0, y: 0.0, w: 1.0, h: 1.0)

    public init() {}

    public func add(_ artist: Artist) { artists.append(artist) }

    public func plot(_ x: [Double], _ y: [Double], color: Color, width: Double = 2, dash: Double? = nil,
                     label: String? = nil, markers: Bool = false) {
        add(Line(x: x, y: y, color: color, width: width, dash: dash, label: label, markers: markers))
    }

    public func legend(_ location: LegendLocation = .best) { legendLocation = location }

    public func px(_ x: Double) -> Double {
        frame.x + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * frame.w
    }
    public func py(_ y: Double) -> Double {
        frame.y + frame.h - (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * frame.h
    }

    func render(on c: Canvas, fonts: Fonts, style: Style) {
        let font = fonts.regular, bold = fonts.bold
        let tickColor = Color(0x33, 0x33, 0x33)
        let xt = xTicks ?? autoTicks(xRange)
        let yt = yTicks ?? autoTicks(yRange)
        if grid {
            for (v, _) in xt where xRange.contains(v) { c.line(px(v), frame.y, px(v), frame.y + frame.h, width: 0.8, Color(hex: 0xe5e5e5)) }
            for (v, _) in yt where yRange.contains(v) { c.line(frame.x, py(v), frame.x + frame.w, py(v), width: 0.8, Color(hex: 0xe5e5e5)) }
        }
        for a in artists { a.draw(on: c, in: self, fonts: fonts) }
        // Frame
        let (x0, y0, x1, y1) = (frame.x, frame.y, frame.x + frame.w, frame.y + frame.h)
        for (a, b, cc, d) in [(x0, y0, x1, y0), (x0, y1, x1, y1), (x0, y0, x0, y1), (x1, y0, x1, y1)] {
            c.line(a, b, cc, d, width: 1, tickColor)
        }
        // Ticks and labels
        for (v, label) in xt where xRange.contains(v) {
            c.line(px(v), y1, px(v), y1 + 4, width: 1, tickColor)
            if xTickRotation == 0 {
                c.text(label, x: px(v), y: y1 + 7, size: style.tick, font: font, anchor: .center, baseline: .top)
            } else {
                c.text(label, x: px(v) + 3, y: y1 + 7, size: style.tick, font: font, anchor: .right, baseline: .middle,
                       degrees: xTickRotation)
            }
        }
        for (v, label) in yt where yRange.contains(v) {
            if yAxisOnRight {
                c.line(x1, py(v), x1 + 4, py(v), width: 1, tickColor)
                c.text(label, x: x1 + 7, y: py(v), size: style.tick, font: font, baseline: .middle)
            } else {
                c.line(x0 - 4, py(v), x0, py(v), width: 1, tickColor)
                c.text(label, x: x0 - 7, y: py(v), size: style.tick, font: font, anchor: .right, baseline: .middle)
            }
        }
        if !title.isEmpty { c.text(title, x: x0 + frame.w / 2, y: y0 - 10, size: style.title, font: bold, anchor: .center,
                                   baseline: .bottom) }
        if !xLabel.isEmpty {
            let drop = xTickRotation == 0 ? 28.0 : style.xLabelDrop
            c.text(xLabel, x: x0 + frame.w / 2, y: y1 + drop, size: style.label, font: font, anchor: .center, baseline: .top)
        }
        if !yLabel.isEmpty {
            let widest = yt.filter { yRange.contains($0.0) }.map { font.measure($0.1, size: style.tick) }.max() ?? 20
            if yAxisOnRight {
                c.text(yLabel, x: x1 + widest + 14, y: y0 + frame.h / 2, size: style.label, font: font, anchor: .center, baseline: .top,
                       degrees: 90)
            } else {
                c.text(yLabel, x: x0 - widest - 16, y: y0 + frame.h / 2, size: style.label, font: font, anchor: .center, baseline: .bottom,
                       degrees: 90)
            }
        }
        if let loc = legendLocation { renderLegend(on: c, font: font, style: style, location: loc) }
    }

    /// The top-left of a legend box of this size in a corner, 10 px in from the frame.
    private func legendBox(_ corner: LegendLocation, width w: Double, height h: Double) -> (x: Double, y: Double) {
        let left = corner == .upperLeft || corner == .lowerLeft, low = corner == .lowerLeft || corner == .lowerRight
        return (left ? frame.x + 10 : frame.x + frame.w - w - 10, low ? frame.y + frame.h - h - 10 : frame.y + 10)
    }

    /// The corner where a legend box of this size hides the least data; ties go to the first in
    /// matplotlib's order (upper right, upper left, lower left, lower right).
    func bestCorner(width w: Double, height h: Double) -> LegendLocation {
        let corners: [LegendLocation] = [.upperRight, .upperLeft, .lowerLeft, .lowerRight]
        return corners.min { a, b in
            let (x0, y0) = legendBox(a, width: w, height: h), (x1, y1) = legendBox(b, width: w, height: h)
            return covered(x: x0, y: y0, w: w, h: h) < covered(x: x1, y: y1, w: w, h: h)
        }!
    }

    /// How much of the data a legend box at (x, y) would hide: the line vertices inside it, plus
    /// every line segment that crosses it (a vertical marker line has its two ends outside).
    private func covered(x: Double, y: Double, w: Double, h: Double) -> Int {
        func inside(_ p: (Double, Double)) -> Bool { p.0 >= x && p.0 <= x + w && p.1 >= y && p.1 <= y + h }
        // Liang–Barsky: does the segment a-b meet the box?
        func crosses(_ a: (Double, Double), _ b: (Double, Double)) -> Bool {
            var t0 = 0.0, t1 = 1.0
            let dx = b.0 - a.0, dy = b.1 - a.1
            for (p, q) in [(-dx, a.0 - x), (dx, x + w - a.0), (-dy, a.1 - y), (dy, y + h - a.1)] {
                if p == 0 { if q < 0 { return false } ; continue }
                let r = q / p
                if p < 0 { t0 = max(t0, r) } else { t1 = min(t1, r) }
                if t0 > t1 { return false }
            }
            return true
        }
        var count = 0
        for line in artists.compactMap({ $0 as? Line }) {
            let pts = zip(line.x, line.y).filter { $0.0.isFinite && $0.1.isFinite }.map { (px($0.0), py($0.1)) }
            count += pts.filter(inside).count
            for i in pts.indices.dropFirst() where crosses(pts[i - 1], pts[i]) { count += 1 }
        }
        return count
    }

    private func autoTicks(_ r: ClosedRange<Double>) -> [(Double, String)] {
        let t = niceTicks(r.lowerBound, r.upperBound)
        let step = t.count > 1 ? t[1] - t[0] : 1
        return t.map { ($0, tickLabel($0, step: step)) }
    }

    private func renderLegend(on c: Canvas, font: Font, style: Style, location: LegendLocation) {
        let items = artists.compactMap { $0 as? Line }.filter { $0.label != nil }
        guard !items.isEmpty else { return }
        let rowH = style.legend * 1.6
        let textW = items.map { font.measure($0.label!, size: style.legend) }.max()!
        let w = textW + 46, h = Double(items.count) * rowH + 10
        let (x, y) = legendBox(location == .best ? bestCorner(width: w, height: h) : location, width: w, height: h)
        c.fillRect(x0: x, y0: y, x1: x + w, y1: y + h, Color(255, 255, 255, 225))
        c.polyline([(x, y), (x + w, y), (x + w, y + h), (x, y + h), (x, y)], width: 1, Color(hex: 0xcccccc))
        for (i, s) in items.enumerated() {
            let cy = y + 5 + (Double(i) + 0.5) * rowH
            c.polyline([(x + 8, cy), (x + 32, cy)], width: s.width, s.color, dash: s.dash.map { min($0, 5) })
            c.text(s.label!, x: x + 38, y: cy, size: style.legend, font: font, baseline: .middle)
        }
    }
}

/// Font sizes in pixels, matplotlib's defaults at 100 dpi (10 pt -> ~14 px).
public struct Style {
    public var title = 16.0, label = 14.0, tick = 12.0, legend = 12.0, annotation = 12.0
    public var xLabelDrop = 80.0
    public init() {}
}
