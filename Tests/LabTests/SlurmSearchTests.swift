import Foundation
import XCTest
import Yams
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

/// The Kubernetes manifest is only emitted (no cluster here): it must be valid YAML of an Indexed
/// Job whose pods pick their trial by JOB_COMPLETION_INDEX.
final class KubernetesManifestTests: XCTestCase {
    func testIndexedJobManifest() throws {
        let text = SearchK8sCommand.manifest(run: "123", rung: 2, epochs: 9, trials: [4, 7, 8], image: "lab:1", claim: "ws", workspace: "/w",
                                             cpus: 2, parallelism: 8)
        let yaml = try XCTUnwrap(try Yams.load(yaml: text) as? [String: Any])
        XCTAssertEqual(yaml["kind"] as? String, "Job")
        let spec = try XCTUnwrap(yaml["spec"] as? [String: Any])
        XCTAssertEqual(spec["completionMode"] as? String, "Indexed")
        XCTAssertEqual(spec["completions"] as? Int, 3)
        XCTAssertEqual(spec["parallelism"] as? Int, 3)
        XCTAssertTrue(text.contains("value: \"4 7 8\"") && text.contains("shift $JOB_COMPLETION_INDEX")
                      && text.contains("lab search trial 123 --trial $1 --epochs 9"), text)
        // The pod's shell picks trial i for completion index i.
        for (index, trial) in [4, 7, 8].enumerated() {
            let r = Process.run("bash", ["-c", "TRIALS='4 7 8'; JOB_COMPLETION_INDEX=\(index); set -- $TRIALS; shift $JOB_COMPLETION_INDEX; echo $1"])
            XCTAssertEqual(r.output.trimmingCharacters(in: .whitespacesAndNewlines), "\(trial)")
        }
    }
}
