import CFreeType
import Foundation
import Numerics

public enum PlotError: Error, CustomStringConvertible {
    case fontMissing(String)
    case freetype(String, Int32)
    case png(String)
    public var description: String {
        switch self {
        case .fontMissing(let p): return "font not found: \(p) (install Debian's fonts-dejavu-core)"
        case .freetype(let what, let code): return "FreeType: \(what) failed (error \(code))"
        case .png(let reason): return "PNG: \(reason)"
        }
    }
}

/// An 8-bit coverage mask: text is rendered into one, then drawn onto a canvas at any angle.
public struct Mask {
    public var width: Int, height: Int
    public var alpha: [UInt8]
    /// Distance from the mask's top to the text baseline.
    public var baseline: Int
}

/// DejaVu Sans through FreeType: anti-aliased glyphs with kerning.
public final class Font {
    public static let searchPaths = ["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"]
    nonisolated(unsafe) private static var shared: [String: Font] = [:]
    private static let lock = NSLock()

    private var library: FT_Library?
    private var face: FT_Face?
    private var glyphs: [String: (Mask, Int, Int)] = [:] // cache: bitmap, left, advance(26.6)
    private let lock = NSLock()

    public static func dejaVu(bold: Bool = false) throws -> Font {
        let path = bold ? "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf" : searchPaths[0]
        return try lock.withLock {
            if let f = shared[path] { return f }
            let f = try Font(path: path)
            shared[path] = f
            return f
        }
    }

    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else { throw PlotError.fontMissing(path) }
        var lib: FT_Library?
        var err = FT_Init_FreeType(&lib)
        guard err == 0 else { throw PlotError.freetype("init", err) }
        var f: FT_Face?
        err = FT_New_Face(lib, path, 0, &f)
        guard err == 0 else { throw PlotError.freetype("open \(path)", err) }
        library = lib
        face = f
    }

    deinit {
        FT_Done_Face(face)
        FT_Done_FreeType(library)
    }

    /// Width in pixels of `text` at `size` pixels.
    public func measure(_ text: String, size: Double) -> Double { Double(render(text, size: size).width) }

    /// Renders a line of text into a mask.
    public func render(_ text: String, size: Double) -> Mask {
        lock.lock(); defer { lock.unlock() }
        FT_Set_Pixel_Sizes(face, 0, FT_UInt(size.rounded()))
        let metrics = face!.pointee.size.pointee.metrics
        let ascent = Int(metrics.ascender >> 6), descent = Int(-(metrics.descender >> 6))
        var pen = 0 // 26.6
        var placed: [(Mask, Int)] = []
        var previous: FT_UInt = 0
        let hasKerning = (face!.pointee.face_flags & FT_Long(FT_FACE_FLAG_KERNING)) != 0
        for scalar in text.unicodeScalars {
            let index = FT_Get_Char_Index(face, FT_ULong(scalar.value))
            if hasKerning && previous != 0 && index != 0 {
                var delta = FT_Vector()
                FT_Get_Kerning(face, previous, index, FT_UInt(FT_KERNING_DEFAULT.rawValue), &delta)
                pen += Int(delta.x)
            }
            previous = index
            let (mask, left, advance) = glyph(index, size: size)
            placed.append((mask, (pen >> 6) + left))
            pen += advance
        }
        let width = max(1, (pen >> 6) + 2), height = ascent + descent
        var out = Mask(width: width, height: height, alpha: [UInt8](repeating: 0, count: width * height), baseline: ascent)
        for (m, x0) in placed {
            let top = ascent - m.baseline
            for y in 0..<m.height {
                for x in 0..<m.width {
                    let tx = x0 + x, ty = top + y
                    guard tx >= 0, tx < width, ty >= 0, ty < height else { continue }
                    out.alpha[ty * width + tx] = max(out.alpha[ty * width + tx], m.alpha[y * m.width + x])
                }
            }
        }
        return out
    }

    private func glyph(_ index: FT_UInt, size: Double) -> (Mask, Int, Int) {
        let key = "\(index)@\(size)"
        if let g = glyphs[key] { return g }
        guard FT_Load_Glyph(face, index, FT_Int32(FT_LOAD_RENDER)) == 0, let slot = face?.pointee.glyph else {
            return (Mask(width: 0, height: 0, alpha: [], baseline: 0), 0, 0)
        }
        let bm = slot.pointee.bitmap
        let w = Int(bm.width), h = Int(bm.rows), pitch = Int(bm.pitch)
        var alpha = [UInt8](repeating: 0, count: w * h)
        if let buffer = bm.buffer {
            for y in 0..<h { for x in 0..<w { alpha[y * w + x] = buffer[y * pitch + x] } }
        }
        let g = (Mask(width: w, height: h, alpha: alpha, baseline: Int(slot.pointee.bitmap_top)),
                 Int(slot.pointee.bitmap_left), Int(slot.pointee.advance.x))
        glyphs[key] = g
        return g
    }
}

public enum TextAnchor { case left, center, right }
public enum TextBaseline { case top, middle, bottom, baseline }

extension Canvas {
    /// Draws text with its anchor point at (x, y), rotated by `degrees` counter-clockwise about it.
    public func text(_ s: String, x: Double, y: Double, size: Double, color: Color = .black, font: Font,
                     anchor: TextAnchor = .left, baseline: TextBaseline = .baseline, degrees: Double = 0) {
        guard !s.isEmpty else { return }
        let m = font.render(s, size: size)
        let ax: Double = anchor == .left ? 0 : anchor == .center ? Double(m.width) / 2 : Double(m.width)
        let ay: Double
        switch baseline {
        case .top: ay = 0
        case .middle: ay = Double(m.height) / 2
        case .bottom: ay = Double(m.height)
        case .baseline: ay = Double(m.baseline)
        }
        let th = degrees * Double.pi / 180, c = Elementary.cos(th), sn = Elementary.sin(th)
        // Bounding box of the rotated mask around the anchor.
        let corners = [(0.0, 0.0), (Double(m.width), 0), (0, Double(m.height)), (Double(m.width), Double(m.height))].map { (u,
                v) -> (Double, Double) in
            let du = u - ax, dv = v - ay
            return (x + du * c + dv * sn, y - du * sn + dv * c)
        }
        let minX = Int(corners.map(\.0).min()!.rounded(.down)), maxX = Int(corners.map(\.0).max()!.rounded(.up))
        let minY = Int(corners.map(\.1).min()!.rounded(.down)), maxY = Int(corners.map(\.1).max()!.rounded(.up))
        for py in max(0, minY)...min(height - 1, max(0, maxY)) {
            for px in max(0, minX)...min(width - 1, max(0, maxX)) {
                // Inverse rotation: canvas pixel centre -> mask coordinates, bilinear sample.
                let dx = Double(px) + 0.5 - x, dy = Double(py) + 0.5 - y
                let u = dx * c - dy * sn + ax - 0.5, v = dx * sn + dy * c + ay - 0.5
                if degrees == 0 {
                    let iu = Int(u.rounded()), iv = Int(v.rounded())
                    if iu >= 0, iv >= 0, iu < m.width, iv < m.height, m.alpha[iv * m.width + iu] > 0 {
                        blend(px, py, color, Double(m.alpha[iv * m.width + iu]) / 255)
                    }
                    continue
                }
                let u0 = Int(u.rounded(.down)), v0 = Int(v.rounded(.down)), fu = u - Double(u0), fv = v - Double(v0)
                func a(_ i: Int, _ j: Int) -> Double {
                    (i >= 0 && j >= 0 && i < m.width && j < m.height) ? Double(m.alpha[j * m.width + i]) / 255 : 0
                }
                let value = a(u0, v0) * (1 - fu) * (1 - fv) + a(u0 + 1, v0) * fu * (1 - fv) + a(u0, v0 + 1) * (1 - fu) * fv + a(u0 + 1,
                        v0 + 1) * fu * fv
                if value > 0 { blend(px, py, color, value) }
            }
        }
    }
}
