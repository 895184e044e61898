import ArgumentParser
import Foundation

struct GCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc",
        abstract: "Remove the runs under target/ that no report references.",
        discussion: """
        A run is kept when a report names its folder, `target/<run-id>/`. Reports are the .md and .json files \
        beside every notebook (`*.lab.md`) of the workspace, wherever it is: on disk, and as committed at HEAD \
        (or at any commit, with --all-commits), so `git checkout` of an earlier report finds its runs. A run \
        folder with a file git tracks is never removed unless --include-tracked says so. Every other run folder \
        is removed, with its weights and figures. Runs marked `running` or `interrupted` are kept (they may still be resumed) \
        unless --include-unfinished is given. The built-in collection and the feature cache (target/data, target/cache) are \
        never touched.

        Examples:
          lab gc --dry-run     # list what would go, and what is kept and why
          lab gc
          lab gc --all-commits # keep what any commit's report references
        """
    )
    @Flag(help: "List the runs that would be removed, and remove nothing.") var dryRun = false
    @Flag(help: "Also remove unreferenced runs whose manifest says `running` or `interrupted`.") var includeUnfinished = false
    @Flag(help: "Keep the runs that any commit's report references, not only HEAD's.") var allCommits = false
    @Flag(help: "Also remove unreferenced run folders that hold files git tracks.") var includeTracked = false

    @OptionGroup var place: WorkspaceOption

    func run() throws {
        let ws = place.workspace
        // Never while a `lab reproduce` (or resume) writes runs in this workspace.
        let lock = try WorkspaceLock(workspace: ws)
        defer { withExtendedLifetime(lock) {} }
        let plan = try GarbageCollection.plan(workspace: ws, includeUnfinished: includeUnfinished, allCommits: allCommits,
                                              includeTracked: includeTracked)
        for id in plan.remove {
            if dryRun { print("would remove target/\(id)") } else {
                do { try FileManager.default.removeItem(atPath: ws.run(id).path) } catch {
                    throw LabError("target/\(id): cannot remove (\(error.localizedDescription))")
                }
                print("removed target/\(id)")
            }
        }
        for id in plan.keptUnfinished { print("kept target/\(id): unfinished, may be resumed (use --include-unfinished)") }
        for (id, by) in plan.keptCommitted { print("kept target/\(id): referenced by the committed report \(by)") }
        for id in plan.keptTracked { print("kept target/\(id): git tracks files in it (use --include-tracked)") }
        print("\(plan.referenced.count + plan.keptCommitted.count) referenced runs kept; \(plan.remove.count) unreferenced runs "
                + "\(dryRun ? "would be " : "")removed")
    }
}
