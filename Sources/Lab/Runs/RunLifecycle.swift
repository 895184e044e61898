import Core
import Foundation

/// The one lifecycle of a run folder, shared by training runs and searches. `begin` creates a run
/// (or takes one up again) with its manifest marked running by this process; `run` then ends it
/// exactly once: complete when the body returns, interrupted when it throws `Interrupted` (Ctrl-C,
/// SIGTERM: what was written stays, `lab reproduce` resumes it), failed with the error otherwise.
enum RunLifecycle {
    static func begin(_ e: Experiment, seed: UInt64, workspace: Workspace, command: String, context: ExecutionContext,
                      resuming existing: RunDirectory? = nil) throws -> (RunDirectory, RunManifest) {
        if let existing {
            var manifest = try existing.readManifest()
            guard manifest.status != .complete else { throw LabError("run \(existing.id) is already complete") }
            manifest.status = .running
            manifest.error = nil
            manifest.pid = getpid()
            manifest.host = ProcessInfo.processInfo.hostName
            manifest.resumedOn = (manifest.resumedOn ?? []) + [MachineDescription.current(kernels: context.kernels)]
            try existing.writeJSON(manifest, to: "manifest.json")
            return (existing, manifest)
        }
        let dir = try RunDirectory.create(targetDirectory: workspace.target, startedAt: Date())
        let manifest = RunManifest(runID: dir.id, experiment: e, status: .running, gitCommit: Git.commit(in: workspace.root),
                                   gitDirty: Git.isDirty(in: workspace.root), toolkitVersion: LabVersion.string,
                                   dataRoot: "", fingerprint: nil, classes: [], skipped: [], seed: seed,
                                   threads: context.threads, startTime: isoNow(), endTime: nil, error: nil, command: command,
                                   machine: MachineDescription.current(kernels: context.kernels), pid: getpid(),
                                   host: ProcessInfo.processInfo.hostName,
                                   engine: Engine.identity)
        try dir.writeJSON(manifest, to: "manifest.json")
        return (dir, manifest)
    }

    /// Runs `body` and records how the run ended. `onInterrupt` and `onFailure` add to the run's own
    /// log; the outcome (or the error) is what the caller reports.
    static func run(_ dir: RunDirectory, _ manifest: inout RunManifest, onInterrupt: () -> Void = {}, onFailure: (Error) -> Void = { _ in },
                    _ body: (inout RunManifest) throws -> RunMetrics) throws -> ExperimentRunner.Outcome {
        do {
            let metrics = try body(&manifest)
            try dir.end(&manifest, as: .complete)
            return .complete(dir, metrics)
        } catch is Interrupted {
            try dir.end(&manifest, as: .interrupted)
            onInterrupt()
            return .interrupted(dir)
        } catch {
            // Bad input found before anything but the manifest and log was written (a class typo, a
            // missing data folder, a pattern that matches nothing): the error is the user's to see,
            // and a new run leaves no folder behind for `lab runs` and `git status` to show.
            if error is UserError || error is CollectionError, manifest.resumedOn == nil, onlyRecords(dir) {
                try? FileManager.default.removeItem(atPath: dir.path)
                throw error
            }
            try? dir.end(&manifest, as: .failed, error: error)
            onFailure(error)
            throw error
        }
    }

    /// Nothing in the folder but its manifest and log.
    private static func onlyRecords(_ dir: RunDirectory) -> Bool {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return files.allSatisfy { ["manifest.json", "log.txt"].contains($0) || $0.hasPrefix(".") }
    }
}
