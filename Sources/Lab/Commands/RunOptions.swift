import ArgumentParser
import Core

/// The options every command that runs a notebook shares, declared once (`@OptionGroup`).
struct RunOptions: ParsableArguments {
    @Option(help: "Threads for the CNN engine. Any count gives the same bits.") var threads = 2
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// Sets the engine's thread count.
    func apply() { Parallelism.setThreads(threads) }
}
