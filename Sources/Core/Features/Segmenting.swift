import Foundation

/// What happens to the frames after the last whole window.
public enum SegmentTail: String, Codable, Sendable {
    /// Frames that do not fill a window are dropped (the default: no made-up data).
    case drop
    /// The tail becomes one more window, padded with the clip's minimum value (silence in dB terms).
    case pad
}

/// Fixed windows over a clip's frames: the study's "1 or 2 seconds" with a sliding hop.
public struct SegmentSpec: Codable, Hashable, Sendable {
    public var length: Int
    public var hop: Int
    public var tail: SegmentTail = .drop
    /// At most this many windows per clip, evenly spaced over the clip (first and last included);
    /// nil: every window. Keeps a 5-minute song from outweighing a 30-second clip.
    public var maxPerClip: Int? = nil

    public init(length: Int, hop: Int, tail: SegmentTail = .drop, maxPerClip: Int? = nil) {
        precondition(length > 0 && hop > 0, "segment length and hop must be positive")
        precondition(maxPerClip.map { $0 >= 1 } ?? true, "at least one segment per clip")
        self.length = length
        self.hop = hop
        self.tail = tail
        self.maxPerClip = maxPerClip
    }

    /// Window length and hop in seconds, rounded to whole frames.
    public static func seconds(_ length: Double, hop: Double, params: FeatureParams, tail: SegmentTail = .drop,
                               maxPerClip: Int? = nil) -> SegmentSpec {
        let fps = Double(params.sampleRate) / Double(params.hopLength)
        return SegmentSpec(length: max(1, Int((length * fps).rounded())), hop: max(1, Int((hop * fps).rounded())), tail: tail,
                           maxPerClip: maxPerClip)
    }
}

/// Cuts [rows x cols] into windows [rows x spec.length], in time order.
/// A clip shorter than one window gives one padded window with `.pad` and none with `.drop`.
public func segments(of m: FeatureMatrix, spec: SegmentSpec) -> [FeatureMatrix] {
    let fill = m.values.min() ?? 0
    return segmentStarts(frames: m.cols, spec: spec).map { start in
        var v = [Float](repeating: fill, count: m.rows * spec.length)
        let width = min(spec.length, m.cols - start)
        for r in 0..<m.rows where width > 0 {
            for c in 0..<width { v[r * spec.length + c] = m.values[r * m.cols + start + c] }
        }
        return FeatureMatrix(rows: m.rows, cols: spec.length, values: v)
    }
}

/// The first frame of each window over `frames` frames: what `segments` cuts, without cutting it
/// (an empty list means the clip is shorter than one segment).
public func segmentStarts(frames: Int, spec: SegmentSpec) -> [Int] {
    var starts: [Int] = []
    var s = 0
    while s + spec.length <= frames { starts.append(s); s += spec.hop }
    if spec.tail == .pad && (starts.last.map { $0 + spec.length < frames } ?? true) && frames > 0 {
        starts.append(starts.last.map { $0 + spec.hop } ?? 0)
    }
    if let limit = spec.maxPerClip, starts.count > limit {
        // Evenly spaced picks, first and last included: index round(i * (n - 1) / (limit - 1)).
        let n = starts.count
        return limit == 1 ? [starts[(n - 1) / 2]] : (0..<limit).map { starts[(2 * $0 * (n - 1) + (limit - 1)) / (2 * (limit - 1))] }
    }
    return starts
}

extension SegmentSpec {
    /// The one rule for "too short", used by runs and by `lab data check`: a clip of `frames` feature
    /// frames is skipped when this spec cuts no window from it (a `tail: pad` spec cuts one from any
    /// clip with a frame). Returns the reason a manifest lists, or nil when the clip is usable.
    public func tooShort(frames: Int, segmentSeconds: Double) -> String? {
        segmentStarts(frames: frames, spec: self).isEmpty
            ? "shorter than one \(String(format: "%g", segmentSeconds))-s segment (\(frames) frames, \(length) needed)" : nil
    }
}
