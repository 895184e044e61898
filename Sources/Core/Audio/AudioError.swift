/// Why an audio file could not be used. Every case carries the path, so a skipped file can be
/// listed in a manifest and a report exactly as the user named it.
public enum AudioError: Error, Equatable, CustomStringConvertible {
    case missing(path: String)
    case empty(path: String)
    /// libsndfile refused the file; `reason` is its own message (e.g. "Format not recognised").
    case unreadable(path: String, reason: String)
    case noFrames(path: String)
    /// The header promises more frames than the file holds.
    case truncated(path: String, detail: String)
    case nonFinite(path: String, frame: Int)
    case resampleFailed(path: String, reason: String)
    case writeFailed(path: String, reason: String)

    public var path: String {
        switch self {
        case .missing(let p), .empty(let p), .unreadable(let p, _), .noFrames(let p),
             .truncated(let p, _), .nonFinite(let p, _), .resampleFailed(let p, _),
             .writeFailed(let p, _):
            return p
        }
    }

    /// The reason alone, without the path: what a manifest's "skipped" list records.
    public var reason: String {
        switch self {
        case .missing: return "no such file"
        case .empty: return "empty file (0 bytes)"
        case .unreadable(_, let r): return "not readable as audio: \(r)"
        case .noFrames: return "audio file holds no frames"
        case .truncated(_, let d): return "truncated: the header declares more audio than the file holds (\(d))"
        case .nonFinite(_, let f): return "non-finite sample (NaN or infinity) at frame \(f)"
        case .resampleFailed(_, let r): return "resampling failed: \(r)"
        case .writeFailed(_, let r): return "cannot write: \(r)"
        }
    }

    public var description: String { "\(path): \(reason)" }
}
