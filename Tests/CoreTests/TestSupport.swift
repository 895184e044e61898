import Foundation
import Core
import XCTest

/// A fresh temporary directory, removed when the test ends.
func makeTempDir(_ test: XCTestCase, _ name: String = "lab") throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir
}

/// Tests/Fixtures/<sub>, found from this source file so no absolute path is committed.
func fixtureURL(_ sub: String) -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures").appendingPathComponent(sub)
}

func sine(_ hz: Double, seconds: Double, rate: Int, amplitude: Double = 0.5) -> [Float] {
    (0..<Int(seconds * Double(rate))).map { Float(amplitude * sin(2 * Double.pi * hz * Double($0) / Double(rate))) }
}

/// The engine context most tests run on: two threads, the kernels LAB_KERNELS names (the best this CPU
/// has when unset). Tests of threads and kernel paths build their own contexts beside it.
let engine = try! ExecutionContext.fromEnvironment(threads: 2)
