import Foundation

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
            if !includeUnfinished, let st = status(of: dir), st == .running || st == .interrupted || st == .submitted { keptUnfinished.append(id); continue }
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
