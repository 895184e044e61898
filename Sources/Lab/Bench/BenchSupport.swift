import Foundation

/// Median of repeated wall-clock timings, in seconds.
func medianSeconds(repeats: Int, _ body: () throws -> Void) rethrows -> Double {
    var times: [Double] = []
    for _ in 0..<max(1, repeats) {
        let t = Date()
        try body()
        times.append(Date().timeIntervalSince(t))
    }
    times.sort()
    return times[times.count / 2]
}

/// A scratch directory for a benchmark, removed afterwards unless `keep`.
func benchDirectory(_ name: String) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lab-bench-\(name)-\(getpid())").path
    try? FileManager.default.removeItem(atPath: dir)
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

/// The first error thrown by any of several concurrent workers, behind a lock.
final class FirstError: @unchecked Sendable {
    private let lock = NSLock()
    private var error: Error?

    func record(_ e: Error) {
        lock.lock()
        if error == nil { error = e }
        lock.unlock()
    }

    /// Throws the first recorded error, if any.
    func check() throws {
        lock.lock()
        let e = error
        lock.unlock()
        if let e { throw e }
    }
}
