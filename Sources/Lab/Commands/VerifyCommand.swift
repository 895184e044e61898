import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "verify", abstract: "Rerun the notebook and check the committed report bit for bit.")
    func run() throws { throw LabError("lab verify is not built yet") }
}
