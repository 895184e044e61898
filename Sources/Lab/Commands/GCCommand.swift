import ArgumentParser
import Foundation

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove the runs under target/ that no report references.",
        discussion: """
        A run is kept when a report names its folder, `target/<run-id>/`. Reports are the .md and .json files \
        beside every notebook (`*.lab.md`) of the workspace, wherever it is. Every other run folder is removed, \
        with its weights and figures. Runs marked `running` or `interrupted` are kept (they may still be resumed) \
        unless --include-unfinished is given. The built-in collection and the feature cache (target/data, target/cache) are \
        never touched.

        Examples:
          lab gc --dry-run     # list what would go
          lab gc
        """
    )
    @Flag(help: "List the runs that would be removed, and remove nothing.") var dryRun = false
    @Flag(help: "Also remove unreferenced runs whose manifest says `running` or `interrupted`.") var includeUnfinished = false

    func run() throws {
        let ws = Workspace.current
        let plan = try GarbageCollection.plan(workspace: ws, includeUnfinished: includeUnfinished)
        for id in plan.remove {
            if dryRun { print("would remove target/\(id)") } else {
                do { try FileManager.default.removeItem(atPath: ws.run(id).path) } catch {
                    throw LabError("target/\(id): cannot remove (\(error.localizedDescription))")
                }
                print("removed target/\(id)")
            }
        }
        for id in plan.keptUnfinished { print("kept target/\(id): unfinished, may be resumed (use --include-unfinished)") }
        print("\(plan.referenced.count) referenced runs kept; \(plan.remove.count) unreferenced runs \(dryRun ? "would be " : "")removed")
    }
}

/// Which run folders the reports reference, and which can go.
enum GarbageCollection {
    struct Plan { var referenced: Set<String>; var remove: [String]; var keptUnfinished: [String] }

    static func plan(workspace ws: Workspace, includeUnfinished: Bool) throws -> Plan {
        var referenced = Set<String>()
        for path in reportFiles(under: ws.root) {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            referenced.formUnion(runIDs(in: text))
        }
        var remove: [String] = [], keptUnfinished: [String] = []
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: ws.target)) ?? []).sorted()
        for id in entries where !referenced.contains(id) {
            let dir = ws.run(id)
            guard FileManager.default.fileExists(atPath: dir.file("manifest.json")) else { continue } // not a run
            if !includeUnfinished, let st = status(of: dir), st == .running || st == .interrupted { keptUnfinished.append(id); continue }
            remove.append(id)
        }
        return Plan(referenced: referenced, remove: remove, keptUnfinished: keptUnfinished)
    }

    /// The .md and .json files in every folder that holds a notebook, skipping target/ and hidden folders.
    static func reportFiles(under root: String) -> [String] {
        let fm = FileManager.default
        var folders = Set<String>()
        guard let walk = fm.enumerator(atPath: root) else { return [] }
        while let rel = walk.nextObject() as? String {
            let name = (rel as NSString).lastPathComponent
            if name.hasPrefix(".") || rel == "target" || rel.hasPrefix("target/") { walk.skipDescendants(); continue }
            if name.hasSuffix(".lab.md") { folders.insert((root as NSString).appendingPathComponent((rel as NSString).deletingLastPathComponent)) }
        }
        return folders.sorted().flatMap { dir in
            ((try? fm.contentsOfDirectory(atPath: dir)) ?? []).sorted()
                .filter { ($0.hasSuffix(".md") && !$0.hasSuffix(".lab.md")) || $0.hasSuffix(".json") }
                .map { (dir as NSString).appendingPathComponent($0) }
        }
    }

    /// Only the status is read, so a manifest from another version of lab still counts.
    private static func status(of dir: RunDirectory) -> RunStatus? {
        struct Status: Decodable { var status: RunStatus }
        return FileManager.default.contents(atPath: dir.file("manifest.json")).flatMap { try? JSONCoding.decoder.decode(Status.self, from: $0).status }
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
