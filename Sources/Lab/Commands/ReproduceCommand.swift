import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct ReproduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reproduce", abstract: "Run a notebook's experiments and write its report.")
    func run() throws { throw LabError("lab reproduce is not built yet") }
}
