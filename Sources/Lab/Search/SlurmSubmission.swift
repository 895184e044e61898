import Core
import Foundation

/// `lab search submit --slurm`: a whole search as a chain of Slurm jobs, and nothing waiting on
/// this machine. Per rung, one `sbatch --array` job trains the rung's trials (`lab search trial
/// --rung R --index $SLURM_ARRAY_TASK_ID`), then a promotion job (`lab search promote`) ranks the
/// rung; each job waits for the one before with `--dependency=afterok`. A last job (`lab search
/// collect`) evaluates the chosen trial and writes the notebook's report.
///
/// A failed trial never blocks the chain: each array task retries its trial, then marks it failed
/// with its log and exits 0, so `afterok` still holds and the promotion ranks the others. Jobs are
/// `--requeue`d if their node is lost, and a dependent job is cancelled
/// (`--kill-on-invalid-dep=yes`) rather than left pending forever if a promotion itself fails.
/// What was submitted is in target/RUN/submission.json. The scripts (in target/RUN/slurm/) name `$LAB`,
/// which sbatch exports, so they hold no path
/// from this machine.
struct SlurmSubmission: Codable {
    struct Job: Codable {
        var name: String
        var id: String
        var script: String
    }
    /// The notebook and cell, relative to the workspace, so `lab search collect` can write the report.
    var notebook: String
    var cell: String
    var dataOverride: String?
    var jobs: [Job]

    static let file = "submission.json"

    static func read(_ dir: RunDirectory) -> SlurmSubmission? {
        guard let d = FileManager.default.contents(atPath: dir.file(file)) else { return nil }
        return try? JSONCoding.decoder.decode(SlurmSubmission.self, from: d)
    }

    /// A search whose Slurm jobs are still queued or running must not also be trained here.
    /// The job asking (`lab search collect`, the chain's last) does not count itself.
    static func refuseWhileQueued(_ dir: RunDirectory, workspace: Workspace) throws {
        guard let submission = read(dir), !submission.jobs.isEmpty else { return }
        let me = ProcessInfo.processInfo.environment["SLURM_JOB_ID"]
        let ids = submission.jobs.map(\.id).filter { $0 != me }
        guard !ids.isEmpty else { return }
        let queued = Process.run("squeue", ["-h", "-j", ids.joined(separator: ","), "-o", "%i"], errors: false)
        let active = queued.output.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        guard queued.status == 0, !active.isEmpty else { return }
        throw LabError("search \(dir.id) still has Slurm jobs queued or running (\(active.joined(separator: ", ")))",
                       hint: "`lab search status \(dir.id)` shows its trials; its last job (`lab search collect`) writes the report")
    }

    /// Array sizes per rung: every trial at the first rung, then at most the survivors of the rung
    /// before (fewer if trials failed; the spare tasks find nothing to train and exit).
    static func arraySizes(_ spec: SearchSpec) -> [Int] {
        var sizes = [spec.trials]
        for _ in spec.rungs.dropFirst() { sizes.append(spec.survivors(of: sizes.last!)) }
        return sizes
    }

    static func rungScript(run: String, rung: Int, retries: Int, threads: Int) -> String {
        """
        #!/bin/bash
        # Rung \(rung) of search \(run): array task i trains the i-th trial that entered this rung.
        # A trial that fails \(retries + 1) time(s) is marked failed with this log, and the task exits 0
        # so that the promotion job (--dependency=afterok) still ranks the others.
        set -u
        status=0
        for attempt in $(seq 1 \(retries + 1)); do
          "$LAB" search trial \(run) --rung \(rung) --index "$SLURM_ARRAY_TASK_ID" --threads \(threads) --quiet && exit 0
          status=$?
          echo "lab search trial: attempt $attempt of \(retries + 1) exited with status $status" >&2
        done
        "$LAB" search trial \(run) --rung \(rung) --index "$SLURM_ARRAY_TASK_ID" --mark-failed \\
          "exited with status $status in each of \(retries + 1) attempt(s); log: target/\(run)/slurm/rung\(rung)-${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}.out"
        exit 0

        """
    }

    static func promoteScript(run: String, rung: Int) -> String {
        """
        #!/bin/bash
        # Ranks rung \(rung) of search \(run) and writes the promotions to rungs.json.
        exec "$LAB" search promote \(run) --rung \(rung)

        """
    }

    static func collectScript(run: String) -> String {
        """
        #!/bin/bash
        # Evaluates the chosen trial of search \(run) on the test set and writes the notebook's report.
        exec "$LAB" search collect \(run) --quiet

        """
    }

    /// Writes the scripts and submits the chain; returns the jobs in submission order.
    /// The one sbatch builder: every job lab submits asks for its CPUs, name, log, working directory,
    /// array, partition and time limit this way.
    static func sbatchArguments(name: String, cpus: Int, options: SearchRunner.SlurmOptions, array: Int?, log: String,
                                workspace: Workspace) -> [String] {
        var args = ["--parsable", "-J", name, "-c", "\(cpus)", "--chdir", workspace.root, "-o", log]
        if let array { args += ["--array", "0-\(array - 1)"] }
        if let partition = options.partition { args += ["-p", partition] }
        if let time = options.time { args += ["--time", time] }
        return args
    }

    /// Runs sbatch and returns the job id, or one clear error.
    static func sbatch(_ args: [String], what: String) throws -> String {
        let result = Process.run("sbatch", args)
        guard result.status == 0,
              let id = result.output.split(separator: ";").first?.trimmingCharacters(in: .whitespacesAndNewlines), !id.isEmpty else {
            throw LabError("sbatch failed (\(result.status)) submitting \(what): "
                    + "\(result.output.trimmingCharacters(in: .whitespacesAndNewlines))",
                           hint: "is Slurm up? `sinfo` should show an idle node (scripts/slurm-single-node.sh starts one here)")
        }
        return id
    }

    static func submit(dir: RunDirectory, spec: SearchSpec, options: SearchRunner.SlurmOptions, retries: Int, threads: Int,
                       workspace: Workspace, executable: String) throws -> [Job] {
        let folder = dir.file("slurm")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var jobs: [Job] = []
        func sbatch(_ name: String, script: String, array: Int?, cpus: Int) throws {
            let path = "slurm/\(name).sh"
            try dir.write(Data(script.utf8), to: path)
            var args = Self.sbatchArguments(name: "lab-\(dir.id)-\(name)", cpus: cpus, options: options, array: array,
                                            log: dir.file(array == nil ? "slurm/\(name)-%j.out" : "slurm/\(name)-%A_%a.out"),
                                            workspace: workspace) + ["--requeue", "--export", "ALL,LAB=\(executable)"]
            if let previous = jobs.last { args += ["--dependency", "afterok:\(previous.id)", "--kill-on-invalid-dep=yes"] }
            do {
                jobs.append(Job(name: name, id: try Self.sbatch(args + [dir.file(path)], what: name), script: path))
            } catch {
                for job in jobs { _ = Process.run("scancel", [job.id], errors: false) }
                throw error
            }
        }
        let cpus = options.cpus ?? threads
        for (r, size) in arraySizes(spec).enumerated() {
            try sbatch("rung\(r + 1)", script: rungScript(run: dir.id, rung: r + 1, retries: retries, threads: cpus), array: size,
                       cpus: cpus)
            try sbatch("promote\(r + 1)", script: promoteScript(run: dir.id, rung: r + 1), array: nil, cpus: 1)
        }
        try sbatch("collect", script: collectScript(run: dir.id), array: nil, cpus: cpus)
        return jobs
    }
}
