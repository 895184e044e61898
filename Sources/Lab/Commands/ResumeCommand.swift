import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct ResumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Finish an interrupted run.")
    func run() throws { throw LabError("lab resume is not built yet") }
}
