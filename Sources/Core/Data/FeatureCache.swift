import Crypto
import Foundation

/// Per-clip log-mel features on disk, keyed by the SHA-256 of the audio bytes, every feature
/// parameter and the feature code's version. Entries are written atomically and carry their own
/// checksum: a corrupt or truncated entry is discarded and rebuilt, never trusted.
public final class FeatureCache: @unchecked Sendable {
    public let directory: String
    private let lock = NSLock()
    private var _hits = 0, _misses = 0, _rebuilt = 0
    public var hits: Int { lock.withLock { _hits } }
    public var misses: Int { lock.withLock { _misses } }
    /// Entries found corrupt and rebuilt.
    public var rebuilt: Int { lock.withLock { _rebuilt } }

    private static let magic = Array("GLMEL001".utf8)

    public init(directory: String) {
        self.directory = directory
    }

    /// The clip's content hash, the extractor's code version and EVERY field of the parameters (their
    /// JSON with sorted keys), so a parameter added later can never share an entry by omission.
    public func key(for clip: ClipRef, params: FeatureParams, augmentation: AugmentDraw? = nil) -> String {
        var p = params
        p.fmax = p.effectiveFmax // nil means sr/2: the same features, the same entry
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let json = try? encoder.encode(p) else { fatalError("FeatureParams must encode as JSON") } // our bug, not input
        var text = "\(clip.sha256)|v\(FeatureParams.codeVersion)|" + String(decoding: json, as: UTF8.self)
        if let augmentation, let draw = try? encoder.encode(augmentation) {
            text += "|augment v\(Augment.codeVersion)|" + String(decoding: draw, as: UTF8.self)
        }
        return hex(SHA256.hash(data: Data(text.utf8)))
    }

    public func entryPath(for key: String) -> String {
        (directory as NSString).appendingPathComponent("\(key.prefix(2))/\(key).mel")
    }

    /// Cached features, or decode + compute + store. Throws the AudioError of an unreadable clip.
    /// With `augmentation`, the features of that augmented copy of the clip. `counts: false` reads
    /// again what a run has already counted (its segments are cut from the cache after validation).
    public func logMel(for clip: ClipRef, root: String, params: FeatureParams, extractor: LogMelExtractor? = nil,
                       augmentation: AugmentDraw? = nil, counts: Bool = true) throws -> FeatureMatrix {
        let path = entryPath(for: key(for: clip, params: params, augmentation: augmentation))
        if let data = FileManager.default.contents(atPath: path) {
            if let m = Self.decode(data) {
                if counts { lock.withLock { _hits += 1 } }
                return m
            }
            try? FileManager.default.removeItem(atPath: path)
            lock.withLock { _rebuilt += 1 }
        }
        if counts { lock.withLock { _misses += 1 } }
        let m = try ClipFeatures.compute(path: (root as NSString).appendingPathComponent(clip.relativePath), params: params,
                                         extractor: extractor, augmentation: augmentation)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Self.encode(m).write(to: URL(fileURLWithPath: path), options: .atomic)
        return m
    }

    /// magic(8) rows(u32) cols(u32) sha256(payload)(32) payload(float32 LE).
    static func encode(_ m: FeatureMatrix) -> Data {
        let payload = LittleEndian.bytes(m.values)
        var d = Data(magic)
        LittleEndian.append(UInt32(m.rows), to: &d)
        LittleEndian.append(UInt32(m.cols), to: &d)
        d.append(contentsOf: SHA256.hash(data: payload))
        d.append(payload)
        return d
    }

    static func decode(_ d: Data) -> FeatureMatrix? {
        guard d.count >= 48, Array(d.prefix(8)) == magic else { return nil }
        let bytes = [UInt8](d)
        func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        let rows = u32(8), cols = u32(12)
        guard rows > 0, cols > 0, d.count == 48 + rows * cols * 4 else { return nil }
        let payload = d.subdata(in: 48..<d.count)
        guard Array(SHA256.hash(data: payload)) == Array(bytes[16..<48]) else { return nil }
        let values = payload.withUnsafeBytes { raw in
            (0..<(rows * cols)).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }
        }
        return FeatureMatrix(rows: rows, cols: cols, values: values)
    }
}
