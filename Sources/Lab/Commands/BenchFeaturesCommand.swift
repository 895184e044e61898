import ArgumentParser
import Core
import Dispatch
import Foundation

struct BenchFeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Feature extraction speed: STFT + mel + dB per clip, and clips/s over a folder.",
        discussion: """
        Times STFT + mel + dB on one core for 30-second 22050 Hz clips (librosa's defaults), then \
        clips per second over a folder of AU files on all threads, with and without decoding.

        Examples:
          lab bench features
          lab bench features --clips 40 --threads 2
          lab bench features --plan-only      # FFTW's version and plan (bench/fftw-builds.sh)
        """
    )
    @Option(help: "Clips in the folder benchmark.") var clips = 40
    @Option(help: "Threads for the folder benchmark.") var threads = 2
    @Flag(help: "Only print the loaded FFTW's version and the plan it makes for the STFT.") var planOnly = false

    func run() throws {
        try FeaturesBenchmark(clips: clips, threads: threads, planOnly: planOnly).run()
    }
}
