import Core
import Foundation

/// What `lab init` writes for a collection of one's own: the study's two cells for it, the data
/// folder named portably, and a .gitignore that keeps weights and caches out of git.
enum StarterNotebook {
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

    /// The study's two cells for `collection`. The two-class cell takes the two classes with most
    /// clips (ties: by name), so it has the most data to learn from.
    static func text(collection: AudioCollection, data: String) -> String {
        let counts = collection.classes.indices.map { c in collection.clips.filter { $0.classIndex == c }.count }
        let largest = collection.classes.indices.sorted { counts[$0] != counts[$1] ? counts[$0] > counts[$1]
                : collection.classes[$0] < collection.classes[$1] }
            .prefix(2).sorted().map { collection.classes[$0] }
        func yamlName(_ s: String) -> String {
            s.range(of: "^[A-Za-z0-9_][A-Za-z0-9_ .-]*$", options: .regularExpression) != nil && !s.hasSuffix(" ") ? s
                : "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }
        let dataLine = "data: " + yamlName(data)
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
