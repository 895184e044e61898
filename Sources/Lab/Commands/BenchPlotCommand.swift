import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct BenchPlotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "plot", abstract: "Figure rendering speed.")
    func run() throws { throw LabError("lab plot is not built yet") }
}
