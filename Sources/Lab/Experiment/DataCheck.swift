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

extension DataCheck {
    /// `lab data check`'s text: per class its usable clips, total length, rates and channels; the
    /// duplicates; GTZAN's warning; and every file a run would skip, with its reason.
    func summary(of collection: AudioCollection, named directory: String) -> String {
        let report = self
        var out: [String] = []
        out.append("collection \(directory)")
        out.append("fingerprint \(collection.fingerprint)")
        for (i, name) in collection.classes.enumerated() {
            let ok = report.inspections.filter { $0.clip.classIndex == i }
            let rates = Set(ok.map(\.result.sampleRate)).sorted().map(String.init).joined(separator: ",")
            let channels = Set(ok.map(\.result.channels)).sorted().map(String.init).joined(separator: ",")
            let seconds = ok.reduce(0) { $0 + $1.result.seconds }
            out.append("  " + name.padding(toLength: 12, withPad: " ", startingAt: 0)
                  + String(format: " %4d clips %9.1f s", ok.count, seconds) + "  rates \(rates)  channels \(channels)")
        }
        out.append(totalLine)
        if !report.duplicates.isEmpty {
            out.append("duplicates, same decoded audio (\(report.duplicates.count) groups):")
            for group in report.duplicates {
                let classes = Set(group.map(\.classIndex)).count > 1 ? "across classes" : "within a class"
                out.append("  \(group.map(\.relativePath).joined(separator: " = "))  (\(classes))")
            }
        }
        if GTZAN.looksLike(classes: collection.classes, paths: collection.clips.map(\.relativePath)) {
            out.append("warning: \(GTZAN.randomSplitWarning)")
        }
        return (out + skippedLines(allUsable: "every file is usable")).map { $0 + "\n" }.joined()
    }
}

extension DataCheck {
    /// `lab data check --labels`'s text: the layout, clips per official split, every tag with its
    /// usable clips (most frequent first), and every row or file a run would skip, with its reason.
    func tagSummary(of metadata: MetadataCollection, named directory: String) -> String {
        let usable = Set(inspections.map(\.clip.relativePath))
        let items = metadata.items.filter { usable.contains($0.relativePath) }
        var out = ["collection \(directory) (\(metadata.layout.rawValue) labels: \((metadata.labelsFile as NSString).lastPathComponent))"]
        let splits = Dictionary(grouping: items) { $0.split ?? "none" }.mapValues(\.count)
        if splits.keys.contains(where: { $0 != "none" }) {
            out.append("official split: " + ["train", "validation", "test", "none"].compactMap { s in splits[s].map { "\($0) \(s)" } }
                .joined(separator: ", "))
            // A tag no training clip carries cannot be learnt, and one no test clip carries cannot be measured.
            for (split, what) in [("train", "learnt"), ("test", "measured")] {
                let carried = Set(items.filter { $0.split == split }.flatMap(\.tags))
                let missing = Set(items.flatMap(\.tags)).subtracting(carried).sorted()
                if !missing.isEmpty {
                    out.append("warning: no \(split) clip carries \(missing.joined(separator: ", ")): "
                               + "\(missing.count == 1 ? "it" : "they") cannot be \(what)")
                }
            }
        }
        var counts: [String: Int] = [:]
        for item in items { for t in item.tags { counts[t, default: 0] += 1 } }
        let ranked = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let perClip = Double(items.map(\.tags.count).reduce(0, +)) / Double(max(1, items.count))
        out.append("\(ranked.count) tags on \(items.count) usable clips (" + String(format: "%.2f", perClip) + " tags a clip):")
        for (tag, n) in ranked {
            out.append("  " + tag.padding(toLength: max(24, tag.count), withPad: " ", startingAt: 0) + String(format: " %6d clips", n))
        }
        out.append(totalLine)
        return (out + skippedLines(allUsable: "every row and file is usable")).map { $0 + "\n" }.joined()
    }
}

extension DataCheck {
    /// How much usable audio there is, in clips and minutes.
    var totalLine: String {
        String(format: "total: %d usable clips, %.1f minutes", inspections.count, inspections.reduce(0) { $0 + $1.result.seconds } / 60)
    }

    /// Every file a run would skip with its reason, or `allUsable` when there is none.
    func skippedLines(allUsable: String) -> [String] {
        skipped.isEmpty ? [allUsable] : ["a run would skip (\(skipped.count)):"] + skipped.map { "  \($0.relativePath): \($0.reason)" }
    }
}
