import Foundation

/// Ctrl-C and kill (SIGINT, SIGTERM) set a flag that every long stage polls: synthesis and feature
/// extraction before each clip, training between batches, evaluation between splits. The run then
/// stops within about a second, marks itself interrupted and keeps what it wrote (cached features,
/// the checkpoint of its last completed epoch); `lab reproduce` picks up from there. A second
/// Ctrl-C ends the process at once, as the default action would.
enum StopSignal {
    nonisolated(unsafe) static var requested: sig_atomic_t = 0

    static func install() {
        for s in [SIGINT, SIGTERM] {
            signal(s) { number in
                StopSignal.requested = 1
                signal(number, SIG_DFL) // the next one is not caught
            }
        }
    }

    static var isRequested: Bool { requested != 0 }
}
