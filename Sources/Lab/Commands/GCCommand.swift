import ArgumentParser
import Foundation

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove the runs under target/ that no report references.",
        discussion: """
        A run is kept when a report in reports/ (any .md or .json file there) names its folder, `target/<run-id>/`. \
        Every other run folder is removed, with its weights and figures. Runs still marked `running` are kept unless \
        --include-running is given. The built-in collection and the feature cache (target/data, target/cache) are \
        never touched.

        Examples:
          lab gc --dry-run     # list what would go
          lab gc
        """
    )
    @Flag(help: "List the runs that would be removed, and remove nothing.") var dryRun = false
    @Flag(help: "Also remove unreferenced runs whose manifest still says `running`.") var includeRunning = false

    func run() throws {
        let ws = Workspace.current
        let plan = try GarbageCollection.plan(workspace: ws, includeRunning: includeRunning)
        for id in plan.remove {
            if dryRun { print("would remove target/\(id)") } else {
                do { try FileManager.default.removeItem(atPath: ws.run(id).path) } catch {
                    throw LabError("target/\(id): cannot remove (\(error.localizedDescription))")
                }
                print("removed target/\(id)")
            }
        }
        for id in plan.keptRunning { print("kept target/\(id): still marked running (use --include-running)") }
        print("\(plan.referenced.count) referenced runs kept; \(plan.remove.count) unreferenced runs \(dryRun ? "would be " : "")removed")
    }
}

/// Which run folders the reports reference, and which can go.
enum GarbageCollection {
    struct Plan { var referenced: Set<String>; var remove: [String]; var keptRunning: [String] }

    static func plan(workspace ws: Workspace, includeRunning: Bool) throws -> Plan {
        let reports = (ws.root as NSString).appendingPathComponent("reports")
        var referenced = Set<String>()
        for name in (try? FileManager.default.contentsOfDirectory(atPath: reports)) ?? [] where name.hasSuffix(".md") || name.hasSuffix(".json") {
            guard let text = try? String(contentsOfFile: (reports as NSString).appendingPathComponent(name), encoding: .utf8) else { continue }
            referenced.formUnion(runIDs(in: text))
        }
        var remove: [String] = [], keptRunning: [String] = []
        let entries = ((try? FileManager.default.contentsOfDirectory(atPath: ws.target)) ?? []).sorted()
        for id in entries where !referenced.contains(id) {
            let dir = ws.run(id)
            guard FileManager.default.fileExists(atPath: dir.file("manifest.json")) else { continue } // not a run
            if !includeRunning, status(of: dir) == .running { keptRunning.append(id); continue }
            remove.append(id)
        }
        return Plan(referenced: referenced, remove: remove, keptRunning: keptRunning)
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
