import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct BenchSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "synth", abstract: "Built-in collection synthesis speed.")
    func run() throws { throw LabError("lab synth is not built yet") }
}
