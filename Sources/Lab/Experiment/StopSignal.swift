import Foundation

/// Ctrl-C and kill (SIGINT, SIGTERM) set a flag the trainer polls between batches; the run then
/// stops at its last completed epoch, marks itself interrupted and keeps its checkpoint.
enum StopSignal {
    nonisolated(unsafe) static var requested: sig_atomic_t = 0

    static func install() {
        signal(SIGINT) { _ in StopSignal.requested = 1 }
        signal(SIGTERM) { _ in StopSignal.requested = 1 }
    }

    static var isRequested: Bool { requested != 0 }
}
