import Dispatch
import Foundation

/// How the engine runs on this machine: how many threads take the pieces of its loops, and which
/// vector kernels its products and transforms use. Chosen once, at start-up (`lab` builds one from
/// `--threads` and `LAB_KERNELS`), and handed to Model, Trainer, GEMM and the data pipeline; nothing
/// reads a global. Neither field changes a bit: the work split is fixed by the data's shape and each
/// kernel path computes the same sums in the same order (GEMMTests, KernelPathLayerTests), so tests
/// build two contexts side by side and compare their outputs.
public struct ExecutionContext: Sendable {
    /// The most pieces `parallelFor` cuts a loop into. Changing it would change the bits of the
    /// reductions that sum per-piece partials (Winograd's dU over 8 pieces of a batch), so it stays 8;
    /// docs/cnn-engine.md says what that means beyond 8 cores.
    static let chunks = 8

    /// How many workers take the pieces; at least 1.
    public let threads: Int
    /// Which vector kernels run: see KernelPath.
    public let kernels: KernelPath
    /// Winograd's weight gradient for few input channels is built transposed (16 wide). Tests turn it
    /// off to show both give the same bits.
    let transposesNarrowGradient: Bool

    public init(threads: Int, kernels: KernelPath = .best) {
        self.init(threads: threads, kernels: kernels, transposesNarrowGradient: true)
    }

    init(threads: Int, kernels: KernelPath, transposesNarrowGradient: Bool) {
        self.threads = max(1, threads)
        self.kernels = kernels
        self.transposesNarrowGradient = transposesNarrowGradient
    }

    /// The context for `threads` workers on the kernels `LAB_KERNELS` asks for (the best this CPU has
    /// when unset). Throws the one-line reason when the variable names a path this build or CPU lacks.
    public static func fromEnvironment(threads: Int) throws -> ExecutionContext {
        ExecutionContext(threads: threads, kernels: try KernelPath.requested(ProcessInfo.processInfo.environment["LAB_KERNELS"]))
    }

    /// The same kernels on one thread: for work that is already spread over threads by its caller
    /// (`Model.predict` runs whole batches per worker).
    public var serial: ExecutionContext { with(threads: 1) }

    public func with(threads: Int) -> ExecutionContext {
        ExecutionContext(threads: threads, kernels: kernels, transposesNarrowGradient: transposesNarrowGradient)
    }

    func with(kernels: KernelPath) -> ExecutionContext {
        ExecutionContext(threads: threads, kernels: kernels, transposesNarrowGradient: transposesNarrowGradient)
    }

    func with(transposesNarrowGradient: Bool) -> ExecutionContext {
        ExecutionContext(threads: threads, kernels: kernels, transposesNarrowGradient: transposesNarrowGradient)
    }
}

extension ExecutionContext {
    /// Runs `body` over 0..<count split into FIXED chunks (independent of the thread count), so work
    /// that writes disjoint outputs, or reduces within a chunk, gives the same bits on any thread count.
    @inline(__always)
    func parallelFor(_ count: Int, minChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = Self.fixedChunkCount(count, minChunk: minChunk)
        if chunks == 1 || threads == 1 { body(0..<count); return }
        run(chunks) { i in body((count * i / chunks)..<(count * (i + 1) / chunks)) }
    }

    /// The number of chunks `parallelFor` and `parallelChunks` cut `count` items into: fixed by `count`.
    static func fixedChunkCount(_ count: Int, minChunk: Int = 1) -> Int {
        max(1, min(chunks, count / max(minChunk, 1)))
    }

    /// Like `parallelFor`, and also passes the chunk's index, for per-chunk scratch and partial sums.
    func parallelChunks(_ count: Int, _ body: (_ chunk: Int, Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = Self.fixedChunkCount(count)
        run(chunks) { i in body(i, (count * i / chunks)..<(count * (i + 1) / chunks)) }
    }

    /// Runs `body(i)` for i in 0..<tasks on min(threads, tasks) workers, each claiming the next task
    /// when it finishes one. Tasks write disjoint outputs, so which worker runs which is free.
    /// (GCD's concurrentPerform alone would use as many workers as the CPU has, whatever `threads` says.)
    func run(_ tasks: Int, _ body: (Int) -> Void) {
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
    public func forEach(_ count: Int, _ body: (Int) -> Void) {
        run(count, body)
    }
}
