import ArgumentParser
import Foundation
import Plot
import Numerics

struct BenchPlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plot",
        abstract: "Time to render the three figures of a 10-class run to PNG.",
        discussion: """
        loss_history.png (30 epochs), matrix.png (10 x 10) and roc.png (10 curves of ~300 points), \
        rendered and written through libpng. Target: under 200 ms for all three.

        Examples:
          lab bench plot
        """
    )
    @Option(help: "Repetitions (the median is reported).") var repeats = 7

    func run() throws {
        try PlotBenchmark(repeats: repeats).run()
    }
}
