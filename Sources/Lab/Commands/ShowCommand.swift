import ArgumentParser
import Core
import Foundation

struct ShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print one run: its manifest and metrics.",
        discussion: """
        Examples:
          lab show 1732512345
        """
    )
    @Argument(help: "The run id.") var runID: String

    @OptionGroup var place: WorkspaceOption

    func run() throws {
        let ws = place.workspace
        let dir = ws.run(runID)
        let m = try dir.readManifest()
        print("run \(m.runID): \(m.experiment.name) (\(m.displayStatus))")
        print("  commit \(m.gitCommit ?? "-")\(m.gitDirty == true ? " (dirty)" : "")  lab \(m.toolkitVersion)  threads \(m.threads)")
        print("  data \(m.dataRoot)  fingerprint \(m.fingerprint ?? "-")")
        print("  classes \(m.classes.joined(separator: ", "))")
        print("  started \(m.startTime)  ended \(m.endTime ?? "-")")
        if let e = m.error { print("  error: \(e)") }
        for s in m.skipped { print("  skipped \(s.relativePath): \(s.reason)") }
        if let r = try dir.readMetrics() {
            print(String(format: "  epochs %d (best %d)%@", r.epochsRun, r.bestEpoch, r.stoppedEarly ? ", early stop" : ""))
            for (name, s) in [("validation", r.validation), ("test", r.test)] {
                for (level, l) in [("segment", s.segment), ("clip", s.clip)] {
                    print(String(format: "  %@ %@: accuracy %.4f  macro AUC %@  micro AUC %@", name, level, l.accuracy,
                                 l.macroAUC.map { String(format: "%.4f", $0) } ?? "undefined",
                                 l.microAUC.map { String(format: "%.4f", $0) } ?? "undefined"))
                }
            }
        }
    }
}
