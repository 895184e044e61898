import ArgumentParser
import Foundation

/// `lab bench elementary`: the speed of our elementary functions against the C library's, and their
/// accuracy: every binary32 input (--exhaustive) against the C library's double functions, or any
/// list of inputs (--eval) for bench/elementary_accuracy.py to check against mpmath. The C library
/// is the yardstick here and nowhere else: no reported number goes through it.
struct BenchElementaryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "elementary",
        abstract: "Our exp, log, log10, pow, sin, cos, tanh, atan2, hypot: speed against libm, and accuracy.",
        discussion: """
        Without options: nanoseconds per call of each function, ours and the C library's, Float and Double, on one \
        core over a fixed spread of arguments (median of 7 passes).

        --exhaustive: every one of the 2^32 float inputs of each one-argument Float function, against the C \
        library's double function rounded to float. Prints the largest error in floats' ulps and how many results \
        differ from the rounded double (where the exact value lies so close to a midpoint between two floats that \
        one of the two roundings goes the other way). Takes a few minutes on 2 cores.

        --eval FILE: reads lines `function x [y]` (hexadecimal or decimal doubles; `expf` and so on for the Float \
        versions) and prints each result's bit pattern in hexadecimal, one per line.

        Examples:
          lab bench elementary
          lab bench elementary --exhaustive
          lab bench elementary --exhaustive --function log10f
          lab bench elementary --eval points.txt > results.txt
        """
    )
    @Flag(help: "Check every float input of the one-argument Float functions.") var exhaustive = false
    @Option(help: "Only this Float function for --exhaustive (expf, logf, log10f, sinf, cosf, tanhf).") var function: String?
    @Option(help: "Evaluate the inputs listed in this file.") var eval: String?
    @Option(help: "Threads for --exhaustive.") var threads = 2

    func run() throws {
        if let eval { try ElementaryBench.evaluate(file: eval); return }
        if exhaustive { try ElementaryBench.checkEveryFloat(function: function, threads: threads); return }
        ElementaryBench.timeAll()
    }
}
