import ArgumentParser
import Core
import Foundation
import Plot

struct FeaturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Log-mel (or harmonic) features of one audio file, as a NumPy array and/or a spectrogram image.",
        discussion: """
        Defaults are librosa's (sr 22050, n_fft 2048, hop 512, 128 Slaney mels, top_db 80, ref=max). \
        --kind harmonic computes the harmonic front end (H channels x bands; the image stacks the \
        channels, --channel draws one). --pitch, --stretch and --noise-snr apply the augmentations \
        a cell's `augment:` applies, before the features; --wav writes the augmented audio.

        Examples:
          lab features blues.00000.au --npy mel.npy
          lab features song.wav --sr 16000 --n-mels 64 --npy mel.npy
          lab features blues.00000.au --segment 2 --segment-hop 1 --npy windows.npy
          lab features blues.00000.au --png spectrogram.png
          lab features blues.00000.au --kind harmonic --png harmonic.png
          lab features blues.00000.au --pitch 2 --wav up2.wav --npy up2.npy
          lab features blues.00000.au --stretch 1.1 --noise-snr 20 --png augmented.png
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
    @Option(help: "Front end: mel or harmonic.") var kind = "mel"
    @Option(help: "Harmonic front end: harmonics (channels).") var harmonics = FeatureParams.defaultHarmonics
    @Option(help: "Harmonic front end: draw only this channel (1 = fundamental) in the image.") var channel: Int?
    @Option(help: "Shift the pitch by this many semitones first.") var pitch: Int?
    @Option(help: "Stretch the length by this factor first (1.1: 10% slower).") var stretch: Double?
    @Option(help: "Add white noise at this SNR (dB) first.") var noiseSnr: Double?
    @Option(help: "Seed of the noise.") var noiseSeed: UInt64 = 1
    @Option(help: "Write the (augmented) audio as a WAV file.") var wav: String?

    func validate() throws {
        if file.isEmpty { throw ValidationError("the audio file's path is empty") }
        if npy == nil && png == nil && wav == nil { throw ValidationError("give --npy OUT.npy, --png OUT.png and/or --wav OUT.wav") }
        guard FeatureKind(rawValue: kind) != nil else { throw ValidationError("--kind must be mel or harmonic, got \(kind)") }
        guard (1...16).contains(harmonics) else { throw ValidationError("--harmonics must be 1 to 16, got \(harmonics)") }
        if let channel, !(1...harmonics).contains(channel) { throw ValidationError("--channel must be 1 to \(harmonics), got \(channel)") }
        if let pitch, !(-12...12).contains(pitch) { throw ValidationError("--pitch must be -12 to 12 semitones, got \(pitch)") }
        if let stretch, !(0.5...2).contains(stretch) { throw ValidationError("--stretch must be 0.5 to 2, got \(stretch)") }
        if MelScale(rawValue: melScale) == nil { throw ValidationError("--mel-scale must be slaney or htk") }
        if nFft < 16 || hopLength < 1 || nMels < 1 || sr < 1000 { throw ValidationError("feature parameters out of range") }
        guard SegmentTail(rawValue: segmentTail) != nil else { throw ValidationError("--segment-tail must be drop or pad, got "
                + "\(segmentTail)") }
        if let segment, segment <= 0 { throw ValidationError("--segment must be positive, got \(segment)") }
        if let segmentHop, segmentHop <= 0 { throw ValidationError("--segment-hop must be positive, got \(segmentHop)") }
    }

    func run() throws {
        var params = FeatureParams(sampleRate: sr, nFFT: nFft, hopLength: hopLength, nMels: nMels, fmin: fmin,
                                   fmax: fmax, topDB: topDb > 0 ? topDb : nil, melScale: MelScale(rawValue: melScale) ?? .slaney)
        if kind == "harmonic" {
            params.kind = .harmonic
            params.harmonics = harmonics
        }
        let draw = AugmentDraw(semitones: pitch, stretch: stretch, snrDB: noiseSnr, noiseSeed: noiseSnr == nil ? nil : noiseSeed)
        let spec = segment.map { SegmentSpec.seconds($0, hop: segmentHop ?? $0, params: params,
                                                     tail: SegmentTail(rawValue: segmentTail) ?? .drop) }
        try FeatureExport(file: file, params: params, augmentation: draw, segments: spec, channel: channel)
            .write(wav: wav, npy: npy, png: png)
    }
}
