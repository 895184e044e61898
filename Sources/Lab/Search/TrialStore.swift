import Foundation

/// Where a search trial stands.
public enum TrialStatus: String, Codable, Sendable {
    /// Sampled, training or waiting for its rung's ranking.
    case running
    /// Stopped at a rung by the halving.
    case pruned
    /// Failed (its `error` says why); ranked no further.
    case failed
    /// The chosen configuration.
    case complete
}

/// A search's trials on disk: trials/NNN/status.json, each written atomically, and the one way to
/// read one, save one and mark one failed, used by every executor and step command.
struct TrialStore {
    let dir: RunDirectory

    func file(_ t: Int, _ name: String) -> String { dir.file(String(format: "trials/%03d/%@", t, name)) }

    func read(_ t: Int) throws -> SearchRecord.Trial {
        let path = file(t, "status.json")
        guard let d = FileManager.default.contents(atPath: path) else { throw LabError("\(path): trial status missing") }
        return try JSONCoding.decode(SearchRecord.Trial.self, from: d, source: path, what: "trial status")
    }

    func save(_ trial: SearchRecord.Trial) throws {
        try JSONCoding.encode(trial).write(to: URL(fileURLWithPath: file(trial.trial, "status.json")), options: .atomic)
    }

    /// Marks the trial failed with `reason` and saves it: it is ranked no further and never blocks the search.
    func markFailed(_ trial: inout SearchRecord.Trial, reason: String) throws {
        trial.status = .failed
        trial.error = reason
        try save(trial)
    }
}
