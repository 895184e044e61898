import ArgumentParser
import Core
import Foundation

struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a starter notebook for your own class-per-folder collection.",
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
        """
    )

    @Argument(help: "The notebook to write (a .lab.md path, or a bare name for reports/NAME.lab.md).") var notebook: String
    @Option(help: "The collection: one folder per class.") var data: String
    @Flag(help: "Overwrite the notebook if it exists.") var force = false
    @OptionGroup var options: RunOptions

    func run() throws {
        let context = try options.context()
        // Like `git init`, a new workspace where the user stands, unless that is an existing one's
        // root or its reports/ folder (a second notebook for the same project).
        let found = options.workspace
        let ws = found.here == found.root || found.here == found.root + "/reports" || found.here.hasPrefix(found.root + "/reports/") ? found
            : Workspace(root: found.here)
        let path = NotebookRun.notebookPath(notebook, workspace: ws)
        guard path.hasSuffix(".lab.md") else { throw LabError("\(notebook): a notebook's name ends in .lab.md") }
        if FileManager.default.fileExists(atPath: path) && !force {
            throw LabError("\(ws.relative(path)): already exists", hint: "choose another name, or pass --force to overwrite it")
        }
        let root = ws.userPath(data)
        let collection: AudioCollection
        do { collection = try AudioCollection.scan(root: root) } catch let e as CollectionError {
            throw LabError("\(e)", hint: "--data is a folder with one sub-folder of audio files per class")
        }
        // The rule the generated cells' runs apply (2-s segments at the default features).
        var params = FeatureParams()
        params.sampleRate = 22050
        let check = DataCheck.run(collection, rule: DataCheck.Rule(params: params, segmentSeconds: 2,
                                                                   spec: .seconds(2, hop: 2, params: params, tail: .drop)),
                                  progress: ProgressReporter(label: "checking \(collection.clips.count) files", quiet: options.quiet),
                                          on: context)
        let text = StarterNotebook.text(collection: collection, data: StarterNotebook.portable(root, typed: data, workspace: ws))
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        print("wrote \(ws.relative(path)): \(collection.classes.count) classes, \(check.inspections.count) usable clips")
        if let line = Workspace.skippedLine(check.skipped, listedIn: "the report after each run (`lab data check \(data)` says more)") {
            print(line)
        }
        if let ignore = try StarterNotebook.ignoreTarget(in: ws.root) { print(ignore) }
        print("next: `lab reproduce \(ws.relative(path))`, then commit .gitignore, reports/ and target/ (the ignored weights and caches "
                + "stay out)")
    }
}
