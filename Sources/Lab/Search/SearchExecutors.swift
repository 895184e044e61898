import Core
import Foundation

/// Where a search's trials train, besides this process: worker processes on this machine, or Slurm
/// job arrays. Both run `lab search trial`, both mark a trial that ended without its result failed
/// through the trial store, and Slurm jobs are built by the one sbatch builder (SlurmSubmission).
extension SearchRunner {
    /// `workers` trials at a time, each a `lab search trial` process with its share of the threads;
    /// a process that fails leaves its trial marked failed, with its output in trials/NNN/worker.log.
    func runInProcesses(_ pending: [Int], rung r: Int, epochs: Int, workers: Int, dir: RunDirectory, bar: ProgressReporter) throws {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let threads = max(1, context.threads / max(1, workers))
        var queue = pending[...], running: [(trial: Int, process: Process)] = []
        func finish(_ t: Int, _ p: Process) throws {
            // A worker stopped by Ctrl-C (which reaches the whole process group) is interrupted, not failed.
            if p.terminationStatus != 0, !shouldStop(), (try? Self.status(dir, t))?.scores.count ?? 0 <= r {
                var trial = try Self.status(dir, t)
                try TrialStore(dir: dir).markFailed(&trial, reason: "lab search trial exited with status \(p.terminationStatus); log: "
                                                    + workspace.relative(trialFile(dir, t, "worker.log")))
            }
        }
        while !queue.isEmpty || !running.isEmpty {
            if shouldStop() {
                for (_, p) in running { p.interrupt() }
                for (_, p) in running { p.waitUntilExit() }
                throw Interrupted()
            }
            while running.count < workers, let t = queue.popFirst() {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: exe)
                p.arguments = ["search", "trial", dir.id, "--trial", "\(t)", "--epochs", "\(epochs)", "--threads", "\(threads)", "--quiet"]
                p.currentDirectoryURL = URL(fileURLWithPath: workspace.root)
                FileManager.default.createFile(atPath: trialFile(dir, t, "worker.log"), contents: nil)
                let log = try FileHandle(forWritingTo: URL(fileURLWithPath: trialFile(dir, t, "worker.log")))
                p.standardOutput = log
                p.standardError = log
                try p.run()
                running.append((t, p))
            }
            bar.status("rung \(r + 1) (\(epochs) epochs): trials \(running.map { "\($0.trial)" }.joined(separator: ", ")) running, "
                       + "\(queue.count) waiting", force: true)
            Thread.sleep(forTimeInterval: 0.1)
            for (t, p) in running where !p.isRunning { try finish(t, p) }
            running.removeAll { !$0.process.isRunning }
        }
    }

    /// Submits the rung's pending trials as one Slurm job array and waits for every trial's
    /// status.json to show the rung. A job that ends without it marks its trial failed, naming its log.
    func runOnSlurm(_ pending: [Int], rung r: Int, epochs: Int, options: SlurmOptions, dir: RunDirectory, bar: ProgressReporter) throws {
        let exe = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let list = pending.map(String.init).joined(separator: ",")
        let log = dir.file("trials/slurm-%A_%a.out")
        let cpus = options.cpus ?? context.threads // the CPUs a job asks for are the threads its trial trains with
        let worker = "trials=(\(pending.map(String.init).joined(separator: " "))); exec '\(exe)' search trial \(dir.id) "
            + "--trial ${trials[$SLURM_ARRAY_TASK_ID]} --epochs \(epochs) --threads \(cpus)"
        let args = SlurmSubmission.sbatchArguments(name: "lab-search-r\(r + 1)", cpus: cpus, options: options, array: pending.count,
                                                   log: log,
                                                   workspace: workspace)
            + ["--wrap", "bash -c '\(worker.replacingOccurrences(of: "'", with: "'\\''"))'"]
        let job = try SlurmSubmission.sbatch(args, what: "rung \(r + 1)")
        bar.status("rung \(r + 1) (\(epochs) epochs): Slurm job array \(job), trials \(list)", force: true)
        func done(_ t: Int) -> Bool { ((try? Self.status(dir, t))?.scores.count ?? 0) > r || (try? Self.status(dir, t))?.status == .failed }
        while !pending.allSatisfy(done) {
            if shouldStop() { _ = Process.run("scancel", [job]); throw Interrupted() }
            let queued = Process.run("squeue", ["-h", "-j", job, "-o", "%i"]).output.trimmingCharacters(in: .whitespacesAndNewlines)
            if queued.isEmpty && !pending.allSatisfy(done) {
                Thread.sleep(forTimeInterval: 0.5) // a last status write may still be landing
                // A job that ended without its result (crashed, killed, node lost): the trial is marked
                // failed with its log, and the search goes on without it.
                for (index, t) in pending.enumerated() where !done(t) {
                    var trial = try Self.status(dir, t)
                    try TrialStore(dir: dir).markFailed(&trial,
                                                        reason: "Slurm job \(job)_\(index) ended without finishing rung \(r + 1); log: "
                                                        + workspace.relative(dir.file("trials/slurm-\(job)_\(index).out")))
                }
                return
            }
            Thread.sleep(forTimeInterval: 0.3)
        }
    }
}
