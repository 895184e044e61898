import ArgumentParser

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure speed and memory; the figures go to BENCHMARKS.md.",
        discussion: """
        Build with `swift build -c release` first: debug builds are not representative.

        Examples:
          lab bench features
          lab bench train
          lab bench plot
          lab bench synth
          lab bench cache
          lab bench gemm
          lab bench elementary
        """,
        subcommands: [BenchFeaturesCommand.self, BenchTrainCommand.self, BenchPlotCommand.self,
                      BenchSynthCommand.self, BenchCacheCommand.self, BenchGEMMCommand.self,
                      BenchElementaryCommand.self]
    )
}
