import Foundation
@testable import Lab
import XCTest

/// A report's footer says "with uncommitted changes" only when an input changed, not when lab's own
/// outputs (another notebook's report, figures, runs) are what differ from HEAD.
final class GitDirtyTests: XCTestCase {
    func testOutputsAreTheReportsAndRunsLabWrites() {
        for output in ["reports/results.md", "reports/next-steps.json", "reports/figures/next-steps/x.png", "target/1796656371/roc.png"] {
            XCTAssertTrue(Git.isOutput(output), output)
        }
        for input in ["reports/results.lab.md", "Sources/Core/NN/GEMM.swift", "reports/splits/test.csv", "README.md", "Package.swift"] {
            XCTAssertFalse(Git.isOutput(input), input)
        }
        XCTAssertEqual(Git.path(ofStatusLine: " M reports/results.md"), "reports/results.md")
        XCTAssertEqual(Git.path(ofStatusLine: "R  a.swift -> b.swift"), "b.swift")
    }

    func testOnlyAChangedInputMakesTheTreeDirty() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-git-dirty-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir + "/reports", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func write(_ file: String, _ text: String) throws { try text.write(toFile: dir + "/" + file, atomically: true, encoding: .utf8) }
        func git(_ args: String...) { XCTAssertEqual(Git.run(args, in: dir).status, 0, args.joined(separator: " ")) }
        git("init", "-q")
        git("config", "user.email", "t@example.invalid")
        git("config", "user.name", "t")
        for (f, t) in [("reports/results.lab.md", "cells"), ("reports/results.md", "old"), ("main.swift", "code")] { try write(f, t) }
        git("add", ".")
        git("commit", "-q", "-m", "one")
        XCTAssertEqual(Git.isDirty(in: dir), false)
        try write("reports/results.md", "regenerated")
        XCTAssertEqual(Git.isDirty(in: dir), false, "a regenerated report is not an uncommitted input")
        try write("reports/results.lab.md", "changed cells")
        XCTAssertEqual(Git.isDirty(in: dir), true, "a changed notebook is")
        git("checkout", "-q", "--", "reports/results.lab.md")
        try write("main.swift", "changed code")
        XCTAssertEqual(Git.isDirty(in: dir), true, "changed code is")
    }
}
