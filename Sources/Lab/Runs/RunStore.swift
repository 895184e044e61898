import Core
import Foundation

/// target/: the run folders of one workspace, each manifest read at most once, and the questions
/// every command asks of them (which run to reuse, which run is an experiment's, which can go).
/// reproduce, predict, runs, show, gc and compare all read runs through here.
final class RunStore {
    let workspace: Workspace
    /// Run ids, newest first (ids are start times, so longer means later, then larger).
    let ids: [String]
    private var manifests: [String: RunManifest?] = [:]

    init(workspace: Workspace) {
        self.workspace = workspace
        ids = Self.newestFirst((try? FileManager.default.contentsOfDirectory(atPath: workspace.target)) ?? [])
    }

    /// Run ids newest first. An id is the start time in seconds, with `-N` when several runs started
    /// in the same second (N counting up): compared as numbers, so 1700000005 is newer than 1700000000-1.
    static func newestFirst(_ names: [String]) -> [String] {
        func key(_ id: String) -> (Int, Int)? {
            let parts = id.split(separator: "-", maxSplits: 1)
            guard let time = Int(parts[0]) else { return nil }
            return (time, parts.count > 1 ? Int(parts[1]) ?? 0 : 0)
        }
        return names.compactMap { id in key(id).map { (id, $0) } }.sorted { $0.1 > $1.1 }.map(\.0)
    }

    func directory(_ id: String) -> RunDirectory { workspace.run(id) }

    /// Whether `id` names a run folder (one with a manifest).
    func contains(_ id: String) -> Bool { FileManager.default.fileExists(atPath: directory(id).file("manifest.json")) }

    /// The run's manifest, read once; nil when it is missing or unreadable.
    func manifest(_ id: String) -> RunManifest? {
        if let cached = manifests[id] { return cached }
        let m = try? directory(id).readManifest()
        manifests[id] = m
        return m
    }

    /// Every run whose manifest is readable, newest first.
    var runs: [(dir: RunDirectory, manifest: RunManifest)] {
        ids.compactMap { id in manifest(id).map { (directory(id), $0) } }
    }

    enum PreviousRun {
        case complete(RunDirectory, RunMetrics)
        case unfinished(RunDirectory)
    }

    /// The newest run of exactly this cell, by this engine, on data with this fingerprint
    /// (`dvc repro`'s rule): a complete one is reused as it is, an interrupted one (or one whose
    /// process was killed) resumes from its checkpoint. A failed run, or anything that differs,
    /// means a new run. `fingerprint` is asked only when there is a candidate, since it hashes the data.
    func reusable(for e: Experiment, fingerprint: () -> String?) -> PreviousRun? {
        let candidates = runs.filter { $0.manifest.experiment.reuseKey == e.reuseKey && $0.manifest.engine == Engine.identity }
        guard !candidates.isEmpty, let fingerprint = fingerprint() else { return nil }
        for (dir, m) in candidates {
            switch m.status {
            case .complete:
                if m.fingerprint == fingerprint, let metrics = try? dir.readMetrics(), hasFigures(dir, tagging: metrics.tagging != nil),
                   e.search == nil || ((try? SearchRunner.record(in: dir)) ?? nil) != nil { return .complete(dir, metrics) }
            case .interrupted, .running, .submitted:
                if m.status != .running || m.isOrphaned, m.fingerprint == nil || m.fingerprint == fingerprint { return .unfinished(dir) }
            case .failed:
                continue
            }
        }
        return nil
    }

    /// The figures are drawn at the end of a run: a complete run without them was damaged since.
    private func hasFigures(_ dir: RunDirectory, tagging: Bool) -> Bool {
        ResultsFile.figureNames(tagging: tagging).allSatisfy { FileManager.default.fileExists(atPath: dir.file($0)) }
    }

    /// The newest complete run of `runName` that is the one a report describes: same configuration
    /// and data as `entry` when the report exists, else same configuration as the notebook's `cell`.
    /// A run of another notebook's cell of the same name is never taken for it.
    func newestComplete(named runName: String, entry: ResultsFile.Entry?, cell: Experiment?, withWeights: Bool) -> RunDirectory? {
        runs.first { dir, m in
            guard m.status == .complete, m.experiment.runName == runName else { return false }
            // The manifest's fingerprint covers a labels or split file too; the record's is the audio's.
            if let entry, m.experiment.reuseKey != entry.config.reuseKey
                || (m.fingerprint != entry.fingerprint && (try? dir.readMetrics())??.fingerprint != entry.fingerprint) { return false }
            if entry == nil, let cell, m.experiment.reuseKey != cell.reuseKey { return false }
            return !withWeights || FileManager.default.fileExists(atPath: dir.file("model.safetensors"))
        }?.dir
    }
}
