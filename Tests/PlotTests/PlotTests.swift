import CPNG
import Foundation
import XCTest
@testable import Plot

/// Decodes a PNG through libpng's simplified API into RGB.
func decodePNG(_ path: String) -> (width: Int, height: Int, rgb: [UInt8])? {
    var image = png_image()
    image.version = UInt32(PNG_IMAGE_VERSION)
    guard png_image_begin_read_from_file(&image, path) != 0 else { return nil }
    image.format = UInt32(PNG_FORMAT_RGB)
    var buffer = [UInt8](repeating: 0, count: Int(image.width * image.height * 3))
    guard png_image_finish_read(&image, nil, &buffer, 0, nil) != 0 else { return nil }
    return (Int(image.width), Int(image.height), buffer)
}

final class CanvasTests: XCTestCase {
    func testLineLandsWhereItShould() {
        let c = Canvas(width: 50, height: 50)
        c.line(10, 25, 40, 25, width: 2, .black)
        XCTAssertEqual(c.pixel(25, 24), .black)      // on the line
        XCTAssertEqual(c.pixel(25, 10), .white)      // far away
        XCTAssertEqual(c.pixel(5, 24), .white)       // beyond its end
    }

    /// libpng's errors come back as thrown errors naming the file, not as an abort: /dev/full
    /// accepts the open and fails the writes (ENOSPC) once stdio's buffer fills.
    func testPNGWriteErrorIsAnErrorNotAnAbort() throws {
        let c = Canvas(width: 400, height: 300)
        var state: UInt32 = 1
        for i in c.pixels.indices { state = state &* 1664525 &+ 1013904223; c.pixels[i] = UInt8(truncatingIfNeeded: state >> 24) }
        let fp = try XCTUnwrap(fopen("/dev/full", "wb"))
        defer { fclose(fp) }
        XCTAssertThrowsError(try PNGWriter.write(c, to: fp, name: "figure.png")) { e in
            XCTAssertTrue("\(e)".contains("figure.png"), "\(e)")
        }
        XCTAssertThrowsError(try PNGWriter.write(c, to: "/no/such/dir/figure.png")) { e in
            XCTAssertTrue("\(e)".contains("/no/such/dir/figure.png"), "\(e)")
        }
        XCTAssertThrowsError(try Font(path: "/no/such/font.ttf")) { e in XCTAssertTrue("\(e)".contains("font not found")) }
    }

    /// A diagonal line is anti-aliased: pixels along its edges take grey levels between black and
    /// white, more than a few of them (a hard-edged line would leave none).
    func testDiagonalLineIsAntiAliased() {
        let c = Canvas(width: 50, height: 50)
        c.line(5, 5, 45, 32, width: 1.5, .black)
        let pixels = (0..<50).flatMap { x in (0..<50).map { c.pixel(x, $0) } }
        let grey = pixels.filter { $0.r > 0 && $0.r < 255 }
        XCTAssertGreaterThan(grey.count, 20)
        XCTAssertTrue(pixels.contains(.black) || grey.contains { $0.r < 128 }, "the line's core is dark")
    }

    func testFilledRectAndTextInk() throws {
        let c = Canvas(width: 200, height: 60)
        c.fillRect(x0: 0, y0: 0, x1: 20, y1: 20, Color(hex: 0x1f77b4))
        XCTAssertEqual(c.pixel(10, 10), Color(hex: 0x1f77b4))
        XCTAssertEqual(c.pixel(25, 10), .white)
        c.text("Genre", x: 30, y: 40, size: 20, font: try Font.dejaVu())
        let ink = (30..<120).flatMap { x in (20..<45).map { c.pixel(x, $0) } }.filter { $0 != .white }
        XCTAssertGreaterThan(ink.count, 80)
        XCTAssert(ink.contains { $0 != .black }, "text is anti-aliased")
        // Kerning: "AV" is narrower than "A" + "V" measured apart.
        let f = try Font.dejaVu()
        XCTAssertLessThan(f.measure("AV", size: 40), f.measure("A", size: 40) + f.measure("V", size: 40))
    }

    func testTicksAtOneTwoFiveSteps() {
        XCTAssertEqual(niceTicks(0, 1), [0, 0.2, 0.4, 0.6, 0.8, 1.0].map { $0 }, accuracy: 1e-12)
        XCTAssertEqual(niceTicks(0, 37), [0, 10, 20, 30], accuracy: 1e-12)
        XCTAssertEqual(niceTicks(0, 37, target: 8), [0, 5, 10, 15, 20, 25, 30, 35], accuracy: 1e-12)
        XCTAssertEqual(tickLabel(0.25, step: 0.05), "0.25")
        XCTAssertEqual(tickLabel(20, step: 5), "20")
        XCTAssertEqual(tickLabel(0.875, step: 0.025), "0.875") // a 2.5 step needs one more decimal than its magnitude
        XCTAssertEqual(tickLabel(2.5, step: 2.5), "2.5")
    }
}

final class ChartTests: XCTestCase {
    let genres = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]

    func tmp(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("plot-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir.appendingPathComponent(name).path
    }

    func matrix() -> Figure {
        let counts = (0..<10).map { i in (0..<10).map { j in i == j ? 20 + i : (i + j) % 3 } }
        return Charts.confusionMatrix(counts: counts, labels: genres, title: "Multi class")
    }

    func testPNGDecodesAtExpectedSizeAndIsByteIdentical() throws {
        let a = tmp("a.png"), b = tmp("b.png")
        try matrix().writePNG(to: a)
        try matrix().writePNG(to: b)
        let bytesA = try Data(contentsOf: URL(fileURLWithPath: a))
        XCTAssertEqual(bytesA, try Data(contentsOf: URL(fileURLWithPath: b)))
        XCTAssertNil(bytesA.range(of: Data("tIME".utf8)), "no timestamp chunk")
        let image = try XCTUnwrap(decodePNG(a))
        XCTAssertEqual(image.width, matrix().width)
        XCTAssertEqual(image.height, matrix().height)
    }

    func testMatrixCellsAreColouredByCountWithContrastingText() throws {
        let fig = matrix()
        let canvas = try fig.render()
        let axes = fig.panels[0].0
        // The diagonal cell of the last class (29) is the darkest; an off-diagonal zero cell is near white.
        let dark = canvas.pixel(Int(axes.px(9.08)), Int(axes.py(0.92)))
        let light = canvas.pixel(Int(axes.px(1.08)), Int(axes.py(9.92))) // true 0, predicted 1: count 1
        XCTAssertLessThan(Int(dark.r) + Int(dark.g), Int(light.r) + Int(light.g))
        // White text on the dark cell: some white pixels in the cell centre.
        let cx = Int(axes.px(9.5)), cy = Int(axes.py(0.5))
        let centre = (cx - 12...cx + 12).flatMap { x in (cy - 10...cy + 10).map { canvas.pixel(x, $0) } }
        XCTAssert(centre.contains { $0.r > 230 && $0.g > 230 && $0.b > 230 })
    }

    /// An image puts row 0 at the top with origin .upper (a matrix) and at the bottom with .lower
    /// (a spectrogram); each pixel takes its nearest value through the colormap.
    func testImageOriginAndNearestValues() throws {
        for origin in [Image.Origin.upper, .lower] {
            let fig = Figure(width: 60, height: 60)
            let ax = fig.addAxes(x: 10, y: 10, width: 40, height: 40)
            ax.grid = false
            ax.xTicks = []
            ax.yTicks = []
            ax.add(Image(values: [0, 1], rows: 2, cols: 1, colormap: .viridis, lo: 0, hi: 1, extent: (0, 1, 0, 1), origin: origin))
            let c = try fig.render()
            let top = c.pixel(30, 15), bottom = c.pixel(30, 45)
            XCTAssertEqual(top, Colormap.viridis.color(origin == .upper ? 0 : 1), "\(origin)")
            XCTAssertEqual(bottom, Colormap.viridis.color(origin == .upper ? 1 : 0), "\(origin)")
        }
    }

    /// A colorbar is an axes of its own: a gradient image (low at the bottom) with ticks on the right.
    func testColorbarIsAnAxesWithAGradient() throws {
        let fig = Figure(width: 120, height: 240)
        let bar = fig.addColorbar(x: 20, y: 20, width: 18, height: 200, map: .blues, lo: 0, hi: 10, label: "count")
        XCTAssertTrue(bar.yAxisOnRight)
        XCTAssertEqual(bar.artists.count, 1)
        let c = try fig.render()
        // Pixel row y shows value (219.5 - y) / 200 of the range: light at the bottom, dark at the top.
        for y in [22, 60, 120, 217] {
            XCTAssertEqual(c.pixel(29, y), Colormap.blues.color(Double(219 - y) / 199), "row \(y)")
        }
        // Tick marks are drawn to the right of the bar, none to its left.
        let right = (20..<220).filter { c.pixel(40, $0) != .white }.count, left = (20..<220).filter { c.pixel(17, $0) != .white }.count
        XCTAssertGreaterThan(right, 3)
        XCTAssertEqual(left, 0)
    }

    func testAllFiguresRender() throws {
        let loss = Charts.lossHistory(trainLoss: [2, 1.5, 1, 0.8], validationLoss: [2.1, 1.7, 1.4, 1.5], trainAccuracy: [0.2, 0.4, 0.6,
                0.7],
                                      validationAccuracy: [0.2, 0.35, 0.5, 0.48], validationAUC: [0.6, 0.7, 0.8, nil], bestEpoch: 3,
                                              title: "t")
        let roc = Charts.roc(curves: [("jazz", [0, 0.5, 1], [0, 0.8, 1], 0.65), ("pop", [0, 1], [0, 1], nil)], title: "ROC")
        let spec = Charts.spectrogram(values: (0..<(32 * 20)).map { Float($0 % 37) }, rows: 32, cols: 20, sampleRate: 22050,
                                      hopLength: 512, frequencyTicks: [(0, "0"), (16, "1k"), (31, "8k")], title: "s")
        for (name, f) in [("loss", loss), ("roc", roc), ("spec", spec)] {
            let path = tmp("\(name).png")
            try f.writePNG(to: path)
            let image = try XCTUnwrap(decodePNG(path), name)
            XCTAssertEqual(image.width * image.height * 3, image.rgb.count)
            XCTAssert(image.rgb.contains { $0 < 100 }, "\(name) has ink")
        }
        // The chance diagonal of the ROC figure passes through the panel's centre.
        let canvas = try roc.render()
        let axes = roc.panels[0].0
        let p = canvas.pixel(Int(axes.px(0.5)), Int(axes.py(0.5)))
        XCTAssertNotEqual(p, .white)
    }
}

func XCTAssertEqual(_ a: [Double], _ b: [Double], accuracy: Double, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, file: file, line: line)
    for (x, y) in zip(a, b) { XCTAssertEqual(x, y, accuracy: accuracy, file: file, line: line) }
}

/// `legend(.best)` puts the box in the corner that hides the least data, as matplotlib's `loc="best"`.
final class LegendPlacementTests: XCTestCase {
    func axes() -> Axes {
        let ax = Axes()
        ax.frame = (x: 0, y: 0, w: 400, h: 300)
        ax.xRange = 0...10
        ax.yRange = 0...10
        return ax
    }

    func testTheLegendAvoidsTheCurvesPoints() {
        let ax = axes()
        ax.plot([6, 7, 8, 9, 9.5], [9.5, 9, 8.5, 9, 9.7], color: tab10[0], label: "late, high")
        XCTAssertEqual(ax.bestCorner(width: 120, height: 60), .upperLeft)
        ax.plot([0.5, 1, 2], [9, 9.5, 9.2], color: tab10[1], label: "early, high")
        XCTAssertEqual(ax.bestCorner(width: 120, height: 60), .lowerLeft)
    }

    /// A vertical marker line has both ends outside the box; it still counts as covered.
    func testALineThroughTheBoxCountsThoughItsEndsAreOutside() {
        let ax = axes()
        ax.plot([9, 9], [0, 10], color: tab10[2], label: "best epoch")
        XCTAssertEqual(ax.bestCorner(width: 120, height: 60), .upperLeft)
        let empty = axes()
        XCTAssertEqual(empty.bestCorner(width: 120, height: 60), .upperRight, "ties go to matplotlib's first corner")
    }
}
