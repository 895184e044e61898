import ArgumentParser

/// `lab`: reproduce a music-genre classification study and keep its published results honest.
public struct LabCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Reproduce a music-genre classification study, bit for bit.",
        discussion: """
        Examples:
          lab reproduce results             # run the study notebook, write its report
          lab init mine.lab.md --data DIR   # a starter notebook for your own collection
          lab predict multi-class song.mp3  # which genre is this song?
          lab data check ~/gtzan/genres     # lint a class-per-folder collection
          lab features clip.au --npy m.npy  # log-mel features of one file
          lab data synth --out target/data  # write the built-in collection
          lab runs                          # recorded runs
          lab verify                        # rerun; check every number against HEAD
          lab gc                            # remove runs no report references
          lab compare HEAD~1 HEAD           # what changed in the report
          lab bench train                   # speed of the CNN engine
        """,
        version: LabVersion.string,
        subcommands: [
            ReproduceCommand.self, InitCommand.self, PredictCommand.self, ResumeCommand.self, VerifyCommand.self, GCCommand.self,
            RunsCommand.self, ShowCommand.self, CompareCommand.self, LogCommand.self,
            FeaturesCommand.self, DataCommand.self, BenchCommand.self, SearchCommand.self,
        ]
    )
    public init() {}
}

public enum LabVersion {
    public static let string = "0.1.0"
}
