/// What distinguishes each genre musically, as the synthesiser plays it. Tempo ranges overlap on
/// purpose, and every clip draws its own tempo, key, mix and brightness, so no single statistic
/// (loudness, tempo, brightness) names the genre on its own.
struct GenreStyle {
    enum Chords { case triad, seventh, power, jazz }
    enum Voice { case piano, strings, pluck, organ, guitar, brass, synthPad, skank }
    enum BassLine { case none, root, rootFifth, walking, octaves, sub, melodic }

    var tempo: ClosedRange<Double>
    /// 0.5 straight; 0.6-0.67 swung eighths.
    var swing: ClosedRange<Double>
    /// Per 16-step bar: kick, snare, hat. nil = no drums.
    var drums: (kick: [Int], snare: [Int], hat: [Int])?
    /// Scale degrees (semitones from the key) of each bar's chord root, and its quality.
    var progression: [(root: Int, minor: Bool)]
    var chords: Chords
    var voices: [Voice]
    var bass: BassLine
    /// Waveshaper drive on the chord voice (1 = clean).
    var drive: ClosedRange<Double>
    /// Chord hits per bar: 1 sustained, 2 half notes, 4 quarters, 8 eighths; negative = off-beats only.
    var rhythm: Int
    var melody: Bool
}

enum GenreStyles {
    /// Genres that share traits in real collections; a clip may borrow a component from one of these.
    static let siblings: [String: [String]] = [
        "blues": ["jazz", "rock", "country"], "classical": ["jazz", "pop"], "country": ["rock", "blues", "pop"],
        "disco": ["pop", "hiphop"], "hiphop": ["reggae", "disco", "pop"], "jazz": ["blues", "classical"],
        "metal": ["rock"], "pop": ["disco", "rock", "country"], "reggae": ["hiphop", "pop"], "rock": ["metal", "country", "blues"],
    ]

    /// The genre's style with, independently for drums, chord voicing, bass and harmony, a chance of
    /// taking that component from a sibling genre: genres overlap as they do in real music.
    static func style(for genre: String, borrowing rng: inout SeededRNG, probability: Double = 0.3) -> GenreStyle {
        var s = style(for: genre)
        let others = siblings[genre] ?? []
        guard !others.isEmpty else { return s }
        func pick() -> GenreStyle? { rng.uniform() < probability ? style(for: others[rng.int(below: others.count)]) : nil }
        if let o = pick() { s.drums = o.drums; s.swing = o.swing }
        if let o = pick() { s.voices = o.voices; s.chords = o.chords; s.drive = o.drive; s.rhythm = o.rhythm }
        if let o = pick() { s.bass = o.bass }
        if let o = pick() { s.progression = o.progression; s.melody = o.melody }
        return s
    }

    static func style(for genre: String) -> GenreStyle {
        let backbeat = (kick: [0, 8], snare: [4, 12], hat: [0, 2, 4, 6, 8, 10, 12, 14])
        switch genre {
        case "blues":
            return GenreStyle(tempo: 70...115, swing: 0.62...0.67, drums: (kick: [0, 8], snare: [4, 12], hat: [0, 2, 4, 6, 8, 10, 12, 14]),
                              progression: [(0, false), (5, false), (0, false), (0, false), (5, false), (5, false), (0, false), (0, false),
                                      (7, false), (5, false), (0, false), (7, false)],
                              chords: .seventh, voices: [.guitar, .piano], bass: .walking, drive: 1.5...3, rhythm: 4, melody: true)
        case "classical":
            return GenreStyle(tempo: 60...110, swing: 0.5...0.5, drums: nil,
                              progression: [(0, false), (5, false), (7, false), (0, false), (9, true), (2, true), (7, false), (0, false)],
                              chords: .triad, voices: [.strings, .piano], bass: .none, drive: 1...1, rhythm: 1, melody: true)
        case "country":
            return GenreStyle(tempo: 90...135, swing: 0.5...0.55, drums: (kick: [0, 8], snare: [4, 12], hat: [0, 4, 8, 12]),
                              progression: [(0, false), (0, false), (5, false), (7, false)],
                              chords: .triad, voices: [.pluck], bass: .rootFifth, drive: 1...1, rhythm: 8, melody: true)
        case "disco":
            return GenreStyle(tempo: 110...132, swing: 0.5...0.5, drums: (kick: [0, 4, 8, 12], snare: [4, 12], hat: [2, 6, 10, 14]),
                              progression: [(0, true), (5, true), (3, false), (7, true)],
                              chords: .seventh, voices: [.strings, .brass], bass: .octaves, drive: 1...1, rhythm: 4, melody: false)
        case "hiphop":
            return GenreStyle(tempo: 78...100, swing: 0.55...0.62, drums: (kick: [0, 6, 10], snare: [4, 12], hat: [0, 2, 4, 6, 8, 10, 12,
                    14]),
                              progression: [(0, true), (0, true), (8, false), (7, true)],
                              chords: .seventh, voices: [.piano, .synthPad], bass: .sub, drive: 1...1.3, rhythm: 2, melody: false)
        case "jazz":
            return GenreStyle(tempo: 100...180, swing: 0.6...0.67, drums: (kick: [0], snare: [], hat: [0, 4, 6, 8, 12, 14]),
                              progression: [(2, true), (7, false), (0, false), (0, false), (9, true), (2, true), (7, false), (0, false)],
                              chords: .jazz, voices: [.piano], bass: .walking, drive: 1...1, rhythm: -4, melody: true)
        case "metal":
            return GenreStyle(tempo: 100...180, swing: 0.5...0.5, drums: (kick: [0, 2, 4, 6, 8, 10, 12, 14], snare: [4, 12], hat: [0, 4, 8,
                    12]),
                              progression: [(0, true), (0, true), (8, false), (10, false)],
                              chords: .power, voices: [.guitar], bass: .root, drive: 8...16, rhythm: 8, melody: false)
        case "pop":
            return GenreStyle(tempo: 95...128, swing: 0.5...0.52, drums: backbeat,
                              progression: [(0, false), (7, false), (9, true), (5, false)],
                              chords: .triad, voices: [.synthPad, .piano], bass: .root, drive: 1...1, rhythm: 4, melody: true)
        case "reggae":
            return GenreStyle(tempo: 65...92, swing: 0.5...0.56, drums: (kick: [8], snare: [8], hat: [2, 6, 10, 14]),
                              progression: [(0, true), (5, true), (0, true), (7, true)],
                              chords: .triad, voices: [.skank, .organ], bass: .melodic, drive: 1...1, rhythm: -4, melody: false)
        default: // rock
            return GenreStyle(tempo: 100...145, swing: 0.5...0.5, drums: backbeat,
                              progression: [(0, false), (10, false), (5, false), (0, false)],
                              chords: .power, voices: [.guitar], bass: .root, drive: 3...6, rhythm: 8, melody: true)
        }
    }
}
