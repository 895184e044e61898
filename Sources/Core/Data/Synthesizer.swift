import Foundation
import Numerics

/// Renders one clip of a genre: drums, bass, chords and an optional melody, each from simple DSP
/// (wavetable sines, naive saws through one-pole filters, Karplus-Strong plucks, noise bursts),
/// mixed at clip-specific levels. Everything random comes from the clip's own generator.
struct Synthesizer {
    let rate: Int
    var rng: SeededRNG
    private(set) var buffer: [Float]

    init(seconds: Double, rate: Int, rng: SeededRNG) {
        self.rate = rate
        self.rng = rng
        buffer = [Float](repeating: 0, count: Int(seconds * Double(rate)))
    }

    static let sineTable: [Float] = (0..<4096).map { Float(Elementary.sin(2 * Double.pi * Double($0) / 4096)) }

    mutating func render(style s: GenreStyle) -> [Float] {
        let bpm = rng.uniform(s.tempo.lowerBound, s.tempo.upperBound)
        let swing = rng.uniform(s.swing.lowerBound, s.swing.upperBound)
        let key = rng.int(below: 12)
        let drive = rng.uniform(s.drive.lowerBound, s.drive.upperBound)
        let brightness = rng.uniform(0.25, 0.9)
        let levels = (drums: rng.uniform(0.4, 1), bass: rng.uniform(0.4, 1), chords: rng.uniform(0.35, 0.9), melody: rng.uniform(0.3, 0.8))
        let stepSeconds = 60 / bpm / 4
        let barSeconds = stepSeconds * 16
        let total = Double(buffer.count) / Double(rate)
        let startBar = rng.int(below: s.progression.count) // clips start anywhere in the form
        let baseMidi = 48 + key // chords around C3..B3

        /// Onset of 16th step `k` of bar `bar`, with swing moving every second 8th note later.
        func time(_ bar: Int, _ step: Double) -> Double {
            let eighth = floor(step / 2), within = step - 2 * eighth
            let swungEighth = Int(eighth) % 2 == 1 ? eighth - 1 + 2 * swing : eighth
            return Double(bar) * barSeconds + (swungEighth * 2 + within) * stepSeconds
        }

        var bar = 0
        while Double(bar) * barSeconds < total {
            let chord = s.progression[(startBar + bar) % s.progression.count]
            let root = baseMidi + chord.root
            let notes = chordNotes(root: root, minor: chord.minor, kind: s.chords)
            // Drums
            if let d = s.drums {
                for k in d.kick { kick(at: time(bar, Double(k)), level: levels.drums) }
                for k in d.snare { snare(at: time(bar, Double(k)), level: levels.drums * 0.8) }
                for k in d.hat { hat(at: time(bar, Double(k)), level: levels.drums * 0.35 * rng.uniform(0.7, 1),
                                     long: s.swing.lowerBound > 0.58) }
            }
            // Chords
            let hits = abs(s.rhythm)
            for h in 0..<hits {
                let step = Double(h) * 16 / Double(hits) + (s.rhythm < 0 ? 8 / Double(hits) : 0)
                let length = (s.rhythm < 0 ? 0.5 : 1) * barSeconds / Double(hits)
                for v in s.voices {
                    for n in notes {
                        play(v, midi: n, at: time(bar, step), length: length * 0.95,
                             level: levels.chords / Double(notes.count) * (v == s.voices[0] ? 1 : 0.6),
                             drive: drive, brightness: brightness)
                    }
                }
            }
            // Bass
            bassLine(s.bass, root: root - 12, minor: chord.minor, bar: bar, time: time, level: levels.bass)
            // Melody: notes of the scale, a phrase per bar
            if s.melody {
                let scale = chord.minor ? [0, 2, 3, 5, 7, 8, 10] : [0, 2, 4, 5, 7, 9, 11]
                var step = 0.0
                while step < 16 {
                    let length = [2.0, 2, 4, 1, 3][rng.int(below: 5)]
                    if rng.uniform() < 0.75 {
                        let degree = scale[rng.int(below: scale.count)]
                        play(s.voices[0] == .guitar ? .brass : s.voices.last!, midi: baseMidi + 12 + chord.root + degree,
                             at: time(bar, step), length: length * stepSeconds * 0.9, level: levels.melody * 0.5,
                             drive: 1, brightness: brightness)
                    }
                    step += length
                }
            }
            bar += 1
        }
        // A clip-specific tone colour over the whole mix (recording and mastering differ from clip to clip).
        let tone = Float(rng.uniform(0.08, 1)), dry = Float(rng.uniform(0.2, 1))
        var lp: Float = 0
        for i in buffer.indices {
            lp += tone * (buffer[i] - lp)
            buffer[i] = dry * buffer[i] + (1 - dry) * lp
        }
        // Normalise to a clip-specific loudness, over a clip-specific noise floor.
        let peak = buffer.map { abs($0) }.max() ?? 0
        let gain = peak > 0 ? Float(rng.uniform(0.3, 0.95)) / peak : 0
        let noise = Float(rng.uniform(0, 0.03))
        for i in buffer.indices { buffer[i] = buffer[i] * gain + noise * Float(rng.uniform(-1, 1)) }
        return buffer
    }

    // MARK: - harmony

    func chordNotes(root: Int, minor: Bool, kind: GenreStyle.Chords) -> [Int] {
        switch kind {
        case .power: return [root - 12, root - 5, root]
        case .triad: return [root, root + (minor ? 3 : 4), root + 7]
        case .seventh: return [root, root + (minor ? 3 : 4), root + 7, root + 10]
        case .jazz: return minor ? [root, root + 3, root + 7, root + 10] : [root, root + 4, root + 7, root + 11, root + 14]
        }
    }

    mutating func bassLine(_ kind: GenreStyle.BassLine, root: Int, minor: Bool, bar: Int, time: (Int, Double) -> Double, level: Double) {
        let third = minor ? 3 : 4
        var pattern: [(step: Double, note: Int, length: Double)] = []
        switch kind {
        case .none: return
        case .root: pattern = stride(from: 0.0, to: 16, by: 2).map { ($0, root, 2) }
        case .rootFifth: pattern = [(0, root, 4), (4, root + 7, 4), (8, root, 4), (12, root + 7, 4)]
        case .walking:
            let walk = [0, third, 7, [9, 10, 6][rng.int(below: 3)]]
            pattern = walk.enumerated().map { (Double($0.offset * 4), root + $0.element, 4) }
        case .octaves: pattern = stride(from: 0.0, to: 16, by: 2).map { ($0, root + (Int($0 / 2) % 2) * 12, 2) }
        case .sub: pattern = [(0, root - 12, 6), (6, root - 12, 4), (10, root - 12, 6)]
        case .melodic: pattern = [(0, root, 3), (3, root + third, 1), (4, root + 7, 4), (10, root + 5, 2), (12, root + third, 4)]
        }
        let stepSeconds = time(0, 1) - time(0, 0)
        for p in pattern {
            bass(midi: p.note, at: time(bar, p.step), length: p.length * stepSeconds * 0.9, level: level * 0.6, sub: kind == .sub)
        }
    }

    // MARK: - instruments

    static func hz(_ midi: Int) -> Double { 440 * Elementary.pow(2, Double(midi - 69) / 12) }

    mutating func play(_ v: GenreStyle.Voice, midi: Int, at t: Double, length: Double, level: Double, drive: Double, brightness: Double) {
        let f = Self.hz(midi)
        switch v {
        case .piano: partials(f, at: t, length: length * 2, level: level, harmonics: [1, 0.5, 0.3, 0.15, 0.08], decay: 3, attack: 0.003)
        case .strings: saw(f, at: t, length: length, level: level * 0.7, attack: 0.25, release: 0.3, cutoff: 0.15 + 0.3 * brightness,
                           vibrato: 5.5, drive: 1)
        case .organ: partials(f, at: t, length: length, level: level, harmonics: [1, 0.6, 0, 0.4, 0, 0.2], decay: 0, attack: 0.01)
        case .synthPad: saw(f, at: t, length: length, level: level * 0.6, attack: 0.05, release: 0.2, cutoff: 0.1 + 0.5 * brightness,
                            vibrato: 0, drive: 1)
        case .guitar: saw(f, at: t, length: length, level: level, attack: 0.004, release: 0.05, cutoff: 0.2 + 0.6 * brightness, vibrato: 0,
                          drive: drive)
        case .brass: saw(f, at: t, length: length, level: level * 0.8, attack: 0.06, release: 0.08, cutoff: 0.3 * brightness + 0.2,
                         vibrato: 4, drive: 1.3)
        case .pluck: pluck(f, at: t, level: level * 1.5, decay: 0.996)
        case .skank: partials(f, at: t, length: min(length, 0.12), level: level * 1.3, harmonics: [1, 0.7, 0.5, 0.3], decay: 12,
                              attack: 0.002)
        }
    }

    private func range(_ t: Double, _ length: Double) -> Range<Int> {
        let a = max(0, Int(t * Double(rate))), b = min(buffer.count, Int((t + length) * Double(rate)))
        return a..<max(a, b)
    }

    /// Additive tone with an exponential decay (piano-like when decay > 0, organ when 0).
    mutating func partials(_ f: Double, at t: Double, length: Double, level: Double, harmonics: [Double], decay: Double, attack: Double) {
        let r = range(t, length + 0.05)
        guard !r.isEmpty else { return }
        let table = Self.sineTable
        for (h, amp) in harmonics.enumerated() where amp > 0 {
            let freq = f * Double(h + 1) * (1 + 0.0004 * Double(h * h)) // slight stretch, as real strings have
            if freq > Double(rate) / 2.2 { break }
            let inc = freq / Double(rate) * 4096
            var phase = 0.0
            // e^(-decay (h + 1) x / 2) as a running product: one multiply a sample instead of one exp
            let step = Elementary.exp(-decay * Double(h + 1) * 0.5 / Double(rate))
            var fall = 1.0
            for i in r {
                let x = Double(i - r.lowerBound) / Double(rate)
                let env = min(1, x / attack) * fall * (x > length ? max(0, 1 - (x - length) / 0.05) : 1)
                buffer[i] += Float(level * amp * env) * table[Int(phase) & 4095]
                phase += inc
                fall *= step
            }
        }
    }

    /// Naive sawtooth through a one-pole low-pass, optional vibrato and tanh drive.
    mutating func saw(_ f: Double, at t: Double, length: Double, level: Double, attack: Double, release: Double,
                      cutoff: Double, vibrato: Double, drive: Double) {
        let r = range(t, length + release)
        guard !r.isEmpty else { return }
        var phase = rng.uniform(), lp = 0.0
        let norm = Elementary.tanh(drive)
        for i in r {
            let x = Double(i - r.lowerBound) / Double(rate)
            let vib = vibrato > 0 ? 1 + 0.004 * Elementary.sin(2 * Double.pi * vibrato * x) : 1
            phase += f * vib / Double(rate)
            phase -= floor(phase)
            lp += cutoff * ((2 * phase - 1) - lp)
            var y = drive > 1 ? Elementary.tanh(drive * lp) / norm : lp
            let env = min(1, x / attack) * (x > length ? max(0, 1 - (x - length) / release) : 1)
            y *= level * env
            buffer[i] += Float(y)
        }
    }

    /// Karplus-Strong plucked string.
    mutating func pluck(_ f: Double, at t: Double, level: Double, decay: Double) {
        let r = range(t, 1.2)
        guard !r.isEmpty else { return }
        let n = max(2, Int(Double(rate) / f))
        var line = (0..<n).map { _ in rng.uniform(-1, 1) }
        var k = 0
        for i in r {
            let next = (k + 1) % n
            let y = line[k]
            line[k] = decay * 0.5 * (line[k] + line[next])
            k = next
            buffer[i] += Float(level * y)
        }
    }

    mutating func bass(midi: Int, at t: Double, length: Double, level: Double, sub: Bool) {
        let f = Self.hz(midi)
        if sub {
            partials(f, at: t, length: length, level: level * 1.4, harmonics: [1, 0.1], decay: 1.5, attack: 0.005)
        } else {
            partials(f, at: t, length: length, level: level, harmonics: [1, 0.5, 0.25, 0.1], decay: 2.5, attack: 0.005)
        }
    }

    mutating func kick(at t: Double, level: Double) {
        let r = range(t, 0.3)
        var phase = 0.0
        let (step30, step12) = (Elementary.exp(-30 / Double(rate)), Elementary.exp(-12 / Double(rate)))
        var (fall30, fall12) = (1.0, 1.0) // e^(-30x), e^(-12x) as running products
        for i in r {
            phase += (50 + 100 * fall30) / Double(rate)
            buffer[i] += Float(level * fall12 * Elementary.sin(2 * Double.pi * phase))
            fall30 *= step30
            fall12 *= step12
        }
    }

    mutating func snare(at t: Double, level: Double) {
        let r = range(t, 0.2)
        let (step30, step18) = (Elementary.exp(-30 / Double(rate)), Elementary.exp(-18 / Double(rate)))
        var (fall30, fall18) = (1.0, 1.0) // e^(-30x), e^(-18x) as running products
        for i in r {
            let x = Double(i - r.lowerBound) / Double(rate)
            let tone = 0.4 * Elementary.sin(2 * Double.pi * 185 * x) * fall30
            buffer[i] += Float(level * (tone + 0.6 * rng.uniform(-1, 1) * fall18))
            fall30 *= step30
            fall18 *= step18
        }
    }

    /// High-passed noise (first difference); `long` gives a ride-like wash.
    mutating func hat(at t: Double, level: Double, long: Bool) {
        let r = range(t, long ? 0.25 : 0.06)
        var previous = 0.0
        let step = Elementary.exp(-(long ? 14 : 60) / Double(rate))
        var fall = 1.0 // e^(-14x) or e^(-60x) as a running product
        for i in r {
            let n = rng.uniform(-1, 1)
            buffer[i] += Float(level * (n - previous) * fall)
            previous = n
            fall *= step
        }
    }
}
