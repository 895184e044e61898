import Core
import Foundation

/// Every file of a collection decoded in full: what is usable, what a run would skip and why, and
/// which files hold the same audio.
struct DataCheck {
    var inspections: [(clip: ClipRef, result: AudioInspection)]
    var skipped: [SkippedFile]
    var duplicates: [[ClipRef]]

    /// What a run counts as too short: its features' frame rate and its segment spec.
    struct Rule {
        var params: FeatureParams
        var segmentSeconds: Double
        var spec: SegmentSpec
    }

    static func run(_ collection: AudioCollection, rule: Rule, progress: ProgressReporter, on context: ExecutionContext) -> DataCheck {
        let clips = collection.clips
        var results = [Result<AudioInspection, Error>?](repeating: nil, count: clips.count)
        let lock = NSLock()
        var done = 0
        // The run's own rule decides what is unusable: the file's log-mel features at the run's
        // parameters, judged by `ClipFeatures.unusable` (silent, or too short for one segment).
        let extractor = LogMelExtractor(params: rule.params)
        context.forEach(clips.count) { i in
            let r = Result { () throws -> AudioInspection in
                let path = collection.path(of: clips[i])
                // One decode: the file's own rate for the inspection, resampled for the features.
                let (inspection, clip) = try AudioInspection.inspectKeepingAudio(path: path)
                let samples = try AudioIO.resampled(clip, to: rule.params.sampleRate, path: path).samples
                let m = ClipFeatures.features(of: samples, params: rule.params, extractor: extractor)
                if let reason = ClipFeatures.unusable(m, spec: rule.spec, segmentSeconds: rule.segmentSeconds) { throw reason }
                return inspection
            }
            lock.withLock {
                results[i] = r
                done += 1
                progress.update(done: done, total: clips.count, detail: "files")
            }
        }
        progress.finish("decoded \(clips.count) files")
        var inspections: [(clip: ClipRef, result: AudioInspection)] = [], skipped = collection.skipped
        for (clip, result) in zip(clips, results) {
            switch result! {
            case .failure(let e as AudioError): skipped.append(SkippedFile(relativePath: clip.relativePath, reason: e.reason))
            case .failure(let e): skipped.append(SkippedFile(relativePath: clip.relativePath, reason: "\(e)"))
            case .success(let r): inspections.append((clip, r))
            }
        }
        var byHash: [String: [ClipRef]] = [:]
        for (clip, r) in inspections { byHash[r.audioHash, default: []].append(clip) }
        let duplicates = byHash.values.filter { $0.count > 1 }.map { $0.sorted { $0.relativePath < $1.relativePath } }
            .sorted { $0[0].relativePath < $1[0].relativePath }
        return DataCheck(inspections: inspections, skipped: skipped.sorted { $0.relativePath < $1.relativePath }, duplicates: duplicates)
    }
}
