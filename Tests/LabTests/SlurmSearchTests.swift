import Foundation
import XCTest
@testable import Lab

/// A search whose trials train as separate processes (`--workers 2`) or as real Slurm jobs
/// (`--executor slurm`) ends in the same results.json, bit for bit, as the same search in one
/// process. The Slurm test needs a Slurm node: CI starts a single-node cluster with
/// scripts/slurm-single-node.sh; without one it is skipped.
final class SlurmSearchTests: XCTestCase {
    func testWorkerProcessesEqualOneProcess() throws {
        try compare(["--workers", "2"], logPrefix: "worker")
    }

    func testSlurmSearchEqualsLocalSearch() throws {
        let sinfo = Process.run("sinfo", ["-h", "-o", "%t"])
        try XCTSkipUnless(sinfo.status == 0 && sinfo.output.contains("idle"), "no idle Slurm node (scripts/slurm-single-node.sh starts one)")
        try compare(["--executor", "slurm"], logPrefix: "slurm-")
    }

    func compare(_ args: [String], logPrefix: String) throws {
        let lab = InterruptionTests.lab
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: lab.path), "no lab binary at \(lab.path)")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-slurm-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let notebook = "# Search\n\n```lab\n\(EndToEndTests.searchCell.replacingOccurrences(of: "  baseline: tiny\n", with: ""))\n```\n"
        func reproduce(_ name: String, _ args: [String]) throws -> [String: Any] {
            let dir = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try notebook.write(to: dir.appendingPathComponent("nb.lab.md"), atomically: true, encoding: .utf8)
            let p = Process()
            p.executableURL = lab
            p.arguments = ["reproduce", "nb.lab.md", "--quiet"] + args
            p.currentDirectoryURL = dir
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            XCTAssertEqual(p.terminationStatus, 0, message)
            var json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("nb.json"))) as! [String: Any]
            json["machine"] = nil
            return json
        }
        let local = try reproduce("local", []), other = try reproduce("other", args)
        XCTAssertEqual(try JSONSerialization.data(withJSONObject: other, options: .sortedKeys),
                       try JSONSerialization.data(withJSONObject: local, options: .sortedKeys))
        // The trials really ran elsewhere: each trial-rung left its job's log (5 + 2 + 1 of them).
        let ws = Workspace(root: root.appendingPathComponent("other").path)
        let trials = ws.run(ws.runIDs()[0]).file("trials")
        let logs = try FileManager.default.subpathsOfDirectory(atPath: trials).filter { ($0 as NSString).lastPathComponent.hasPrefix(logPrefix) }
        if logPrefix == "worker" {
            XCTAssertEqual(logs.count, 5, "one worker.log per trial: \(logs)")
        } else {
            XCTAssertEqual(logs.count, 5 + 2 + 1, "\(logs)")
        }
    }
}
