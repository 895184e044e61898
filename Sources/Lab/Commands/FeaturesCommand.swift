import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "features", abstract: "Log-mel features of one audio file.")
    func run() throws { throw LabError("lab features is not built yet") }
}
