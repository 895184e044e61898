/// Mel scale formula: Slaney's (librosa's default) or HTK's.
public enum MelScale: String, Codable, Sendable { case slaney, htk }

/// What the front end computes: a log-mel spectrogram, or the harmonic filterbank (H channels).
public enum FeatureKind: String, Codable, Sendable { case mel, harmonic }

/// Log-mel parameters. Names and defaults are librosa 0.11's, so any number can be checked there.
/// The harmonic front end's fields are optional so that a log-mel cell's JSON (its cache key, its
/// record) is what it was before they existed.
public struct FeatureParams: Codable, Hashable, Sendable {
    public var sampleRate: Int = 22050
    public var nFFT: Int = 2048
    public var hopLength: Int = 512
    public var nMels: Int = 128
    public var fmin: Double = 0
    /// nil means sampleRate / 2.
    public var fmax: Double? = nil
    /// Dynamic range kept below the clip's peak; nil keeps everything.
    public var topDB: Double? = 80
    public var melScale: MelScale = .slaney
    /// nil: log-mel.
    public var kind: FeatureKind? = nil
    /// Harmonic front end: harmonics H (channels), steps per semitone s, and Q.
    public var harmonics: Int? = nil
    public var stepsPerSemitone: Int? = nil
    public var harmonicQ: Double? = nil
    public static let defaultHarmonics = 6, defaultStepsPerSemitone = 2

    public var isHarmonic: Bool { kind == .harmonic }
    /// Input channels the features give the network: H for the harmonic front end, else 1.
    public var channels: Int { isHarmonic ? harmonics ?? Self.defaultHarmonics : 1 }
    /// Rows per channel: mel bands, or harmonic bands.
    public var bands: Int {
        isHarmonic ? HarmonicFilterbank.centres(sampleRate: sampleRate, harmonics: channels,
                                                stepsPerSemitone: stepsPerSemitone ?? Self.defaultStepsPerSemitone).count : nMels
    }

    public init(sampleRate: Int = 22050, nFFT: Int = 2048, hopLength: Int = 512, nMels: Int = 128,
                fmin: Double = 0, fmax: Double? = nil, topDB: Double? = 80, melScale: MelScale = .slaney) {
        self.sampleRate = sampleRate
        self.nFFT = nFFT
        self.hopLength = hopLength
        self.nMels = nMels
        self.fmin = fmin
        self.fmax = fmax
        self.topDB = topDB
        self.melScale = melScale
    }

    public var effectiveFmax: Double { fmax ?? Double(sampleRate) / 2 }

    /// Frames librosa produces for `sampleCount` samples with centred frames.
    public func frameCount(sampleCount: Int) -> Int { 1 + sampleCount / hopLength }

    /// Bumped whenever the feature code changes what it computes: part of every cache key.
    public static let codeVersion = 1
}

/// Row-major matrix [rows x cols]; for features rows are mel bands and cols are frames.
public struct FeatureMatrix: Equatable, Sendable {
    public var rows: Int
    public var cols: Int
    public var values: [Float]

    public init(rows: Int, cols: Int, values: [Float]) {
        precondition(values.count == rows * cols, "FeatureMatrix: \(values.count) values for \(rows)x\(cols)")
        self.rows = rows
        self.cols = cols
        self.values = values
    }

    public subscript(row: Int, col: Int) -> Float {
        get { values[row * cols + col] }
        set { values[row * cols + col] = newValue }
    }
}
