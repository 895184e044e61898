import Core
import Foundation
import Plot

/// `lab features`: one audio file's features, as a run computes them, written for a look or for
/// another tool: the (augmented) audio as WAV, the log-mel (or harmonic) matrix or its segments as
/// .npy, and a spectrogram PNG.
struct FeatureExport {
    let file: String
    let params: FeatureParams
    let augmentation: AugmentDraw
    /// Cut the matrix into these segments for the .npy (nil: the whole matrix).
    let segments: SegmentSpec?
    /// For harmonic features: draw only this channel (from 1); nil: every channel stacked.
    let channel: Int?

    func write(wav: String?, npy: String?, png: String?) throws {
        let sr = params.sampleRate, hopLength = params.hopLength, harmonics = params.channels
        var clip: AudioClip
        do { clip = try AudioIO.decode(path: file, sampleRate: sr) } catch let e as AudioError {
            throw LabError("\(e)", hint: "check the file with `lab data check` or convert it with sox")
        }
        clip.samples = try augmentation.apply(clip.samples, sampleRate: sr)
        if let wav {
            try AudioIO.write(clip, to: wav, format: .wavFloat)
            print("\(wav): \(clip.samples.count) samples at \(sr) Hz")
        }
        let mel = LogMelExtractor(params: params).logMel(clip.samples)
        if let npy {
            if let spec = segments {
                let windows = Core.segments(of: mel, spec: spec)
                try NumpyWriter.write(shape: [windows.count, mel.rows, spec.length], values: windows.flatMap(\.values), to: npy)
                print("\(npy): \(windows.count) x \(mel.rows) x \(spec.length) float32")
            } else {
                try NumpyWriter.write(shape: [mel.rows, mel.cols], values: mel.values, to: npy)
                print("\(npy): \(mel.rows) x \(mel.cols) float32")
            }
        }
        if let png {
            let title = (file as NSString).lastPathComponent
            if params.isHarmonic {
                // Every channel stacked (fundamental at the bottom), or the one --channel names.
                let bands = params.bands, channels = channel.map { [$0 - 1] } ?? Array(0..<harmonics)
                let values = channels.flatMap { h in mel.values[(h * bands * mel.cols)..<((h + 1) * bands * mel.cols)] }
                let ticks = channels.enumerated().map { i, h in (row: Double(i * bands), label: "h\(h + 1)") }
                try Charts.spectrogram(values: Array(values), rows: channels.count * bands, cols: mel.cols, sampleRate: sr,
                                       hopLength: hopLength,
                                       frequencyTicks: ticks, title: title + ": harmonic channels",
                                       frequencyLabel: "harmonic h, bands from C1 (h x 32.7 Hz) up").writePNG(to: png)
            } else {
                try Charts.spectrogram(values: mel.values, rows: mel.rows, cols: mel.cols, sampleRate: sr, hopLength: hopLength,
                                       frequencyTicks: Self.frequencyTicks(params, rows: mel.rows), title: title).writePNG(to: png)
            }
            print("\(png): spectrogram")
        }
    }

    /// Hz labels for the mel band rows, placed with the features' own mel scale (Slaney or HTK).
    static func frequencyTicks(_ params: FeatureParams, rows: Int) -> [(row: Double, label: String)] {
        let lo = MelFilterbank.hzToMel(params.fmin, params.melScale), hi = MelFilterbank.hzToMel(params.effectiveFmax, params.melScale)
        return [0, 250, 500, 1000, 2000, 4000, 8000, 16000].filter { $0 >= params.fmin && $0 <= params.effectiveFmax }.map { hz in
            ((MelFilterbank.hzToMel(hz, params.melScale) - lo) / (hi - lo) * Double(rows), hz >= 1000 ? "\(Int(hz / 1000))k" : "\(Int(hz))")
        }
    }
}
