import Dispatch
import Foundation

/// The built-in GTZAN-style collection: music a listener would sort into genres, synthesised from
/// each genre's rhythm, harmony and timbre, written in GTZAN's own layout and format.
public enum BuiltinCollection {
    public static let genres = ["blues", "classical", "country", "disco", "hiphop", "jazz", "metal", "pop", "reggae", "rock"]
    public static let sampleRate = 22050
    /// Bumped whenever the synthesiser changes what it writes (part of the built-in data's folder name).
    public static let version = 2

    /// The samples of clip `index` of `genre`: a pure function of (genre, index, seconds, seed).
    public static func clip(genre: String, index: Int, seconds: Double, seed: UInt64) -> [Float] {
        var rng = SeededRNG(seed: seed).derived("\(genre)/\(index)")
        let style = GenreStyles.style(for: genre, borrowing: &rng)
        var synth = Synthesizer(seconds: seconds, rate: sampleRate, rng: rng.derived("render"))
        return synth.render(style: style)
    }

    public static func fileName(genre: String, index: Int) -> String {
        String(format: "%@.%05d.au", genre, index)
    }

    /// Writes DIR/<genre>/<genre>.000NN.au (22050 Hz, mono, 16-bit). Clips are rendered in parallel;
    /// each depends only on its own generator, so the bytes do not depend on the thread count.
    public static func write(to dir: String, clipsPerGenre: Int = 100, seconds: Double = 30, seed: UInt64 = 1,
                             genres: [String] = genres, threads: Int,
                             progress: (Int, Int) -> Void = { _, _ in },
                             shouldStop: @escaping () -> Bool = { false }) throws {
        for g in genres where !Self.genres.contains(g) {
            throw CollectionError.unknownClass(path: dir, name: g, available: Self.genres)
        }
        for g in genres {
            try FileManager.default.createDirectory(atPath: (dir as NSString).appendingPathComponent(g), withIntermediateDirectories: true)
        }
        let jobs = genres.flatMap { g in (0..<clipsPerGenre).map { (g, $0) } }
        let lock = NSLock()
        var done = 0
        var firstError: Error?
        let work = { (j: Int) in
            if shouldStop() { return }
            let (g, i) = jobs[j]
            let path = (dir as NSString).appendingPathComponent("\(g)/\(fileName(genre: g, index: i))")
            do {
                try AudioIO.write(AudioClip(samples: clip(genre: g, index: i, seconds: seconds, seed: seed), sampleRate: sampleRate),
                                  to: path, format: .au16)
            } catch {
                lock.withLock { firstError = firstError ?? error }
            }
            lock.withLock { done += 1 }
        }
        if threads <= 1 {
            for j in jobs.indices { work(j); progress(j + 1, jobs.count) }
        } else {
            // Chunks of clips so progress can be reported from this thread between them.
            var start = 0
            while start < jobs.count {
                let end = min(jobs.count, start + threads * 4)
                DispatchQueue.concurrentPerform(iterations: end - start) { work(start + $0) }
                start = end
                progress(start, jobs.count)
            }
        }
        if shouldStop() { throw Interrupted() }
        if let firstError { throw firstError }
    }
}
