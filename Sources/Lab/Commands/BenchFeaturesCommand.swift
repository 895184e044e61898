import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct BenchFeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "features", abstract: "Feature extraction speed.")
    func run() throws { throw LabError("lab features is not built yet") }
}
