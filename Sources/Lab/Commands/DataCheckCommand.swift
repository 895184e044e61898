import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct DataCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Lint a class-per-folder collection.")
    func run() throws { throw LabError("lab check is not built yet") }
}
