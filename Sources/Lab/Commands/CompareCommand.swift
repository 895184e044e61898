import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "compare", abstract: "Compare metrics between runs or commits.")
    func run() throws { throw LabError("lab compare is not built yet") }
}
