import Core
import Dispatch
import Foundation

/// `lab bench features`: feature extraction speed: STFT + mel + dB per clip, and clips/s over a folder.
struct FeaturesBenchmark {
    let clips: Int
    let threads: Int
    let planOnly: Bool

    func run() throws {
        if planOnly {
            print("\(NumericEnvironment.libraryVersions()["fftw"] ?? "?") \(NumericEnvironment.fftwPlan())")
            return
        }
        let extractor = LogMelExtractor()
        let samples = BuiltinCollection.clip(genre: "rock", index: 0, seconds: 30, seed: 1)
        _ = extractor.logMel(samples) // warm-up
        let one = medianSeconds(repeats: 15) { _ = extractor.logMel(samples) }
        print(String(format: "STFT + mel + dB, one core: %.2f ms per 30-s clip (median of 15)", one * 1000))
        let frames = extractor.params.frameCount(sampleCount: samples.count)
        let fft = medianSeconds(repeats: 15) { extractor.runFFTOnly(frames: frames) }
        print(String(format: "  of which the %d FFTs alone (FFTW_ESTIMATE | FFTW_NO_SIMD plan): %.2f ms", frames, fft * 1000))

        let dir = try benchDirectory("features")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let perGenre = max(1, clips / 2)
        try BuiltinCollection.write(to: dir, clipsPerGenre: perGenre, seconds: 30, seed: 1, genres: ["jazz", "metal"],
                                    threads: RunOptions.defaultThreads)
        let collection = try AudioCollection.scan(root: dir)
        let paths = collection.clips.map { collection.path(of: $0) }
        let decoded = try paths.map { try AudioIO.decode(path: $0, sampleRate: 22050).samples }
        let chunks = max(1, threads)
        let withDecode = try medianSeconds(repeats: 3) {
            let failure = FirstError()
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for i in stride(from: c, to: paths.count, by: chunks) {
                    do { _ = extractor.logMel(try AudioIO.decode(path: paths[i],
                                                                 sampleRate: 22050).samples) } catch { failure.record(error) }
                }
            }
            try failure.check()
        }
        let withoutDecode = medianSeconds(repeats: 3) {
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                for i in stride(from: c, to: decoded.count, by: chunks) { _ = extractor.logMel(decoded[i]) }
            }
        }
        print(String(format: "folder of %d clips, %d threads: %.0f clips/s with decoding, %.0f clips/s without",
                     paths.count, threads, Double(paths.count) / withDecode, Double(paths.count) / withoutDecode))
    }
}
