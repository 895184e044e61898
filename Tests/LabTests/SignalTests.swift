import Foundation
import XCTest
@testable import Lab

/// Ctrl-C for real: the `lab` binary built beside the tests gets SIGINT mid-training.
final class SignalTests: XCTestCase {
    func testSIGINTLeavesAnInterruptedRunThatResumes() throws {
        let lab = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("lab")
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: lab.path), "lab binary not built beside the tests")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-sigint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: root) }
        try """
        ```lab
        name: long
        data: {clips_per_genre: 4, seconds: 3}
        classes: [jazz, pop]
        features: {n_mels: 16}
        segment: {seconds: 1, hop: 0.5}
        model: {filters: [2], dense: 4}
        training: {epochs: 100000, batch_size: 4, patience: null}
        ```
        """.write(to: root.appendingPathComponent("long.lab.md"), atomically: true, encoding: .utf8)

        func launch(_ args: [String]) throws -> Process {
            let p = Process()
            p.executableURL = lab
            p.arguments = args
            p.currentDirectoryURL = root
            p.standardOutput = FileHandle.nullDevice
            p.standardError = FileHandle.nullDevice
            try p.run()
            return p
        }
        let run = try launch(["reproduce", "long.lab.md", "--quiet"])
        // Wait for the first checkpoint, then press Ctrl-C.
        let target = root.appendingPathComponent("target")
        var runDir: URL?
        for _ in 0..<600 where runDir == nil {
            Thread.sleep(forTimeInterval: 0.05)
            let ids = ((try? FileManager.default.contentsOfDirectory(atPath: target.path)) ?? []).filter { $0.first?.isNumber == true }
            runDir = ids.map { target.appendingPathComponent($0) }
                .first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("checkpoint.safetensors").path) }
        }
        let dir = try XCTUnwrap(runDir, "no checkpoint appeared")
        kill(run.processIdentifier, SIGINT)
        run.waitUntilExit()
        XCTAssertNotEqual(run.terminationStatus, 0)
        let manifest = try RunDirectory(id: dir.lastPathComponent, path: dir.path).readManifest()
        XCTAssertEqual(manifest.status, .interrupted)

        // Resume with a cell that now ends soon: the manifest's experiment is edited to 3 epochs past the checkpoint.
        var m = manifest
        let done = (try? String(contentsOf: dir.appendingPathComponent("history.csv"), encoding: .utf8))?.split(separator: "\n").count ?? 1
        m.experiment.training.epochs = done - 1 + 3
        try JSONCoding.encode(m).write(to: dir.appendingPathComponent("manifest.json"))
        let resume = try launch(["resume", dir.lastPathComponent, "--quiet"])
        resume.waitUntilExit()
        XCTAssertEqual(resume.terminationStatus, 0)
        let finished = RunDirectory(id: dir.lastPathComponent, path: dir.path)
        XCTAssertEqual(try finished.readManifest().status, .complete)
        XCTAssertEqual(try finished.readMetrics()?.epochsRun, done - 1 + 3)
    }
}
