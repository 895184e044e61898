import ArgumentParser

/// `lab`: reproduce a music-genre classification study and keep its published results honest.
public struct LabCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Reproduce a music-genre classification study, bit for bit.",
        discussion: """
        Examples:
          lab reproduce results              run the notebook reports/results.lab.md, write the report
          lab features clip.au --npy mel.npy log-mel features of one file as a NumPy array
          lab data synth --out target/data   write the built-in GTZAN-style collection
          lab data check ~/gtzan/genres      lint a class-per-folder collection
          lab runs                           list recorded runs
          lab verify                         rerun the notebook, check every number against the commit
          lab gc                             remove runs no report references
          lab compare HEAD~1 HEAD            what changed in the report between two commits
          lab bench train                    training and inference speed of the CNN engine
        """,
        version: LabVersion.string,
        subcommands: [
            ReproduceCommand.self, ResumeCommand.self, VerifyCommand.self, GCCommand.self,
            RunsCommand.self, ShowCommand.self, CompareCommand.self, LogCommand.self,
            FeaturesCommand.self, DataCommand.self, BenchCommand.self,
        ]
    )
    public init() {}
}

public enum LabVersion {
    public static let string = "0.1.0"
}
