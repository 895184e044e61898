import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A dataset's samples, one after another, each `sampleSize` floats ([channels x height x width]):
/// in memory, or in a file that is read a batch at a time. Either way a sample's floats are the same,
/// so where they live changes no bit.
public struct Samples: Sendable {
    public let count: Int
    public let sampleSize: Int
    private let memory: [Float]
    private let file: SampleFile?

    public init(_ x: [Float], sampleSize: Int) {
        precondition(sampleSize > 0 && x.count % sampleSize == 0, "samples: \(x.count) floats are not whole samples of \(sampleSize)")
        memory = x
        file = nil
        count = x.count / sampleSize
        self.sampleSize = sampleSize
    }

    /// Every sample `file` holds; nothing more may be appended to it.
    init(file: SampleFile, sampleSize: Int) {
        precondition(file.floats % sampleSize == 0, "samples: \(file.floats) floats are not whole samples of \(sampleSize)")
        memory = []
        self.file = file
        count = file.floats / sampleSize
        self.sampleSize = sampleSize
    }

    /// Whether the samples are read from a file, not held in memory.
    public var isStreamed: Bool { file != nil }

    /// The floats of all samples, in order (a copy; in-memory samples only need no read).
    public var values: [Float] {
        guard let file else { return memory }
        let n = count * sampleSize
        var all = [Float](repeating: 0, count: n)
        all.withUnsafeMutableBufferPointer { file.read(at: 0, count: n, into: $0.baseAddress!) }
        return all
    }

    /// Copies samples `order` into the engine's batch layout [channels, n, H, W]: channel c of the
    /// i-th sample goes to row c * n + i.
    func gather(_ order: ArraySlice<Int>, channels: Int, into input: Tensor) {
        let n = order.count, hw = sampleSize / channels
        input.data.withUnsafeMutableBufferPointer { dst in
            let d = dst.baseAddress!
            if let file {
                for (i, sample) in order.enumerated() {
                    for c in 0..<channels { file.read(at: (sample * channels + c) * hw, count: hw, into: d + (c * n + i) * hw) }
                }
                return
            }
            memory.withUnsafeBufferPointer { src in
                for (i, sample) in order.enumerated() {
                    for c in 0..<channels { (d + (c * n + i) * hw).update(from: src.baseAddress! + (sample * channels + c) * hw,
                                                                          count: hw) }
                }
            }
        }
    }
}

/// Floats in a temporary file that is unlinked as soon as it is made: nothing is left behind, even
/// after a crash, and the pages sit in the kernel's page cache rather than in the process, so a
/// run's memory stays flat however large the collection (FMA-medium's segments would be ~32 GB).
/// Appends come from one thread; reads (`pread`) may come from any number at once.
public final class SampleFile: @unchecked Sendable {
    private let fd: Int32
    private let directory: String
    public private(set) var floats = 0

    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var template = Array(((directory as NSString).appendingPathComponent("segments-XXXXXX")).utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw UserError("\(directory): cannot create a segment file: \(String(cString: strerror(errno)))") }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.fd = fd
        self.directory = directory
    }

    deinit { close(fd) }

    public func append(_ values: [Float]) throws {
        try values.withUnsafeBytes { try write(at: floats * 4, $0) }
        floats += values.count
    }

    /// Overwrites floats from `offset` on (they must exist).
    public func overwrite(at offset: Int, _ values: [Float]) throws {
        precondition(offset + values.count <= floats, "segment file: overwrite past the end")
        try values.withUnsafeBytes { try write(at: offset * 4, $0) }
    }

    /// Applies `standardisation` to every float, in place, a chunk at a time.
    public func standardise(with standardisation: Standardisation) throws {
        let chunk = 1 << 16
        var buffer = [Float](repeating: 0, count: chunk)
        var offset = 0
        while offset < floats {
            let n = min(chunk, floats - offset)
            if buffer.count != n { buffer = [Float](repeating: 0, count: n) }
            buffer.withUnsafeMutableBufferPointer { read(at: offset, count: n, into: $0.baseAddress!) }
            standardisation.apply(&buffer)
            try overwrite(at: offset, buffer)
            offset += n
        }
    }

    private func write(at byteOffset: Int, _ bytes: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(byteOffset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                throw UserError("\(directory): cannot write the run's segment file: \(String(cString: strerror(errno)))",
                                hint: "free disk space there (the segments of the collection are written once per experiment)")
            }
            done += n
        }
    }

    /// Reads `count` floats from float `offset` on. The file is ours and was written whole by this
    /// process, so a failed read is the system failing, not bad input.
    func read(at offset: Int, count: Int, into destination: UnsafeMutablePointer<Float>) {
        precondition(offset + count <= floats, "segment file: read past the end")
        let raw = UnsafeMutableRawPointer(destination), bytes = count * 4
        var done = 0
        while done < bytes {
            let n = pread(fd, raw + done, bytes - done, off_t(offset * 4 + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { fatalError("\(directory): reading the run's segment file failed: \(String(cString: strerror(errno)))") }
            done += n
        }
    }
}
