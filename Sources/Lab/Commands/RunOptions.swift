import ArgumentParser
import Core

/// The options every command that runs work in parallel shares, declared once (`@OptionGroup`).
struct RunOptions: ParsableArguments {
    @Option(help: "Threads for decoding, synthesis, features and the CNN engine. Any count gives the same bits.") var threads = 2
    @Flag(help: "No progress output.") var quiet = false

    func validate() throws {
        guard threads >= 1 else { throw ValidationError("--threads must be at least 1, got \(threads)") }
    }

    /// Sets the thread count every parallel stage uses.
    func apply() { Parallelism.setThreads(threads) }
}
