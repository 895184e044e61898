/// An opaque RGB raster with anti-aliased drawing. Coordinates are pixels, y down, pixel centres at +0.5.
public final class Canvas {
    public let width: Int, height: Int
    public internal(set) var pixels: [UInt8]

    public init(width: Int, height: Int, background: Color = .white) {
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) {
            pixels[3 * i] = background.r; pixels[3 * i + 1] = background.g; pixels[3 * i + 2] = background.b
        }
    }

    public func pixel(_ x: Int, _ y: Int) -> Color {
        let i = 3 * (y * width + x)
        return Color(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Blends `c` over the pixel with `coverage` in 0...1 (times the colour's own alpha).
    @inline(__always)
    public func blend(_ x: Int, _ y: Int, _ c: Color, _ coverage: Double) {
        guard x >= 0, y >= 0, x < width, y < height, coverage > 0 else { return }
        let a = min(1, coverage) * Double(c.a) / 255
        let i = 3 * (y * width + x)
        pixels[i] = UInt8((Double(pixels[i]) * (1 - a) + Double(c.r) * a).rounded())
        pixels[i + 1] = UInt8((Double(pixels[i + 1]) * (1 - a) + Double(c.g) * a).rounded())
        pixels[i + 2] = UInt8((Double(pixels[i + 2]) * (1 - a) + Double(c.b) * a).rounded())
    }

    /// Axis-aligned rectangle with anti-aliased fractional edges.
    public func fillRect(x0: Double, y0: Double, x1: Double, y1: Double, _ c: Color) {
        let (ax, bx) = (min(x0, x1), max(x0, x1)), (ay, by) = (min(y0, y1), max(y0, y1))
        for y in max(0, Int(ay.rounded(.down)))..<min(height, Int(by.rounded(.up))) {
            let cy = min(by, Double(y + 1)) - max(ay, Double(y))
            for x in max(0, Int(ax.rounded(.down)))..<min(width, Int(bx.rounded(.up))) {
                let cx = min(bx, Double(x + 1)) - max(ax, Double(x))
                blend(x, y, c, cx * cy)
            }
        }
    }

    /// A line segment of the given width with round-ish ends, anti-aliased by distance to the segment.
    public func line(_ x0: Double, _ y0: Double, _ x1: Double, _ y1: Double, width w: Double, _ c: Color) {
        let r = w / 2
        let minX = Int((min(x0, x1) - r - 1).rounded(.down)), maxX = Int((max(x0, x1) + r + 1).rounded(.up))
        let minY = Int((min(y0, y1) - r - 1).rounded(.down)), maxY = Int((max(y0, y1) + r + 1).rounded(.up))
        let dx = x1 - x0, dy = y1 - y0, len2 = dx * dx + dy * dy
        for y in max(0, minY)...min(height - 1, max(0, maxY)) {
            for x in max(0, minX)...min(width - 1, max(0, maxX)) {
                let px = Double(x) + 0.5, py = Double(y) + 0.5
                let t = len2 > 0 ? max(0, min(1, ((px - x0) * dx + (py - y0) * dy) / len2)) : 0
                let ex = px - (x0 + t * dx), ey = py - (y0 + t * dy)
                let d = (ex * ex + ey * ey).squareRoot()
                let coverage = max(0, min(1, r + 0.5 - d))
                if coverage > 0 { blendMax(x, y, c, coverage) }
            }
        }
    }

    /// Polyline: joints are drawn once (coverage is the max over segments, so overlaps do not darken).
    public func polyline(_ points: [(Double, Double)], width w: Double, _ c: Color, dash: Double? = nil) {
        beginStroke()
        if let dash {
            for (a, b) in zip(points, points.dropFirst()) {
                let len = ((b.0 - a.0) * (b.0 - a.0) + (b.1 - a.1) * (b.1 - a.1)).squareRoot()
                var s = 0.0
                while s < len {
                    let e = min(len, s + dash)
                    line(a.0 + (b.0 - a.0) * s / len, a.1 + (b.1 - a.1) * s / len,
                         a.0 + (b.0 - a.0) * e / len, a.1 + (b.1 - a.1) * e / len, width: w, c)
                    s += 2 * dash
                }
            }
        } else {
            for (a, b) in zip(points, points.dropFirst()) { line(a.0, a.1, b.0, b.1, width: w, c) }
        }
        endStroke()
    }

    public func circle(cx: Double, cy: Double, radius: Double, _ c: Color) {
        for y in max(0, Int(cy - radius - 1))...min(height - 1, Int(cy + radius + 1)) {
            for x in max(0, Int(cx - radius - 1))...min(width - 1, Int(cx + radius + 1)) {
                let d = ((Double(x) + 0.5 - cx) * (Double(x) + 0.5 - cx) + (Double(y) + 0.5 - cy) * (Double(y) + 0.5 - cy)).squareRoot()
                blend(x, y, c, max(0, min(1, radius + 0.5 - d)))
            }
        }
    }

    // A stroke accumulates per-pixel coverage so that overlapping segments blend once.
    private var stroke: [Int: (Color, Double)]? = nil
    private func beginStroke() { stroke = [:] }
    private func endStroke() {
        guard let s = stroke else { return }
        stroke = nil
        for key in s.keys.sorted() { let (c, cov) = s[key]!; blend(key % width, key / width, c, cov) }
    }
    private func blendMax(_ x: Int, _ y: Int, _ c: Color, _ coverage: Double) {
        if stroke != nil {
            let key = y * width + x
            stroke![key] = (c, max(stroke![key]?.1 ?? 0, coverage))
        } else {
            blend(x, y, c, coverage)
        }
    }
}
