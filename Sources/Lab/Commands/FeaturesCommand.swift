import ArgumentParser
import Core
import Foundation
import Plot

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Log-mel features of one audio file, as a NumPy array and/or a spectrogram image.",
        discussion: """
        Defaults are librosa's (sr 22050, n_fft 2048, hop 512, 128 Slaney mels, top_db 80, ref=max).

        Examples:
          lab features blues.00000.au --npy mel.npy
          lab features song.wav --sr 16000 --n-mels 64 --npy mel.npy
          lab features blues.00000.au --segment 2 --segment-hop 1 --npy windows.npy
          lab features blues.00000.au --png spectrogram.png
        """
    )

    @Argument(help: "An audio file libsndfile reads (WAV, AU, AIFF, FLAC, OGG, ...).") var file: String
    @Option(help: "Sample rate to resample to.") var sr = 22050
    @Option(help: "FFT size.") var nFft = 2048
    @Option(help: "Hop between frames, in samples.") var hopLength = 512
    @Option(help: "Number of mel bands.") var nMels = 128
    @Option(help: "Lowest mel frequency, Hz.") var fmin: Double = 0
    @Option(help: "Highest mel frequency, Hz (default sr/2).") var fmax: Double?
    @Option(help: "Dynamic range below the peak, dB; 0 keeps everything.") var topDb: Double = 80
    @Option(help: "Mel scale: slaney or htk.") var melScale = "slaney"
    @Option(help: "Cut into windows of this many seconds.") var segment: Double?
    @Option(help: "Hop between windows, seconds (default: the window length).") var segmentHop: Double?
    @Option(help: "What to do with a last, partial window: drop or pad (as a cell's segment.tail).") var segmentTail = "drop"
    @Option(help: "Write a float32 .npy file: [n_mels, frames] or [segments, n_mels, frames].") var npy: String?
    @Option(help: "Write a spectrogram image (PNG).") var png: String?

    func validate() throws {
        if npy == nil && png == nil { throw ValidationError("give --npy OUT.npy and/or --png OUT.png") }
        if MelScale(rawValue: melScale) == nil { throw ValidationError("--mel-scale must be slaney or htk") }
        if nFft < 16 || hopLength < 1 || nMels < 1 || sr < 1000 { throw ValidationError("feature parameters out of range") }
        guard SegmentTail(rawValue: segmentTail) != nil else { throw ValidationError("--segment-tail must be drop or pad, got \(segmentTail)") }
        if let segment, segment <= 0 { throw ValidationError("--segment must be positive, got \(segment)") }
        if let segmentHop, segmentHop <= 0 { throw ValidationError("--segment-hop must be positive, got \(segmentHop)") }
    }

    func run() throws {
        let params = FeatureParams(sampleRate: sr, nFFT: nFft, hopLength: hopLength, nMels: nMels, fmin: fmin,
                                   fmax: fmax, topDB: topDb > 0 ? topDb : nil, melScale: MelScale(rawValue: melScale) ?? .slaney)
        let clip: AudioClip
        do { clip = try AudioIO.decode(path: file, sampleRate: sr) } catch let e as AudioError {
            throw LabError("\(e)", hint: "check the file with `lab data check` or convert it with sox")
        }
        let mel = LogMelExtractor(params: params).logMel(clip.samples)
        if let npy {
            if let segment {
                let spec = SegmentSpec.seconds(segment, hop: segmentHop ?? segment, params: params, tail: SegmentTail(rawValue: segmentTail) ?? .drop)
                let windows = segments(of: mel, spec: spec)
                try NumpyWriter.write(shape: [windows.count, mel.rows, spec.length], values: windows.flatMap(\.values), to: npy)
                print("\(npy): \(windows.count) x \(mel.rows) x \(spec.length) float32")
            } else {
                try NumpyWriter.write(shape: [mel.rows, mel.cols], values: mel.values, to: npy)
                print("\(npy): \(mel.rows) x \(mel.cols) float32")
            }
        }
        if let png {
            let title = (file as NSString).lastPathComponent
            try Charts.spectrogram(values: mel.values, rows: mel.rows, cols: mel.cols, sampleRate: sr, hopLength: hopLength,
                                   frequencyTicks: Self.frequencyTicks(params, rows: mel.rows), title: title).writePNG(to: png)
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
