import Core
import Foundation

/// `lab search status`'s table: every trial of a search as its files say now, while it runs or after.
enum SearchStatusTable {
    static func render(dir: RunDirectory, manifest: RunManifest, spec: SearchSpec) -> String {
        var out: [String] = []
        let names = spec.space.keys.sorted()
        out.append("search \(dir.id) (cell \(manifest.experiment.name)): \(spec.trials) trials, eta \(spec.eta), rungs "
              + spec.rungs.map(String.init).joined(separator: ", ") + " epochs; run \(manifest.displayStatus)")
        out.append(pad("trial", 7) + pad("status", 10) + names.map { pad($0, 15) }.joined() + spec.rungs.map { pad("AUC @\($0)",
                10) }.joined())
        var counts: [String: Int] = [:]
        for t in 0..<spec.trials {
            guard let trial = try? SearchRunner.status(dir, t) else {
                counts["pending", default: 0] += 1
                out.append(pad("\(t)", 7) + "pending")
                continue
            }
            // A trial between rungs has finished the last one it trained and waits for the ranking.
            let state = trial.status == .running ? (trial.scores.isEmpty ? "pending" : "done r\(trial.scores.count)")
                : trial.status == .complete ? "chosen" : trial.status.rawValue
            counts[state, default: 0] += 1
            var line = pad("\(t)", 7) + pad(state, 10) + names.map { pad(String(format: "%.4g", trial.params[$0] ?? .nan), 15) }.joined()
            line += spec.rungs.indices.map { pad($0 < trial.scores.count ? trial.scores[$0].validationAUC.map { String(format: "%.3f",
                    $0) } ?? "n/a" : "-", 10) }.joined()
            if let error = trial.error { line += "  " + error }
            out.append(line)
        }
        out.append(counts.keys.sorted().map { "\(counts[$0]!) \($0)" }.joined(separator: ", "))
        return out.map { $0 + "\n" }.joined()
    }
}
