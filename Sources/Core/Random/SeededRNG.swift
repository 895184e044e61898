import Numerics
/// The one random number generator of GenreLab: xoshiro256** seeded through SplitMix64.
/// Every random choice (split, shuffle, init, dropout, augmentation, synthesis) takes one of these
/// explicitly, so the same seed gives the same bits on every machine and thread count.
/// Its state is four words, saved in checkpoints so a resumed run continues the same stream.
public struct SeededRNG: RandomNumberGenerator, Codable, Equatable, Sendable {
    // Four words in stored properties, not an array: `next()` runs millions of times per epoch.
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64

    /// The four state words (as saved in a checkpoint).
    public var state: [UInt64] { [s0, s1, s2, s3] }

    public init(seed: UInt64) {
        var s = seed
        s0 = SeededRNG.splitMix(&s)
        s1 = SeededRNG.splitMix(&s)
        s2 = SeededRNG.splitMix(&s)
        s3 = SeededRNG.splitMix(&s)
    }

    /// Restores a generator from `state` (as saved in a checkpoint).
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "invalid xoshiro256 state")
        (s0, s1, s2, s3) = (state[0], state[1], state[2], state[3])
    }

    private enum CodingKeys: String, CodingKey { case state }

    public init(from decoder: Decoder) throws {
        let words = try decoder.container(keyedBy: CodingKeys.self).decode([UInt64].self, forKey: .state)
        guard words.count == 4 && words.contains(where: { $0 != 0 }) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid xoshiro256 state"))
        }
        self.init(state: words)
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(state, forKey: .state)
    }

    /// An independent stream for a named purpose ("split", "init", ...), so that adding a draw in
    /// one place does not shift the numbers drawn in another.
    public func derived(_ purpose: String) -> SeededRNG {
        var h: UInt64 = 0xcbf29ce484222325 // FNV-1a over the purpose, mixed with our state
        for b in purpose.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return SeededRNG(seed: h ^ s0 ^ (s2 &<< 1))
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * uniform() }

    /// Uniform Float in [0, 1) with 24 random bits.
    public mutating func uniformFloat() -> Float { Float(next() >> 40) * 0x1.0p-24 }

    /// Uniform integer in 0..<n without modulo bias (Lemire's method).
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0)
        return Int(truncatingIfNeeded: next(upperBound: UInt64(n)))
    }

    /// Standard normal by Box-Muller; uses two uniforms per call (no cached spare, so the
    /// stream position depends only on the number of calls).
    public mutating func normal() -> Double {
        let u1 = max(uniform(), 0x1.0p-53), u2 = uniform()
        return (-2 * Elementary.log(u1)).squareRoot() * Elementary.cos(2 * Double.pi * u2)
    }

    /// Fisher-Yates, deterministic for a given state.
    public mutating func shuffle<T>(_ a: inout [T]) {
        guard a.count > 1 else { return }
        for i in stride(from: a.count - 1, to: 0, by: -1) { a.swapAt(i, int(below: i + 1)) }
    }

    private static func splitMix(_ s: inout UInt64) -> UInt64 {
        s &+= 0x9e3779b97f4a7c15
        var z = s
        z = (z ^ (z >> 30)) &* 0xbf58476d1ce4e5b9
        z = (z ^ (z >> 27)) &* 0x94d049bb133111eb
        return z ^ (z >> 31)
    }
}

@inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

