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
        try XCTSkipUnless(sinfo.status == 0 && sinfo.output.contains("idle"),
                          "no idle Slurm node (scripts/slurm-single-node.sh starts one)")
        try compare(["--executor", "slurm"], logPrefix: "slurm-")
    }

    /// `lab search submit --slurm` returns at once; its chain of jobs (array per rung, promotion
    /// after each with afterok, collect last) ends in the same results.json as a local search.
    func testSubmittedChainEqualsLocalSearch() throws {
        let sinfo = Process.run("sinfo", ["-h", "-o", "%t"])
        try XCTSkipUnless(sinfo.status == 0 && sinfo.output.contains("idle"),
                          "no idle Slurm node (scripts/slurm-single-node.sh starts one)")
        let (root, local) = try workspaceAndLocalResult()
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("submitted")
        try lab(["search", "submit", "nb.lab.md", "--cell", "tuned", "--slurm", "--quiet"], in: dir)
        let ws = Workspace(root: dir.path)
        let run = ws.run(ws.runIDs()[0])
        let submission = try XCTUnwrap(SlurmSubmission.read(run))
        XCTAssertEqual(submission.jobs.map(\.name), ["rung1", "promote1", "rung2", "promote2", "rung3", "promote3", "collect"])
        // Done when the collect job has left the queue: the run is marked complete before that job
        // goes on to write the notebook's report, so the run's status alone is not enough.
        let collect = try XCTUnwrap(submission.jobs.last?.id)
        let deadline = Date().addingTimeInterval(600)
        while Date() < deadline {
            // Nothing on standard output: the job has ended (squeue fails outright once it is purged).
            let queued = Process.run("squeue", ["-h", "-j", collect, "-o", "%i"], errors: false)
            let ended = queued.output.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            if ended, (try run.readManifest()).status == .complete { break }
            Thread.sleep(forTimeInterval: 1)
        }
        XCTAssertEqual(try run.readManifest().status, .complete, "the chain did not finish in 10 minutes")
        XCTAssertEqual(try results(in: dir), local)
        // Every array task and step left its Slurm log: 5 + 2 + 1 trial tasks, 3 promotions, 1 collect.
        let logs = try FileManager.default.contentsOfDirectory(atPath: run.file("slurm")).filter { $0.hasSuffix(".out") }
        XCTAssertEqual(logs.filter { $0.hasPrefix("rung") }.count, 8, "\(logs)")
        XCTAssertEqual(logs.filter { $0.hasPrefix("promote") }.count, 3, "\(logs)")
        XCTAssertEqual(logs.filter { $0.hasPrefix("collect") }.count, 1, "\(logs)")
    }

    /// The steps by hand: `lab search run` for each trial (a second call does nothing), `promote`
    /// after each rung, `collect` at the end; the same results.json as a local search.
    func testStepsByHandEqualLocalSearch() throws {
        let (root, local) = try workspaceAndLocalResult()
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("steps")
        let ws = Workspace(root: dir.path)
        for rung in 1...3 {
            for trial in 0..<5 { try lab(["search", "run", "nb.lab.md", "--cell", "tuned", "--trial", "\(trial)", "--quiet"], in: dir) }
            let run = ws.run(ws.runIDs()[0])
            let before = try Data(contentsOf: URL(fileURLWithPath: SearchRunner.trialFile(run, 0, "status.json")))
            try lab(["search", "run", "nb.lab.md", "--cell", "tuned", "--trial", "0", "--rung", "\(rung)", "--quiet"], in: dir)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: SearchRunner.trialFile(run, 0, "status.json"))), before,
                           "a rerun changed trial 0")
            try lab(["search", "promote", run.id, "--rung", "\(rung)"], in: dir)
        }
        XCTAssertEqual(ws.runIDs().count, 1, "one search run for all the steps")
        try lab(["search", "collect", ws.runIDs()[0], "--quiet"], in: dir)
        XCTAssertEqual(try results(in: dir), local)
    }

    /// A trial whose job ended without a result is marked failed when its rung is ranked, and the
    /// search goes on without it.
    func testPromotionMarksAMissingTrialFailed() throws {
        let (root, _) = try workspaceAndLocalResult(local: false)
        defer { try? FileManager.default.removeItem(at: root) }
        let dir = root.appendingPathComponent("missing")
        let ws = Workspace(root: dir.path)
        for trial in 0..<4 { try lab(["search", "run", "nb.lab.md", "--cell", "tuned", "--trial", "\(trial)", "--quiet"], in: dir) }
        let run = ws.run(ws.runIDs()[0])
        try lab(["search", "promote", run.id, "--rung", "1"], in: dir)
        let trial4 = try SearchRunner.status(run, 4)
        XCTAssertEqual(trial4.status, .failed)
        XCTAssertEqual(trial4.error, "no result for rung 1 when it was ranked")
        XCTAssertEqual(try SearchRunner.rungs(run)[0].ranking.map(\.trial).sorted(), [0, 1, 2, 3])
        try lab(["search", "collect", run.id, "--quiet"], in: dir)
        let record = try XCTUnwrap(try SearchRunner.record(in: run))
        XCTAssertEqual(record.trials[4].status, .failed)
        XCTAssertEqual(record.rungs.map(\.epochs), [1, 2, 3])
    }

    /// An array task retries a failing trial, then marks it failed naming its log, and exits 0 so
    /// the promotion (afterok) still runs.
    func testRungScriptRetriesThenMarksFailed() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-rung-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fake = dir.appendingPathComponent("fake-lab").path
        let fakeScript = "#!/bin/bash\nprintf '%s|' \"$@\" >> \"$CALLS\"; echo >> \"$CALLS\"\n"
            + "for a in \"$@\"; do [ \"$a\" = --mark-failed ] && exit 0; done\nexit 3\n"
        try fakeScript.write(toFile: fake, atomically: true, encoding: .utf8)
        chmod(fake, 0o755)
        let script = dir.appendingPathComponent("rung2.sh").path
        try SlurmSubmission.rungScript(run: "123", rung: 2, retries: 1, threads: 1).write(toFile: script, atomically: true, encoding: .utf8)
        let calls = dir.appendingPathComponent("calls").path
        let r = Process.run("env", ["LAB=\(fake)", "CALLS=\(calls)", "SLURM_ARRAY_TASK_ID=1", "SLURM_ARRAY_JOB_ID=77", "bash", script])
        XCTAssertEqual(r.status, 0, r.output)
        let lines = try String(contentsOfFile: calls, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3, "two attempts, then the mark: \(lines)")
        XCTAssertEqual(lines[0], "search|trial|123|--rung|2|--index|1|--threads|1|--quiet|")
        XCTAssertEqual(lines[1], lines[0])
        XCTAssertEqual(lines[2], "search|trial|123|--rung|2|--index|1|--mark-failed|exited with status 3 in each of 2 attempt(s); "
                       + "log: target/123/slurm/rung2-77_1.out|")
    }

    private var notebook: String {
        "# Search\n\n```lab\n\(EndToEndTests.searchCell.replacingOccurrences(of: "  baseline: tiny\n", with: ""))\n```\n"
    }

    /// A temporary root whose subfolders each get the notebook; and the local search's results.json.
    private func workspaceAndLocalResult(local: Bool = true) throws -> (URL, Data?) {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: InterruptionTests.lab.path), "no lab binary")
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-steps-\(UUID().uuidString)")
        for name in ["local", "submitted", "steps", "missing"] {
            let dir = root.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try notebook.write(to: dir.appendingPathComponent("nb.lab.md"), atomically: true, encoding: .utf8)
        }
        guard local else { return (root, nil) }
        try lab(["reproduce", "nb.lab.md", "--quiet"], in: root.appendingPathComponent("local"))
        return (root, try results(in: root.appendingPathComponent("local")))
    }

    private func results(in dir: URL) throws -> Data {
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("nb.json"))) as! [String: Any]
        json["machine"] = nil
        return try JSONSerialization.data(withJSONObject: json, options: .sortedKeys)
    }

    private func lab(_ args: [String], in dir: URL) throws {
        let p = Process()
        p.executableURL = InterruptionTests.lab
        p.arguments = args
        p.currentDirectoryURL = dir
        let out = Pipe()
        p.standardError = out
        p.standardOutput = out
        try p.run()
        let message = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 0, "lab \(args.joined(separator: " ")): \(message)")
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
        let logs = try FileManager.default.subpathsOfDirectory(atPath: trials)
            .filter { ($0 as NSString).lastPathComponent.hasPrefix(logPrefix) }
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
        let text = KubernetesJob.manifest(run: "123", rung: 2, epochs: 9, trials: [4, 7, 8], image: "lab:1", claim: "ws",
                                             workspace: "/w",
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
            let r = Process.run("bash", ["-c",
                                         "TRIALS='4 7 8'; JOB_COMPLETION_INDEX=\(index); set -- $TRIALS; shift $JOB_COMPLETION_INDEX; "
                                                 + "echo $1"])
            XCTAssertEqual(r.output.trimmingCharacters(in: .whitespacesAndNewlines), "\(trial)")
        }
    }
}
