import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct LogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "Headline metrics of each commit that changed the report.")
    func run() throws { throw LabError("lab log is not built yet") }
}
