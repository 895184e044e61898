import ArgumentParser
import Core
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a starter notebook for your own collection: a folder per class, or audio a metadata file describes.",
        discussion: """
        Scans DIR (one sub-folder of audio files per class), decodes every file as a run would, and \
        writes a notebook with the study's two cells for that collection: the two-class cell on its \
        two largest classes and the multi-class cell on all of them, with the study's model and \
        training settings and prose placeholders that `lab reproduce` fills in. Files a run would \
        skip are named. Refuses to overwrite a notebook that exists.

        The notebook names the data folder relative to the workspace when it is inside it, and as \
        ~/... when it is under your home folder, so the notebook holds no absolute path of yours. \
        It also makes sure .gitignore keeps weights, the feature cache and the built-in audio out of \
        git: commit the notebook, and later its report, reports/figures/ and the run folders the \
        report references (their records and figures); `lab gc` removes the runs no report references.

        Examples:
          git init
          lab init reports/mine.lab.md --data ~/datasets/soundtracks
          lab reproduce reports/mine.lab.md
          git add .gitignore reports target && git commit -m "first report"
          lab init reports/fma.lab.md --data ~/fma/fma_large --labels ~/fma/fma_metadata/tracks.csv --subset small
          lab init reports/mtat.lab.md --data ~/mtat --labels ~/mtat/annotations_final.csv

        With --labels, DIR is the audio root and the labels file names each clip's path and label \
        (the layouts of docs/tagging.md); the cells read `data: {path, labels}`, and `split: metadata` \
        when the file gives an official split. When clips carry several tags (MagnaTagATune, \
        MTG-Jamendo), the notebook is a tagging one: the study's CNN and the short-chunk ResNet on \
        the 50 most frequent tags, with macro ROC-AUC and PR-AUC.
        """
    )

    @Argument(help: "The notebook to write (a .lab.md path, or a bare name for reports/NAME.lab.md).") var notebook: String
    @Option(help: "The collection: one folder per class (with --labels, the audio root).") var data: String
    @Option(help: "A metadata file naming each clip's path and label (see above).") var labels: String?
    @Option(help: "With an FMA tracks.csv: small, medium or large.") var subset: String?
    @Flag(help: "Overwrite the notebook if it exists.") var force = false
    @OptionGroup var options: RunOptions

    func run() throws {
        try StarterNotebook.initialise(notebook: notebook, data: data, labels: labels, subset: subset, force: force,
                                       workspace: options.workspace, quiet: options.quiet, context: try options.context())
    }
}
