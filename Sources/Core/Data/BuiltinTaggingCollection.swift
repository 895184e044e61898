import Foundation

/// The built-in tagging collection: clips that each carry several tags, every tag a component the
/// synthesiser really plays or a property it really gives the clip, so the tags are known exactly.
/// Instruments (the chord voices: piano, strings, guitar, organ, synth, brass; drums; bass; a
/// melody) overlap freely; `fast` and `slow` name the tempo, `distorted` a driven chord voice and
/// `swing` swung eighths. Tags differ in frequency on purpose (swing and distorted are rare), as in
/// MagnaTagATune. Written as `audio/clip.NNNNN.au` plus a `labels.csv` in the `path,labels` layout.
public enum BuiltinTaggingCollection {
    public static let tags = ["bass", "brass", "distorted", "drums", "fast", "guitar", "melody", "organ", "piano", "slow", "strings",
                              "swing", "synth"]
    public static let labelsFile = "labels.csv"
    /// Bumped whenever the clips or their tags change (part of the built-in data's folder name).
    public static let version = 1

    /// The style of clip `index` and its tags: a pure function of (index, seed).
    static func draw(index: Int, seed: UInt64) -> (style: GenreStyle, tags: [String]) {
        var rng = SeededRNG(seed: seed).derived("tagging/\(index)")
        let voices: [(GenreStyle.Voice, String)] = [(.piano, "piano"), (.strings, "strings"), (.guitar, "guitar"), (.organ, "organ"),
                                                    (.synthPad, "synth"), (.brass, "brass")]
        var tags: [String] = []
        // One chord voice, sometimes a second one doubling it.
        let first = rng.int(below: voices.count)
        var chosen = [voices[first]]
        if rng.uniform() < 0.35 { chosen.append(voices[(first + 1 + rng.int(below: voices.count - 1)) % voices.count]) }
        tags += chosen.map(\.1)
        let bpm = rng.uniform(60, 170)
        if bpm >= 125 { tags.append("fast") } else if bpm <= 85 { tags.append("slow") }
        let drums = rng.uniform() < 0.6, bass = rng.uniform() < 0.65, melody = rng.uniform() < 0.5
        let distorted = rng.uniform() < 0.15, swung = rng.uniform() < 0.12
        if drums { tags.append("drums") }
        if bass { tags.append("bass") }
        if melody { tags.append("melody") }
        if distorted { tags.append("distorted") }
        if swung { tags.append("swing") }
        let minor = rng.uniform() < 0.5
        let style = GenreStyle(tempo: bpm...bpm, swing: swung ? 0.64...0.66 : 0.5...0.5,
                               drums: drums ? (kick: [0, 8], snare: [4, 12], hat: [0, 2, 4, 6, 8, 10, 12, 14]) : nil,
                               progression: [(0, minor), (5, minor), (7, false), (0, minor)],
                               chords: .triad, voices: chosen.map(\.0), bass: bass ? .rootFifth : .none,
                               drive: distorted ? 8...12 : 1...1, rhythm: [1, 2, 4, 8][rng.int(below: 4)], melody: melody)
        return (style, tags.sorted())
    }

    /// The samples and tags of clip `index`.
    public static func clip(index: Int, seconds: Double, seed: UInt64) -> (samples: [Float], tags: [String]) {
        let (style, tags) = draw(index: index, seed: seed)
        var synth = Synthesizer(seconds: seconds, rate: BuiltinCollection.sampleRate,
                                rng: SeededRNG(seed: seed).derived("tagging/\(index)/render"))
        return (synth.render(style: style), tags)
    }

    public static func fileName(index: Int) -> String { String(format: "audio/clip.%05d.au", index) }

    /// Writes DIR/audio/clip.NNNNN.au (22050 Hz, mono, 16-bit) and DIR/labels.csv. Clips are rendered
    /// in parallel, each from its own generator, so the bytes do not depend on the thread count.
    public static func write(to dir: String, clips: Int, seconds: Double = 30, seed: UInt64 = 1, threads: Int,
                             progress: (Int, Int) -> Void = { _, _ in }) throws {
        try FileManager.default.createDirectory(atPath: (dir as NSString).appendingPathComponent("audio"),
                                                withIntermediateDirectories: true)
        var tagsOf = [[String]](repeating: [], count: clips), errors = [Error?](repeating: nil, count: clips)
        let context = ExecutionContext(threads: threads)
        for start in stride(from: 0, to: clips, by: max(1, threads * 4)) {
            let end = min(clips, start + max(1, threads * 4))
            tagsOf.withUnsafeMutableBufferPointer { tagSlots in
                errors.withUnsafeMutableBufferPointer { errorSlots in
                    let (tagSlots, errorSlots) = (tagSlots, errorSlots)
                    context.forEach(end - start) { j in
                        let i = start + j
                        let (samples, tags) = clip(index: i, seconds: seconds, seed: seed)
                        tagSlots[i] = tags
                        do {
                            try AudioIO.write(AudioClip(samples: samples, sampleRate: BuiltinCollection.sampleRate),
                                              to: (dir as NSString).appendingPathComponent(fileName(index: i)), format: .au16)
                        } catch { errorSlots[i] = error }
                    }
                }
            }
            progress(end, clips)
        }
        if let e = errors.compactMap({ $0 }).first { throw e }
        let csv = "path,labels\n" + (0..<clips).map { "\(fileName(index: $0)),\(tagsOf[$0].joined(separator: ";"))\n" }.joined()
        try Data(csv.utf8).write(to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(labelsFile)), options: .atomic)
    }
}
