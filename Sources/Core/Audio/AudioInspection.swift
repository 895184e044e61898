import Crypto
import Foundation

/// What a full decode of one file shows: what `lab data check` reports and what a run would skip.
public struct AudioInspection: Sendable {
    public var seconds: Double
    /// Decoded samples per channel, at the file's own rate.
    public var sampleCount: Int
    public var sampleRate: Int
    public var channels: Int
    /// Largest absolute sample; 0 means the file is all silence.
    public var peak: Float
    /// SHA-256 of the decoded mono samples: equal audio in differently encoded files shares it.
    public var audioHash: String

    /// Decodes the whole file at its own rate. Throws the same typed errors a run would (unreadable,
    /// truncated, empty, NaN or infinite samples).
    public static func inspect(path: String) throws -> AudioInspection { try inspectKeepingAudio(path: path).inspection }

    /// The same, and the decoded clip at the file's own rate, so a caller that also needs the
    /// audio (`lab data check` computes the run's features) decodes the file once.
    public static func inspectKeepingAudio(path: String) throws -> (inspection: AudioInspection, clip: AudioClip) {
        let info = try AudioIO.info(path: path)
        let clip = try AudioIO.decode(path: path)
        return (AudioInspection(of: clip, channels: info.channels), clip)
    }
}

extension AudioInspection {
    /// What the decoded clip shows.
    init(of clip: AudioClip, channels: Int) {
        var peak: Float = 0
        for x in clip.samples { peak = max(peak, abs(x)) }
        let hash = clip.samples.withUnsafeBytes { SHA256.hash(data: $0) }.map { String(format: "%02x", $0) }.joined()
        self.init(seconds: Double(clip.samples.count) / Double(clip.sampleRate), sampleCount: clip.samples.count,
                  sampleRate: clip.sampleRate, channels: channels, peak: peak, audioHash: hash)
    }
}
