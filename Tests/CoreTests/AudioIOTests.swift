import XCTest
@testable import Core

final class AudioIOTests: XCTestCase {
    func testWavRoundTrip() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-audio-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let samples = (0..<2205).map { Float(sin(Double($0) * 0.05) * 0.5) }
        let path = dir.appendingPathComponent("a.wav").path
        try AudioIO.write(AudioClip(samples: samples, sampleRate: 22050), to: path, format: .wav16)
        let back = try AudioIO.decode(path: path)
        XCTAssertEqual(back.sampleRate, 22050)
        XCTAssertEqual(back.samples.count, samples.count)
        for (a, b) in zip(samples, back.samples) { XCTAssertEqual(a, b, accuracy: 1.0 / 32767) }
    }
}
