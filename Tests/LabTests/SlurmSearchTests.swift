import Foundation
import XCTest
@testable import Lab

/// A search whose trials train as real Slurm jobs (`--executor slurm`) ends in the same
/// results.json, bit for bit, as the same search in one process. Needs a Slurm node: CI starts a
/// single-node cluster with scripts/slurm-single-node.sh; without one the test is skipped.
final class SlurmSearchTests: XCTestCase {
    func testSlurmSearchEqualsLocalSearch() throws {
        let sinfo = Process.run("sinfo", ["-h", "-o", "%t"])
        try XCTSkipUnless(sinfo.status == 0 && sinfo.output.contains("idle"), "no idle Slurm node (scripts/slurm-single-node.sh starts one)")
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
        let local = try reproduce("local", []), slurm = try reproduce("slurm", ["--executor", "slurm"])
        XCTAssertEqual(try JSONSerialization.data(withJSONObject: slurm, options: .sortedKeys),
                       try JSONSerialization.data(withJSONObject: local, options: .sortedKeys))
        // The trials really went through Slurm: each rung's job array left its logs.
        let ws = Workspace(root: root.appendingPathComponent("slurm").path)
        let logs = try FileManager.default.contentsOfDirectory(atPath: ws.run(ws.runIDs()[0]).file("trials")).filter { $0.hasPrefix("slurm-") }
        XCTAssertEqual(logs.count, 5 + 2 + 1, "\(logs)")
    }
}
