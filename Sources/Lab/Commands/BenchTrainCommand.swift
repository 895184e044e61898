import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct BenchTrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "train", abstract: "CNN training and inference speed.")
    func run() throws { throw LabError("lab train is not built yet") }
}
