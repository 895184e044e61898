import Core
import Foundation

/// What `lab init` writes for a collection of one's own: the study's two cells for it, the data
/// folder named portably, and a .gitignore that keeps weights and caches out of git.
enum StarterNotebook {
    /// `lab init`: a starter notebook for the collection at `data` (every file decoded with a run's rule
    /// first), and the .gitignore lines that keep weights and caches out of git.
    static func initialise(notebook: String, data: String, labels: String? = nil, subset: String? = nil, force: Bool,
                           workspace found: Workspace, quiet: Bool, context: ExecutionContext) throws {
        // Like `git init`, a new workspace where the user stands, unless that is an existing one's
        // root or its reports/ folder (a second notebook for the same project).
        let ws = found.here == found.root || found.here == found.root + "/reports" || found.here.hasPrefix(found.root + "/reports/") ? found
            : Workspace(root: found.here)
        let path = NotebookRun.notebookPath(notebook, workspace: ws)
        guard path.hasSuffix(".lab.md") else { throw LabError("\(notebook): a notebook's name ends in .lab.md") }
        if FileManager.default.fileExists(atPath: path) && !force {
            throw LabError("\(ws.relative(path)): already exists", hint: "choose another name, or pass --force to overwrite it")
        }
        let root = ws.userPath(data)
        let collection: AudioCollection
        var dataValue = yamlName(portable(root, typed: data, workspace: ws)), officialSplit = false, tagging = false
        if let labels {
            let file = ws.userPath(labels)
            let described: MetadataCollection
            do { described = try MetadataCollection.load(labels: file, root: root, subset: subset) } catch let e as MetadataError {
                throw LabError("\(e)", hint: "docs/tagging.md lists the layouts lab reads; `lab data check` shows each row's fate")
            }
            tagging = described.items.contains { $0.tags.count > 1 }
            collection = try described.audioCollection(on: context, tagging: tagging)
            guard collection.classes.count >= 2 else { throw LabError("\(labels): a collection needs at least two labels") }
            officialSplit = described.items.contains { $0.split != nil }
            dataValue = "{path: \(dataValue), labels: \(yamlName(portable(file, typed: labels, workspace: ws)))"
                + (subset.map { ", subset: \($0)" } ?? "") + "}"
        } else {
            do { collection = try AudioCollection.scan(root: root) } catch let e as CollectionError {
                throw LabError("\(e)", hint: "--data is a folder with one sub-folder of audio files per class, or give --labels")
            }
        }
        // The rule the generated cells' runs apply (2-s segments at the default features).
        var params = FeatureParams()
        params.sampleRate = 22050
        let check = DataCheck.run(collection, rule: DataCheck.Rule(params: params, segmentSeconds: 2,
                                                                   spec: .seconds(2, hop: 2, params: params, tail: .drop)),
                                  progress: ProgressReporter(label: "checking \(collection.clips.count) files", quiet: quiet),
                                          on: context)
        let text = tagging ? StarterNotebook.taggingText(collection: collection, data: dataValue, officialSplit: officialSplit)
            : StarterNotebook.text(collection: collection, data: dataValue, officialSplit: officialSplit)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        let kind = tagging ? "tags (several a clip: a tagging notebook)" : "classes"
        print("wrote \(ws.relative(path)): \(collection.classes.count) \(kind), "
              + "\(check.inspections.count) usable clips")
        if let line = Workspace.skippedLine(check.skipped, listedIn: "the report after each run (`lab data check \(data)` says more)") {
            print(line)
        }
        if let ignore = try StarterNotebook.ignoreTarget(in: ws.root) { print(ignore) }
        print("next: `lab reproduce \(ws.relative(path))`, then commit .gitignore, reports/ and target/ (the ignored weights and caches "
                + "stay out)")
    }

    /// The data folder as the notebook should name it: relative to the workspace root when inside
    /// it or when the user typed a relative path (`../soundtracks`: the same layout works for a
    /// collaborator), `~/...` under the home folder, else as it is (a shared path such as /data/gtzan).
    static func portable(_ root: String, typed: String, workspace ws: Workspace) -> String {
        let path = (root as NSString).standardizingPath, base = (ws.root as NSString).standardizingPath
        if path == base { return "." }
        if path.hasPrefix(base + "/") { return String(path.dropFirst(base.count + 1)) }
        let home = (NSHomeDirectory() as NSString).standardizingPath
        if !typed.hasPrefix("/") && !typed.hasPrefix("~") { return NotebookRun.relativePath(from: base, to: path) }
        if home.count > 1, path.hasPrefix(home + "/") { return "~/" + path.dropFirst(home.count + 1) }
        return path
    }

    /// What a workspace never commits: weights, the feature cache, the built-in audio, the lock.
    /// The run folders themselves (records and figures, kilobytes) are committed with the report.
    static let ignored = ["*.safetensors", "target/cache/", "target/data/", "target/.lock", "target/report-figures/"]

    /// Makes sure the workspace's .gitignore keeps those out of git; says what it did, or nil when
    /// every entry was there already.
    static func ignoreTarget(in root: String) throws -> String? {
        let path = (root as NSString).appendingPathComponent(".gitignore")
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        let lines = Set(existing.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) })
        let missing = ignored.filter { !lines.contains($0) && !lines.contains("/" + $0) }
        guard !missing.isEmpty else { return nil }
        let entry = "# lab: weights, the feature cache and the built-in audio are regenerated bit for bit; never commit them\n"
            + missing.joined(separator: "\n") + "\n"
        let text = existing.isEmpty ? entry : existing + (existing.hasSuffix("\n") ? "" : "\n") + entry
        try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        return (existing.isEmpty ? "wrote .gitignore" : "added \(missing.joined(separator: ", ")) to .gitignore")
            + ": weights, the feature cache and the built-in audio under target/ stay out of git"
    }

    /// For a labels file that gives clips several tags: the study's CNN and the short-chunk ResNet,
    /// each with one sigmoid output per tag, on the 50 most frequent tags (all, when fewer).
    static func taggingText(collection: AudioCollection, data: String, officialSplit: Bool) -> String {
        let dataLine = "data: " + data + (officialSplit ? "\nsplit: metadata" : "")
        let top = min(50, collection.classes.count)
        return """
        # Tags on \((data as NSString).lastPathComponent)

        This notebook tags \(collection.clips.count) clips with the \(top) most frequent of their \(collection.classes.count) \
        tags, each clip carrying any number of them, and reports macro ROC-AUC and PR-AUC over the tags (docs/tagging.md). Run \
        it with `lab reproduce` on this file; edit the prose and the cells as you like.

        ## The study's CNN

        Test macro ROC-AUC {{ cnn.test.macro_auc }}, macro PR-AUC {{ cnn.test.macro_pr_auc }}.

        ```lab
        name: cnn
        title: Study CNN
        task: tagging
        \(dataLine)
        tags: {top: \(top)}
        segment: {seconds: 2, hop: 2}
        model: {filters: [32, 64, 128], dropout: 0.3, dense: 64}
        training: {epochs: 12, batch_size: 32, learning_rate: 0.001, patience: 4, seed: 42}
        ```

        ## The short-chunk ResNet

        Test macro ROC-AUC {{ resnet.test.macro_auc }}, macro PR-AUC {{ resnet.test.macro_pr_auc }}.

        ```lab
        name: resnet
        title: Short-chunk ResNet
        task: tagging
        \(dataLine)
        tags: {top: \(top)}
        segment: {seconds: 3.7, hop: 3.7}
        model: {kind: short-chunk-resnet, filters: [16, 32, 64], dropout: 0.3, dense: 64}
        training: {epochs: 12, batch_size: 32, learning_rate: 0.001, patience: 4, seed: 42}
        ```

        """
    }

    /// The study's two cells for `collection`. The two-class cell takes the two classes with most
    /// clips (ties: by name), so it has the most data to learn from.
    /// A name as YAML holds it: bare when it is a plain word or path, else in double quotes.
    static func yamlName(_ s: String) -> String {
        s.range(of: "^[A-Za-z0-9_][A-Za-z0-9_ .-]*$", options: .regularExpression) != nil && !s.hasSuffix(" ") ? s
            : "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    /// The starter notebook: `data` is the cells' `data:` value as YAML; `officialSplit` adds
    /// `split: metadata` (the labels file's own split).
    static func text(collection: AudioCollection, data: String, officialSplit: Bool = false) -> String {
        let counts = collection.classes.indices.map { c in collection.clips.filter { $0.classIndex == c }.count }
        let largest = collection.classes.indices.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1]
                : collection.classes[$0] < collection.classes[$1] }
            .prefix(2).sorted().map { collection.classes[$0] }
        let dataLine = "data: " + data + (officialSplit ? "\nsplit: metadata" : "")
        return """
        # Results on \((data as NSString).lastPathComponent)

        This notebook runs the study on \(collection.classes.count) classes (\(collection.classes.joined(separator: ", "))), \
        \(collection.clips.count) clips. Run it with `lab reproduce` on this file; edit the prose and the cells as you like.

        ## Two classes

        On its two largest classes, {{ two-class.classes }}, the model reaches a test accuracy of \
        {{ two-class.test.accuracy }} per clip and a macro ROC-AUC of {{ two-class.test.macro_auc }}.

        ```lab
        name: two-class
        title: Two classes
        \(dataLine)
        classes: [\(largest.map(yamlName).joined(separator: ", "))]
        segment: {seconds: 2, hop: 2}
        model: {filters: [32, 64, 128], dropout: 0.3, dense: 64}
        training: {epochs: 15, batch_size: 32, learning_rate: 0.001, patience: 4, seed: 42}
        ```

        ## All classes

        On all \(collection.classes.count) classes the model reaches a test accuracy of {{ multi-class.test.accuracy }} per clip \
        (chance is \(String(format: "%.3f", 1 / Double(collection.classes.count)))) with a macro ROC-AUC of \
        {{ multi-class.test.macro_auc }}, after {{ multi-class.epochs }} epochs (best: epoch {{ multi-class.best_epoch }}).

        ```lab
        name: multi-class
        title: All classes
        \(dataLine)
        classes: all
        segment: {seconds: 2, hop: 2}
        model: {filters: [32, 64, 128], dropout: 0.3, dense: 64}
        training: {epochs: 12, batch_size: 32, learning_rate: 0.001, patience: 3, seed: 42}
        ```

        """
    }
}
