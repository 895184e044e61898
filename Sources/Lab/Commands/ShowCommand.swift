import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Print one run.")
    func run() throws { throw LabError("lab show is not built yet") }
}
