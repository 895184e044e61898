import Dispatch
import Foundation

/// Runs `body` over 0..<count split into FIXED chunks (independent of the core count), so work that
/// writes disjoint outputs, or reduces within a chunk, gives the same bits on any thread count.
@inline(__always)
func parallelFor(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
    guard count > 0 else { return }
    let chunks = fixedChunkCount(count, minChunk: minChunk)
    if chunks == 1 || Parallelism.threads == 1 { body(0..<count); return }
    Parallelism.run(chunks) { i in body((count * i / chunks)..<(count * (i + 1) / chunks)) }
}

/// The number of chunks `parallelFor` and `parallelChunks` cut `count` items into: fixed by `count`.
func fixedChunkCount(_ count: Int, minChunk: Int = 1) -> Int {
    max(1, min(Parallelism.chunks, count / max(minChunk, 1)))
}

/// Like `parallelFor`, and also passes the chunk's index, for per-chunk scratch and partial sums.
func parallelChunks(_ count: Int, _ body: (_ chunk: Int, Range<Int>) -> Void) {
    guard count > 0 else { return }
    let chunks = fixedChunkCount(count)
    Parallelism.run(chunks) { i in body(i, (count * i / chunks)..<(count * (i + 1) / chunks)) }
}

/// How much of the machine the engine uses. The work split is fixed by the data's shape; `threads`
/// only decides how many workers take its pieces. Where pieces add partial sums (Winograd's weight
/// gradient), they are added in piece order after all are done, so no bit depends on `threads`.
public enum Parallelism {
    /// The most pieces `parallelFor` cuts a loop into. Changing it would change the bits of the
    /// reductions that sum per-piece partials (Winograd's dU over 8 pieces of a batch), so it stays 8;
    /// docs/cnn-engine.md says what that means beyond 8 cores.
    static let chunks = 8
    nonisolated(unsafe) public private(set) static var threads = 2

    public static func setThreads(_ n: Int) {
        threads = max(1, n)
    }

    /// Runs `body` with the engine's own layer-level threading off: for callers that run whole
    /// batches on threads of their own (`Model.predict`). Chunking is unchanged, so are the bits.
    static func serially(_ body: () -> Void) {
        let saved = threads
        threads = 1
        defer { threads = saved }
        body()
    }
}

extension Parallelism {
    /// Runs `body(i)` for i in 0..<tasks on min(threads, tasks) workers, each claiming the next task
    /// when it finishes one. Tasks write disjoint outputs, so which worker runs which is free.
    /// (GCD's concurrentPerform alone would use as many workers as the CPU has, whatever `threads` says.)
    static func run(_ tasks: Int, _ body: (Int) -> Void) {
        let workers = min(threads, tasks)
        if workers <= 1 {
            for i in 0..<tasks { body(i) }
            return
        }
        if workers == tasks {
            DispatchQueue.concurrentPerform(iterations: tasks, execute: body)
            return
        }
        let lock = NSLock()
        var next = 0
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while true {
                let i: Int = lock.withLock { defer { next += 1 }; return next }
                guard i < tasks else { return }
                body(i)
            }
        }
    }

    /// Runs `body(i)` for every i in 0..<count on at most `threads` workers, each taking the next
    /// index as it finishes one (clips differ in length). For work whose results go to slot i, so the
    /// outcome never depends on the order: decoding, features, synthesis, data checks.
    public static func forEach(_ count: Int, _ body: (Int) -> Void) {
        run(count, body)
    }
}
