import Core
import Crypto
import Foundation

/// Where a project's files live: target/ for runs, target/cache for features, target/data for the
/// built-in collection, all under the workspace's root (found upward from where `lab` runs, as git
/// finds its repository). `lab verify` points runs and cache at a scratch directory instead, so it
/// leaves nothing behind in target/.
struct Workspace {
    var root: String
    var target: String
    var cache: String
    var data: String
    /// The directory the user's command-line paths are relative to (the current one, or `-C DIR`).
    var here: String
    /// Within one notebook run (`scanningOnce`), the collections scanned so far (every file hashed):
    /// the reuse check and the data step share them, so each file is hashed once. nil: scan afresh.
    var scans: CollectionScans? = nil

    init(root: String, here: String? = nil) {
        self.root = root
        self.here = here ?? root
        target = (root as NSString).appendingPathComponent("target")
        cache = (target as NSString).appendingPathComponent("cache")
        data = (target as NSString).appendingPathComponent("data")
    }

    /// Runs and feature cache in `scratch`; the built-in audio is reused (its fingerprint is checked).
    func scratch(at dir: String) -> Workspace {
        var w = self
        w.target = (dir as NSString).appendingPathComponent("target")
        w.cache = (dir as NSString).appendingPathComponent("cache")
        return w
    }

    /// The workspace holding `directory`: the nearest folder at or above it that has a notebook
    /// (`reports/*.lab.md`) or lab's runs (`target/.lock`), the way git finds its repository from any
    /// subfolder, never above the top of the git repository it is in. With none, `directory`
    /// itself: a new workspace.
    static func find(from directory: String) -> Workspace {
        let start = (directory as NSString).standardizingPath
        var dir = start
        while true {
            if isRoot(dir) { return Workspace(root: dir, here: start) }
            let parent = (dir as NSString).deletingLastPathComponent
            if parent == dir || parent.isEmpty || FileManager.default.fileExists(atPath: dir + "/.git") { return Workspace(root: start) }
            dir = parent
        }
    }

    private static func isRoot(_ dir: String) -> Bool {
        let fm = FileManager.default
        if fm.fileExists(atPath: dir + "/target/.lock") { return true }
        return ((try? fm.contentsOfDirectory(atPath: dir + "/reports")) ?? []).contains { $0.hasSuffix(".lab.md") }
    }

    /// Every notebook (`*.lab.md`) under the root, sorted; target/ and hidden folders are skipped.
    func notebooks() -> [String] {
        var found: [String] = []
        guard let walk = FileManager.default.enumerator(atPath: root) else { return [] }
        while let rel = walk.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".") || rel == "target" { walk.skipDescendants(); continue }
            if name.hasSuffix(".lab.md") { found.append((root as NSString).appendingPathComponent(rel)) }
        }
        return found.sorted()
    }

    /// The report a command follows, relative to the root (reports/NAME.json): the notebook named,
    /// else the workspace's only notebook, else the study's `results`. Several notebooks and no
    /// `results` among them is a question for the user.
    func report(notebook: String?) throws -> String {
        if let notebook { return relative(NotebookRun.resultsPath(notebookPath: NotebookRun.notebookPath(notebook, workspace: self))) }
        let all = notebooks()
        if all.count == 1 { return relative(NotebookRun.resultsPath(notebookPath: all[0])) }
        if all.isEmpty || all.contains(absolute("reports/results.lab.md")) { return Self.resultsJSON }
        throw LabError("this workspace has \(all.count) notebooks (\(all.map(relative).joined(separator: ", "))): which report?",
                       hint: "say which with --notebook, e.g. --notebook \(relative(all[0]))")
    }

    /// This workspace with a fresh memory of scanned collections, for one notebook run.
    func scanningOnce() -> Workspace {
        var w = self
        w.scans = CollectionScans()
        return w
    }

    /// The collection under `root` (every file hashed), once per notebook run when `scans` is set.
    func scan(root: String, classes: [String]?) throws -> AudioCollection {
        try scans?.scan(root: root, classes: classes) ?? PreparedData.scan(root: root, classes: classes)
    }

    /// A path the user typed (a notebook, a PNG to write, a data folder on the command line):
    /// relative to where they typed it, as git takes paths.
    func userPath(_ path: String) -> String {
        let p = (path as NSString).expandingTildeInPath
        return p.hasPrefix("/") ? (p as NSString).standardizingPath
                : ((here as NSString).appendingPathComponent(p) as NSString).standardizingPath
    }

    /// The study's report numbers, relative to the root: what `lab compare` and `lab log` follow in git.
    static let resultsJSON = "reports/results.json"

    /// A run folder under target/.
    func run(_ id: String) -> RunDirectory {
        RunDirectory(id: id, path: (target as NSString).appendingPathComponent(id))
    }

    func relative(_ path: String) -> String {
        path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
    }

    func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : (root as NSString).appendingPathComponent(path)
    }

    /// The collection a cell names; the built-in one is synthesised once per option set and reused.
    func dataRoot(for source: DataSource, quiet: Bool, threads: Int, shouldStop: @escaping () -> Bool = { false }) throws -> String {
        switch source {
        case .path(let p), .labelled(let p, _, _):
            let expanded = absolute((p as NSString).expandingTildeInPath)
            guard FileManager.default.fileExists(atPath: expanded) else {
                throw LabError("\(p): no such data directory", hint: "point it at a folder with one sub-folder per class (GTZAN's genres/)")
            }
            return expanded
        case .builtinTagging(let clips, let seconds, let seed):
            let dir = builtinTaggingDirectory(clips: clips, seconds: seconds, seed: seed)
            return try synthesisedOnce(dir, label: "built-in tagging collection", quiet: quiet) { dir, bar in
                try BuiltinTaggingCollection.write(to: dir, clips: clips, seconds: seconds, seed: seed, threads: threads) { done, total in
                    bar.update(done: done, total: total, detail: "clips")
                }
                return "\(clips) tagged clips of \(String(format: "%g", seconds)) s"
            }
        case .builtin(let clips, let seconds, let seed):
            return try synthesisedOnce(builtinDirectory(clipsPerGenre: clips, seconds: seconds, seed: seed), label: "built-in collection",
                                       quiet: quiet) { dir, bar in
                try BuiltinCollection.write(to: dir, clipsPerGenre: clips, seconds: seconds, seed: seed, threads: threads,
                                            progress: { done, total in bar.update(done: done, total: total, detail: "clips") },
                                            shouldStop: shouldStop)
                return "\(BuiltinCollection.genres.count * clips) clips of \(String(format: "%g", seconds)) s"
            }
        }
    }

    /// A built-in collection's folder, synthesised by `write` (with a progress bar) the first time it
    /// is asked for; its `.complete` marker says the synthesis finished. `write` says what it wrote.
    private func synthesisedOnce(_ dir: String, label: String, quiet: Bool,
                                 _ write: (String, ProgressReporter) throws -> String) throws -> String {
        let marker = (dir as NSString).appendingPathComponent(".complete")
        if !FileManager.default.fileExists(atPath: marker) {
            let bar = ProgressReporter(label: label, quiet: quiet)
            let wrote = try write(dir, bar)
            try Data().write(to: URL(fileURLWithPath: marker)) // fails loudly, naming the path
            bar.finish("\(wrote) in \(relative(dir))")
        }
        return dir
    }

    /// The built-in tagging collection's folder, named as the genre set's is.
    func builtinTaggingDirectory(clips: Int, seconds: Double, seed: UInt64) -> String {
        let name = "builtin-tagging-v\(BuiltinTaggingCollection.version)-\(clips)x\(String(format: "%g", seconds))s-seed\(seed)"
        return (data as NSString).appendingPathComponent(name)
    }

    /// The audio root and labels file of a cell whose clips a metadata file names (`data: {path,
    /// labels}`, or the built-in tagging set and its labels.csv); nil for class folders.
    func labelledData(_ e: Experiment) -> (path: String, labels: String, subset: String?)? {
        switch e.data {
        case .labelled(let p, let labels, let subset): return (p, labels, subset)
        case .builtinTagging(let clips, let seconds, let seed):
            let dir = builtinTaggingDirectory(clips: clips, seconds: seconds, seed: seed)
            return (dir, (dir as NSString).appendingPathComponent(BuiltinTaggingCollection.labelsFile), nil)
        case .builtin, .path: return nil
        }
    }

    /// The built-in collection's folder, named by every option that changes its audio (the exact clip
    /// length: 10 s and 10.5 s must not share a folder).
    func builtinDirectory(clipsPerGenre clips: Int, seconds: Double, seed: UInt64) -> String {
        let name = "builtin-v\(BuiltinCollection.version)-\(clips)x\(String(format: "%g", seconds))s-seed\(seed)"
        return (data as NSString).appendingPathComponent(name)
    }
}

extension Workspace {
    /// The data step every run and search starts with: the cell's collection (synthesised once if
    /// built in), every clip decoded and checked, the split, the cut segments, with a progress bar.
    /// The manifest learns the data root, fingerprint, classes and skipped files.
    func prepareData(for e: Experiment, label: String, quiet: Bool, context: ExecutionContext, shouldStop: @escaping () -> Bool,
                     manifest: inout RunManifest) throws -> PreparedData {
        let root = try dataRoot(for: e.data, quiet: quiet, threads: context.threads, shouldStop: shouldStop)
        manifest.dataRoot = relative(root)
        let bar = ProgressReporter(label: label, quiet: quiet)
        let collection = try scan(e, root: root, context: context)
        let plan = try dataPlan(for: e, root: root)
        let data = try PreparedData.prepare(plan, cacheDirectory: cache, collection: collection, on: context,
                                            progress: { done, total in
            bar.update(done: done, total: total, detail: "clips (features)")
        }, shouldStop: shouldStop)
        let copies = data.augmented.isEmpty ? "" : " and \(data.augmented.count) augmented copies"
        bar.finish("features for \(data.split.train.count + data.split.validation.count + data.split.test.count) clips\(copies) "
                + "(\(data.cacheHits) cached, "
                   + "\(data.cacheMisses) computed)")
        if !quiet, let line = Self.skippedLine(data.skipped, listedIn: "target/\(manifest.runID)/manifest.json and the report") {
            FileHandle.standardError.write(Data("\(label) \(line)\n".utf8))
        }
        manifest.fingerprint = runFingerprint(data.collection.fingerprint, e)
        manifest.classes = data.collection.classes
        manifest.skipped = data.skipped
        manifest.augmented = data.augmented.isEmpty ? nil : data.augmented
        manifest.grouping = data.grouping
        return data
    }
}

extension Workspace {
    /// "skipped 3 files (a.ogg: reason; ...), listed in ...": the files a run or `lab init` could not
    /// use, named when there are few, so they reach the terminal and not only the report.
    static func skippedLine(_ skipped: [SkippedFile], listedIn place: String) -> String? {
        guard !skipped.isEmpty else { return nil }
        let named = skipped.count <= 5 ? ": " + skipped.map { "\($0.relativePath) (\($0.reason))" }.joined(separator: "; ") : ""
        return "skipped \(skipped.count) file\(skipped.count == 1 ? "" : "s")\(named); all are listed in \(place)"
    }
}

extension Workspace {
    /// The cell's data plan, with a split file's path made absolute (relative paths are the workspace's)
    /// and `split: metadata` turned into each clip's split as the metadata file gives it.
    func dataPlan(for e: Experiment, root: String) throws -> DataPlan {
        var plan = e.dataPlan(root: root)
        switch e.splitSource {
        case .file(let p)?: plan.splitSource = .file(absolute((p as NSString).expandingTildeInPath))
        case .metadata?:
            guard let (p, labels, subset) = labelledData(e) else {
                throw UserError("`split: metadata` takes the split from a metadata file: it needs `data: {path: DIR, labels: FILE}`")
            }
            let m = try metadata(path: p, labels: labels, subset: subset)
            let map = Dictionary(m.items.compactMap { item in item.split.map { (item.relativePath, $0) } }, uniquingKeysWith: { a, _ in a })
            guard !map.isEmpty else {
                throw UserError("\(labels): no split column or values, so `split: metadata` has nothing to follow",
                                hint: "FMA's tracks.csv has one; a `path,labels` CSV can add a `split` column; or use `split: {train: "
                                        + "...}`")
            }
            plan.splitSource = .assigned(source: (labels as NSString).lastPathComponent, splits: map)
        default: break
        }
        return plan
    }

    /// What a run's reuse check compares: the collection's fingerprint, and the contents of a split
    /// file and of a labels file too (an edited split or label means a new run, as new data does).
    func runFingerprint(_ collection: String, _ e: Experiment) -> String {
        var files: [String] = []
        if case .file(let p)? = e.splitSource { files.append(p) }
        if let (_, labels, subset) = labelledData(e) {
            // Every file the labels come from: MTG-Jamendo's three split files when one is named.
            files += MetadataCollection.jamendoSplitFiles(absolute((labels as NSString).expandingTildeInPath)).map(\.file)
            if let subset { files.append("subset " + subset) }
        }
        guard !files.isEmpty else { return collection }
        let text = files.map { f in
            FileManager.default.contents(atPath: absolute((f as NSString).expandingTildeInPath)).map { String(decoding: $0,
                    as: UTF8.self) } ?? f
        }
        return SplitFile.sha256(([collection] + text).joined(separator: "\n"))
    }

    /// The metadata collection a `data: {path, labels}` cell names, read once per notebook run.
    func metadata(path: String, labels: String, subset: String?) throws -> MetadataCollection {
        let root = absolute((path as NSString).expandingTildeInPath), file = absolute((labels as NSString).expandingTildeInPath)
        do {
            return try scans?.metadata(labels: file, root: root, subset: subset)
                ?? MetadataCollection.load(labels: file, root: root, subset: subset)
        } catch let e as MetadataError {
            throw UserError("\(e)",
                            hint: "docs/tagging.md lists the layouts lab reads; `lab data check DIR --labels FILE` shows each row's fate")
        }
    }

    /// The collection a cell trains on, every file hashed (once per notebook run): class folders, or
    /// the clips a metadata file names, as classes in the order `classes:` gives (else by name) or,
    /// for tagging, every clip with all its tags (`tags: {top: N}` keeps the N most frequent).
    func scan(_ e: Experiment, root: String, context: ExecutionContext) throws -> AudioCollection {
        guard let (p, labels, subset) = labelledData(e) else { return try scan(root: root, classes: e.classes) }
        var m = try metadata(path: p, labels: labels, subset: subset)
        if let classes = e.classes {
            let known = Set(m.tags)
            for c in classes where !known.contains(c) {
                throw UserError("\(labels): no clip is labelled '\(c)' (labels: \(m.tags.prefix(20).joined(separator: ", ")))",
                                hint: "list labels the file has in `classes:`, or use `classes: all`")
            }
            m = m.keeping(tags: classes)
        } else if let top = e.tags?.top {
            m = m.keeping(tags: m.topTags(top))
        }
        let several = m.items.filter { $0.tags.count > 1 }
        let tagging = e.task == .tagging || (e.task == nil && (!several.isEmpty || e.data.isBuiltinTagging))
        if tagging, let conflict = e.taggingConflict {
            throw UserError("\(labels): clips carry several tags, so this cell trains a tagging model, and \(conflict.message)",
                            hint: "`task: classification` with `classes:` naming labels that never share a clip trains one per clip")
        }
        if !tagging, let first = several.first {
            throw UserError("\(labels): \(several.count) clips carry several labels (line \(first.line): \(first.relativePath) is "
                            + "\(first.tags.joined(separator: ", "))); a classification cell trains one label per clip",
                            hint: "`task: tagging` trains one output per tag; or `classes:` can keep labels that never share a clip")
        }
        let key = "labels|\(labels)|\(subset ?? "")|\((e.classes ?? []).joined(separator: ","))|top \(e.tags?.top ?? 0)|\(tagging)"
        let make = { try m.audioCollection(on: context, classes: e.classes, tagging: tagging) }
        let collection = try scans?.collection(key: key, make) ?? make()
        guard collection.classes.count >= 2 else {
            throw UserError("\(labels): a collection needs at least two \(tagging ? "tags" : "labels"), found "
                            + "\(collection.classes.count)")
        }
        return collection
    }
}

/// Scanned collections by root and class list, shared by every copy of a Workspace made for one
/// notebook run.
final class CollectionScans: @unchecked Sendable {
    private var scans: [String: AudioCollection] = [:]
    private let lock = NSLock()

    private var metadata: [String: MetadataCollection] = [:]

    func metadata(labels: String, root: String, subset: String?) throws -> MetadataCollection {
        let key = labels + "|" + root + "|" + (subset ?? "")
        if let known = lock.withLock({ metadata[key] }) { return known }
        let read = try MetadataCollection.load(labels: labels, root: root, subset: subset)
        lock.withLock { metadata[key] = read }
        return read
    }

    func scan(root: String, classes: [String]?) throws -> AudioCollection {
        try collection(key: root + "|" + (classes ?? []).joined(separator: ",")) { try PreparedData.scan(root: root, classes: classes) }
    }

    /// The collection under `key`, made (scanned, every file hashed) the first time it is asked for.
    func collection(key: String, _ make: () throws -> AudioCollection) throws -> AudioCollection {
        if let known = lock.withLock({ scans[key] }) { return known }
        let scanned = try make()
        lock.withLock { scans[key] = scanned }
        return scanned
    }
}
