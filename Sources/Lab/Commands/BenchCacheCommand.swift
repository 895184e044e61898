import ArgumentParser

// SCAFFOLD: replaced by its owner. Not a feature.
struct BenchCacheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cache", abstract: "Feature cache cold and warm speed.")
    func run() throws { throw LabError("lab cache is not built yet") }
}
