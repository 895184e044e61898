import Core
import Foundation

/// A Kubernetes Indexed Job for one rung of a search: only emitted, never applied (there is no
/// cluster here to test against). Each pod runs `lab search trial` for the trial its completion
/// index names, in a workspace every pod mounts at the same path.
enum KubernetesJob {
    /// The trials still to train at `rung` (from 1): those the previous rung promoted, less those
    /// that already have the rung's score.
    static func trialsToTrain(_ dir: RunDirectory, spec: SearchSpec, rung: Int) throws -> [Int] {
        guard rung <= spec.rungs.count else { throw LabError("run \(dir.id) has \(spec.rungs.count) rungs, not \(rung)") }
        // Trials still to train at this rung: those that reached the previous rung's promotion.
        var trials = Array(0..<spec.trials)
        if rung > 1, let d = FileManager.default.contents(atPath: dir.file("rungs.json")),
           let rungs = try? JSONCoding.decoder.decode([SearchRecord.Rung].self, from: d), rungs.count >= rung - 1 {
            trials = rungs[rung - 2].promoted
        } else if rung > 1 {
            throw LabError("rung \(rung - 1) of run \(dir.id) has not been ranked yet", hint: "rank it with `lab reproduce` first")
        }
        trials = trials.filter { ((try? SearchRunner.status(dir, $0))?.scores.count ?? 0) < rung }
        guard !trials.isEmpty else { throw LabError("every trial of rung \(rung) is already trained") }
        return trials
    }

    static func manifest(run: String, rung: Int, epochs: Int, trials: [Int], image: String, claim: String, workspace: String,
                         cpus: Int, parallelism: Int) -> String {
        """
        apiVersion: batch/v1
        kind: Job
        metadata:
          name: lab-search-\(run)-rung\(rung)
        spec:
          completionMode: Indexed
          completions: \(trials.count)
          parallelism: \(min(parallelism, trials.count))
          backoffLimit: 0
          template:
            spec:
              restartPolicy: Never
              containers:
              - name: trial
                image: \(image)
                workingDir: \(workspace)
                env:
                - name: TRIALS
                  value: "\(trials.map(String.init).joined(separator: " "))"
                command: ["bash", "-c"]
                args:
                - 'set -- $TRIALS; shift $JOB_COMPLETION_INDEX; exec lab search trial \(run) --trial $1 --epochs \(epochs) --threads \(cpus)'
                resources:
                  requests: {cpu: "\(cpus)"}
                  limits: {cpu: "\(cpus)"}
                volumeMounts:
                - name: workspace
                  mountPath: \(workspace)
              volumes:
              - name: workspace
                persistentVolumeClaim:
                  claimName: \(claim)

        """
    }
}
