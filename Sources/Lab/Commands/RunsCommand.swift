import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "runs", abstract: "List recorded runs.")
    func run() throws { throw LabError("lab runs is not built yet") }
}
