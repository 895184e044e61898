import Foundation
import XCTest
@testable import Lab

/// `lab reproduce` as `dvc repro`: complete runs are reused, interrupted ones resume, and a report
/// finished after a real SIGINT or SIGKILL (mid-features or mid-training) is byte-identical to an
/// uninterrupted one, with only the interrupted cell recomputed. These run the built `lab` binary.
final class InterruptionTests: XCTestCase {
    /// Cell `a` is small and quick; cell `b` has its own collection (synthesis and features to do)
    /// and enough epochs to be caught mid-training.
    static let notebook = """
    # Two cells

    ```lab
    name: a
    data: {clips_per_genre: 4, seconds: 3}
    classes: [classical, metal]
    features: {n_mels: 32}
    segment: {seconds: 1, hop: 1}
    model: {filters: [4, 8], dense: 8, dropout: 0.2}
    training: {epochs: 2, batch_size: 8, patience: null}
    ```

    ```lab
    name: b
    data: {clips_per_genre: 12, seconds: 6}
    classes: [classical, metal, reggae, jazz]
    features: {n_mels: 40}
    segment: {seconds: 1, hop: 0.5}
    model: {filters: [6, 8], dense: 8, dropout: 0.2}
    training: {epochs: 12, batch_size: 8, patience: null}
    ```
    """

    var root: URL!
    var baseline: Data!

    /// The `lab` executable SwiftPM built beside this test bundle.
    static var lab: URL {
        let runner = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
                ?? CommandLine.arguments[0])
        return runner.deletingLastPathComponent().appendingPathComponent("lab")
    }

    override func setUpWithError() throws {
        try XCTSkipUnless(FileManager.default.isExecutableFile(atPath: Self.lab.path), "no lab binary at \(Self.lab.path)")
        root = FileManager.default.temporaryDirectory.appendingPathComponent("lab-int-\(UUID().uuidString)")
    }

    override func tearDownWithError() throws { if let root { try? FileManager.default.removeItem(at: root) } }

    func workspace(_ name: String) throws -> URL {
        let dir = root.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try Self.notebook.write(to: dir.appendingPathComponent("nb.lab.md"), atomically: true, encoding: .utf8)
        return dir
    }

    func start(in dir: URL, _ args: [String] = []) throws -> Process {
        let p = Process()
        p.executableURL = Self.lab
        p.arguments = ["reproduce", "nb.lab.md", "--quiet"] + args
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }

    @discardableResult
    func reproduce(in dir: URL, _ args: [String] = []) throws -> Int32 {
        let p = try start(in: dir, args)
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// results.json without its machine block (the one part that names where it ran).
    func results(_ dir: URL) throws -> Data {
        var json = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("nb.json"))) as! [String: Any]
        json["machine"] = nil
        return try JSONSerialization.data(withJSONObject: json, options: [.sortedKeys])
    }

    func manifests(_ dir: URL) throws -> [RunManifest] {
        let ws = Workspace(root: dir.path)
        return try ws.runIDs().map { try ws.run($0).readManifest() }
    }

    /// Polls until `condition` holds (or fails the test after a minute).
    func wait(_ what: String, _ condition: () -> Bool) {
        let deadline = Date().addingTimeInterval(60)
        while !condition() {
            if Date() > deadline { return XCTFail("timed out waiting for \(what)") }
            usleep(20_000)
        }
    }

    func uninterruptedResults() throws -> Data {
        if let baseline { return baseline }
        let dir = try workspace("clean")
        XCTAssertEqual(try reproduce(in: dir), 0)
        baseline = try results(dir)
        return baseline
    }

    /// Kills `lab reproduce` with `signal` once `when` holds, then runs `lab reproduce` again and
    /// checks the report against an uninterrupted one, and that cell a ran exactly once.
    func interruptThenFinish(signal: Int32, when what: String, _ when: @escaping (URL) -> Bool,
                             expectStatus: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let expected = try uninterruptedResults()
        let dir = try workspace("sig\(signal)-\(what.replacingOccurrences(of: " ", with: "-"))")
        let p = try start(in: dir)
        wait(what) { when(dir) || !p.isRunning }
        XCTAssertTrue(p.isRunning, "lab finished before it could be interrupted \(what)", file: file, line: line)
        let sent = Date()
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        // Stopping is prompt in every phase (the issue asks for about a second; generous for CI).
        XCTAssertLessThan(Date().timeIntervalSince(sent), 5, "lab took too long to stop", file: file, line: line)
        XCTAssertNotEqual(p.terminationStatus, 0, file: file, line: line)
        let b = try manifests(dir).first { $0.experiment.name == "b" }
        XCTAssertEqual(b?.displayStatus, expectStatus, file: file, line: line)
        let folder = try XCTUnwrap(Self.runFolder(of: "b", in: dir))
        let reachedTraining = FileManager.default.fileExists(atPath: folder + "/split.json")
        XCTAssertEqual(reachedTraining, what == "mid training", "stopped in the wrong phase", file: file, line: line)

        XCTAssertEqual(try reproduce(in: dir), 0, file: file, line: line)
        XCTAssertEqual(try results(dir), expected, "report differs from an uninterrupted run's", file: file, line: line)
        let runs = try manifests(dir)
        XCTAssertEqual(runs.filter { $0.experiment.name == "a" }.count, 1, "cell a was recomputed", file: file, line: line)
        XCTAssertEqual(runs.filter { $0.experiment.name == "b" }.count, 1, "cell b was started afresh instead of resumed", file: file,
                       line: line)
        XCTAssertTrue(runs.allSatisfy { $0.status == .complete }, file: file, line: line)
        let log = try String(contentsOfFile: folder + "/log.txt", encoding: .utf8)
        XCTAssertTrue(log.contains(what == "mid training" ? "resumed from" : "resumed"), log, file: file, line: line)
    }

    static func runFolder(of cell: String, in dir: URL) -> String? {
        let ws = Workspace(root: dir.path)
        return ws.runIDs().first { (try? ws.run($0).readManifest())?.experiment.name == cell }.map { ws.run($0).path }
    }

    static func midTraining(_ dir: URL) -> Bool {
        runFolder(of: "b", in: dir).map { FileManager.default.fileExists(atPath: $0 + "/checkpoint.safetensors") } ?? false
    }

    /// Cell b's collection is synthesised (its .complete marker is written) and its split is not yet:
    /// feature extraction is under way.
    static func midFeatures(_ dir: URL) -> Bool {
        guard let run = runFolder(of: "b", in: dir) else { return false }
        let data = dir.appendingPathComponent("target/data").path
        let synthesised = ((try? FileManager.default.contentsOfDirectory(atPath: data)) ?? []).contains {
            $0.contains("12x6s") && FileManager.default.fileExists(atPath: data + "/" + $0 + "/.complete")
        }
        return synthesised && !FileManager.default.fileExists(atPath: run + "/split.json")
    }

    func testSIGINTMidTraining() throws {
        try interruptThenFinish(signal: SIGINT, when: "mid training", Self.midTraining, expectStatus: "interrupted")
    }

    func testSIGKILLMidTraining() throws {
        try interruptThenFinish(signal: SIGKILL, when: "mid training", Self.midTraining, expectStatus: "interrupted (process gone)")
    }

    func testSIGINTMidFeatures() throws {
        try interruptThenFinish(signal: SIGINT, when: "mid features", Self.midFeatures, expectStatus: "interrupted")
    }

    func testSIGKILLMidFeatures() throws {
        try interruptThenFinish(signal: SIGKILL, when: "mid features", Self.midFeatures, expectStatus: "interrupted (process gone)")
    }

    /// A second `lab reproduce` reuses every complete run (no new run folder, same report bytes);
    /// --force reruns them all, and the report is still the same bytes.
    func testReuseAndForce() throws {
        let dir = try workspace("reuse")
        XCTAssertEqual(try reproduce(in: dir), 0)
        let first = try results(dir), ids = Workspace(root: dir.path).runIDs()
        XCTAssertEqual(ids.count, 2)
        XCTAssertEqual(try reproduce(in: dir), 0)
        XCTAssertEqual(Workspace(root: dir.path).runIDs(), ids, "a complete run was not reused")
        XCTAssertEqual(try results(dir), first)
        XCTAssertEqual(try reproduce(in: dir, ["--force"]), 0)
        XCTAssertEqual(Workspace(root: dir.path).runIDs().count, 4, "--force did not rerun both cells")
        XCTAssertEqual(try results(dir), first)
    }

    /// While one `lab reproduce` holds the workspace, a second refuses at once with a clear message.
    func testSecondProcessInTheSameWorkspaceRefuses() throws {
        let dir = try workspace("lock")
        let first = try start(in: dir)
        wait("the first process to take the lock") { FileManager.default.fileExists(atPath: dir.path + "/target/.lock") }
        let second = Process()
        let err = Pipe()
        second.executableURL = Self.lab
        second.arguments = ["reproduce", "nb.lab.md", "--quiet"]
        second.currentDirectoryURL = dir
        second.standardError = err
        second.standardOutput = FileHandle.nullDevice
        try second.run()
        second.waitUntilExit()
        let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(second.terminationStatus, 1)
        XCTAssertTrue(message.contains("another lab process (pid \(first.processIdentifier)) is running in this workspace"), message)
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
    }
}
