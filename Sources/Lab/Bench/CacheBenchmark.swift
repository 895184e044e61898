import Core
import Dispatch
import Foundation

/// `lab bench cache`: feature cache: a first (cold) pass over a collection against a second (warm) one.
struct CacheBenchmark {
    let clipsPerGenre: Int
    let seconds: Double

    func run() throws {
        let dir = try benchDirectory("cache")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let context = try ExecutionContext.fromEnvironment(threads: RunOptions.defaultThreads)
        try BuiltinCollection.write(to: dir + "/data", clipsPerGenre: clipsPerGenre, seconds: seconds, threads: context.threads)
        let collection = try AudioCollection.scan(root: dir + "/data")
        let cache = FeatureCache(directory: dir + "/cache")
        let extractor = LogMelExtractor()
        func pass() throws -> Double {
            let t = Date()
            let failure = FirstError()
            context.forEach(collection.clips.count) { i in
                do { _ = try cache.logMel(for: collection.clips[i], root: collection.root, params: FeatureParams(),
                        extractor: extractor) } catch { failure.record(error) }
            }
            try failure.check()
            return Date().timeIntervalSince(t)
        }
        let cold = try pass(), warm = try pass()
        print(String(format: "%d clips: first pass %.2f s (decode + features, %d misses), second pass %.3f s (%d hits): %.0fx faster",
                     collection.clips.count, cold, cache.misses, warm, cache.hits, cold / warm))
    }
}
