import ArgumentParser

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data",
        abstract: "Make and inspect class-per-folder audio collections.",
        discussion: """
        Examples:
          lab data synth --out target/data --clips-per-genre 100
          lab data check ~/datasets/gtzan/genres
        """,
        subcommands: [DataSynthCommand.self, DataCheckCommand.self]
    )
}
