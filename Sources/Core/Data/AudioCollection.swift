import Crypto
import Foundation

/// One clip of a collection, named by its path relative to the collection root and its content hash.
public struct ClipRef: Codable, Hashable, Sendable {
    public var relativePath: String
    public var classIndex: Int
    /// Hex SHA-256 of the file's bytes.
    public var sha256: String
    /// For tagging: every tag of the clip, as indices into the collection's `classes` (then
    /// `classIndex` is the first); nil for one class per clip, and then absent from split.json.
    public var tags: [Int]? = nil
    public init(relativePath: String, classIndex: Int, sha256: String, tags: [Int]? = nil) {
        self.relativePath = relativePath
        self.classIndex = classIndex
        self.sha256 = sha256
        self.tags = tags
    }
}

/// A file a run could not use, with the reason, as listed in manifests and reports.
public struct SkippedFile: Codable, Hashable, Sendable {
    public var relativePath: String
    public var reason: String
    public init(relativePath: String, reason: String) {
        self.relativePath = relativePath
        self.reason = reason
    }
}

public enum CollectionError: Error, CustomStringConvertible, Equatable {
    case missing(path: String)
    case notADirectory(path: String)
    case tooFewClasses(path: String, found: [String])
    case emptyClass(path: String)
    case unknownClass(path: String, name: String, available: [String])

    public var description: String {
        switch self {
        case .missing(let p): return "\(p): no such directory"
        case .notADirectory(let p): return "\(p): not a directory (expected one folder per class)"
        case .tooFewClasses(let p, let found):
            return "\(p): a collection needs at least two class folders, found "
                    + "\(found.count)\(found.isEmpty ? "" : " (\(found.joined(separator: ", ")))")"
        case .emptyClass(let p): return "\(p): class folder holds no readable audio files"
        case .unknownClass(let p, let name, let available):
            return "\(p): no class folder named '\(name)' (have: \(available.joined(separator: ", ")))"
        }
    }
}

/// A class-per-folder collection: GTZAN's `genres/<genre>/*.au`, Kaggle's `genres_original/<genre>/*.wav`,
/// or any folder of class folders. Classes and files are sorted by name; hidden entries are ignored.
public struct AudioCollection: Sendable {
    public var root: String
    public var classes: [String]
    public var clips: [ClipRef]
    public var skipped: [SkippedFile]
    /// SHA-256 over the sorted (relative path, content hash) pairs: two runs on different data never match.
    public var fingerprint: String

    public static let defaultExtensions: Set<String> = ["wav", "au", "snd", "aiff", "aif", "flac", "ogg", "mp3"]

    public static func scan(root: String, extensions: Set<String> = defaultExtensions,
                            classes wanted: [String]? = nil) throws -> AudioCollection {
        let fm = FileManager.default
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: root, isDirectory: &isDir) else { throw CollectionError.missing(path: root) }
        guard isDir.boolValue else { throw CollectionError.notADirectory(path: root) }
        let folders = try visibleEntries(root).filter { isDirectory((root as NSString).appendingPathComponent($0)) }
        var classes = folders
        if let wanted {
            for name in wanted where !folders.contains(name) {
                throw CollectionError.unknownClass(path: root, name: name, available: folders)
            }
            classes = wanted
        }
        guard classes.count >= 2 else { throw CollectionError.tooFewClasses(path: root, found: classes) }

        var clips: [ClipRef] = [], skipped: [SkippedFile] = []
        for (index, name) in classes.enumerated() {
            let folder = (root as NSString).appendingPathComponent(name)
            let files = try visibleEntries(folder).filter { extensions.contains(($0 as NSString).pathExtension.lowercased()) }
            var readable = 0
            for file in files {
                let relative = name + "/" + file
                let path = (folder as NSString).appendingPathComponent(file)
                do {
                    _ = try AudioIO.info(path: path) // header-level check; decoding errors surface later, per clip
                    clips.append(ClipRef(relativePath: relative, classIndex: index, sha256: try sha256(ofFile: path)))
                    readable += 1
                } catch let e as AudioError {
                    skipped.append(SkippedFile(relativePath: relative, reason: e.reason))
                }
            }
            if readable == 0 { throw CollectionError.emptyClass(path: folder) }
        }
        return AudioCollection(root: root, classes: classes, clips: clips, skipped: skipped,
                               fingerprint: fingerprint(of: clips))
    }

    public func path(of clip: ClipRef) -> String { (root as NSString).appendingPathComponent(clip.relativePath) }

    public static func fingerprint(of clips: [ClipRef]) -> String {
        var h = SHA256()
        for c in clips.sorted(by: { $0.relativePath < $1.relativePath }) {
            h.update(data: Data("\(c.relativePath)\t\(c.sha256)\n".utf8))
        }
        return hex(h.finalize())
    }

    public static func sha256(ofFile path: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw AudioError.unreadable(path: path,
                reason: "cannot read file") }
        return hex(SHA256.hash(data: data))
    }

    private static func visibleEntries(_ dir: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") }.sorted()
    }

    private static func isDirectory(_ path: String) -> Bool {
        var d: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &d) && d.boolValue
    }
}

func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
    digest.map { String(format: "%02x", $0) }.joined()
}
