import Foundation

/// A progress bar on a terminal (redrawn in place on stderr); plain, throttled lines otherwise;
/// nothing with `quiet`.
final class ProgressReporter {
    let label: String
    let quiet: Bool
    let isTerminal = isatty(STDERR_FILENO) != 0
    private var lastLine = Date.distantPast
    private let start = Date()

    init(label: String, quiet: Bool) {
        self.label = label
        self.quiet = quiet
    }

    func update(done: Int, total: Int, detail: String = "") {
        guard !quiet, total > 0 else { return }
        let fraction = Double(done) / Double(total)
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        if isTerminal {
            let width = 28, filled = Int(fraction * Double(width))
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data(String(format: "\r\u{1B}[K%@ %@ %3.0f%% %d/%d %@ ETA %@", label, bar, fraction * 100, done,
                                                       total,
                                                       detail, Self.clock(eta)).utf8))
        } else if Date().timeIntervalSince(lastLine) >= 5 || done == total {
            lastLine = Date()
            FileHandle.standardError.write(Data("\(label): \(done)/\(total) \(detail)\n".utf8))
        }
    }

    /// Free-form status (e.g. training: epoch, batch, loss, samples/s, ETA).
    func status(_ text: String, force: Bool = false) {
        guard !quiet else { return }
        if isTerminal {
            FileHandle.standardError.write(Data("\r\u{1B}[K\(label) \(text)".utf8))
        } else if force || Date().timeIntervalSince(lastLine) >= 5 {
            lastLine = Date()
            FileHandle.standardError.write(Data("\(label) \(text)\n".utf8))
        }
    }

    func finish(_ message: String) {
        guard !quiet else { return }
        if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        FileHandle.standardError.write(Data("\(label): \(message)\n".utf8))
    }

    static func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }
}
