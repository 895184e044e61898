import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct DataSynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "synth", abstract: "Write the built-in synthetic GTZAN-style collection.")
    func run() throws { throw LabError("lab synth is not built yet") }
}
