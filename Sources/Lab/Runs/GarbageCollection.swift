import Foundation

/// Which run folders the reports reference, and which can go. A run is kept when a report on disk
/// names it, when a committed report does (at HEAD, or at any commit with `allCommits`), or when git
/// tracks any of its files (unless `includeTracked`): gc never deletes what a commit holds.
enum GarbageCollection {
    struct Plan {
        var referenced: Set<String>
        var remove: [String]
        var keptUnfinished: [String]
        /// Unreferenced on disk, but referenced by a committed report: the id and where ("HEAD:reports/results.md").
        var keptCommitted: [(id: String, by: String)] = []
        /// Unreferenced, but git tracks files in the folder.
        var keptTracked: [String] = []
    }

    static func plan(workspace ws: Workspace, includeUnfinished: Bool, allCommits: Bool = false,
                     includeTracked: Bool = false) throws -> Plan {
        var referenced = Set<String>()
        for path in reportFiles(of: ws) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            referenced.formUnion(runIDs(in: text))
        }
        let committed = committedReferences(ws, allCommits: allCommits)
        let tracked = includeTracked ? [] : trackedRuns(ws)
        var plan = Plan(referenced: referenced, remove: [], keptUnfinished: [])
        for id in RunStore(workspace: ws).ids where !referenced.contains(id) {
            let dir = ws.run(id)
            guard FileManager.default.fileExists(atPath: dir.file("manifest.json")) else { continue } // not a run
            if let by = committed[id] { plan.keptCommitted.append((id, by)); continue }
            if tracked.contains(id) { plan.keptTracked.append(id); continue }
            if !includeUnfinished, let st = status(of: dir), st == .running || st == .interrupted || st == .submitted {
                plan.keptUnfinished.append(id)
                continue
            }
            plan.remove.append(id)
        }
        plan.remove.sort()
        plan.keptUnfinished.sort()
        return plan
    }

    /// Each run id a committed report names, with the first place found ("HEAD:reports/results.md").
    /// The reports are the .md and .json beside the notebooks git has at those commits.
    static func committedReferences(_ ws: Workspace, allCommits: Bool) -> [String: String] {
        let commits: [String]
        if allCommits {
            let r = Git.run(["rev-list", "--all"], in: ws.root)
            commits = r.status == 0 ? r.output.split(separator: "\n").map(String.init) : []
        } else {
            commits = Git.commit(in: ws.root) == nil ? [] : ["HEAD"]
        }
        var found: [String: String] = [:]
        for commit in commits {
            // Every file of that commit under the root, relative to it, then the reports among them.
            // -z: every name as it is (git quotes names with other than ASCII letters otherwise).
            let r = Git.run(["ls-tree", "-r", "-z", "--name-only", commit], in: ws.root)
            guard r.status == 0 else { continue }
            let files = r.output.split(separator: "\0").map(String.init)
            let notebookDirs = Set(files.filter { $0.hasSuffix(".lab.md") }.map { ($0 as NSString).deletingLastPathComponent })
            let reports = files.filter { f in
                notebookDirs.contains((f as NSString).deletingLastPathComponent) && !f.hasSuffix(".lab.md") && (f.hasSuffix(".md")
                        || f.hasSuffix(".json"))
            }
            for f in reports {
                let shown = Git.run(["show", "\(commit):./\(f)"], in: ws.root)
                guard shown.status == 0 else { continue }
                let name = commit == "HEAD" ? "HEAD" : String(commit.prefix(8))
                for id in runIDs(in: shown.output) where found[id] == nil { found[id] = "\(name):\(f)" }
            }
        }
        return found
    }

    /// The run folders holding a file git tracks.
    static func trackedRuns(_ ws: Workspace) -> Set<String> {
        let r = Git.run(["ls-files", "-z", "--", "target/"], in: ws.root)
        guard r.status == 0 else { return [] }
        return Set(r.output.split(separator: "\0").compactMap { line in
            let parts = line.split(separator: "/")
            return parts.count >= 3 && parts[0] == "target" ? String(parts[1]) : nil
        })
    }

    /// The .md and .json files in every folder that holds a notebook.
    static func reportFiles(of ws: Workspace) -> [String] {
        let folders = Set(ws.notebooks().map { ($0 as NSString).deletingLastPathComponent })
        return folders.sorted().flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []).sorted()
                .filter { ($0.hasSuffix(".md") && !$0.hasSuffix(".lab.md")) || $0.hasSuffix(".json") }
                .map { (dir as NSString).appendingPathComponent($0) }
        }
    }

    /// Only the status is read, so a manifest from another version of lab still counts.
    private static func status(of dir: RunDirectory) -> RunStatus? {
        struct Status: Decodable { var status: RunStatus }
        return FileManager.default.contents(atPath: dir.file("manifest.json")).flatMap { try? JSONCoding.decoder.decode(Status.self,
                from: $0).status }
    }

    /// Every `target/<id>/` in a text.
    static func runIDs(in text: String) -> Set<String> {
        var ids = Set<String>()
        var rest = Substring(text)
        while let r = rest.range(of: "target/") {
            let tail = rest[r.upperBound...]
            let id = tail.prefix { $0.isNumber || $0 == "-" || $0.isLetter }
            if !id.isEmpty, tail.dropFirst(id.count).first == "/" { ids.insert(String(id)) }
            rest = tail
        }
        return ids
    }
}
