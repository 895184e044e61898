/// The one random number generator of GenreLab: xoshiro256** seeded through SplitMix64.
/// Every random choice (split, shuffle, init, dropout, augmentation, synthesis) takes one of these
/// explicitly, so the same seed gives the same bits on every machine and thread count.
/// Its state is four words, saved in checkpoints so a resumed run continues the same stream.
public struct SeededRNG: RandomNumberGenerator, Codable, Equatable, Sendable {
    public private(set) var state: [UInt64]

    public init(seed: UInt64) {
        var s = seed
        state = (0..<4).map { _ in SeededRNG.splitMix(&s) }
    }

    /// Restores a generator from `state` (as saved in a checkpoint).
    public init(state: [UInt64]) {
        precondition(state.count == 4 && state.contains { $0 != 0 }, "invalid xoshiro256 state")
        self.state = state
    }

    /// An independent stream for a named purpose ("split", "init", ...), so that adding a draw in
    /// one place does not shift the numbers drawn in another.
    public func derived(_ purpose: String) -> SeededRNG {
        var h: UInt64 = 0xcbf29ce484222325 // FNV-1a over the purpose, mixed with our state
        for b in purpose.utf8 { h = (h ^ UInt64(b)) &* 0x100000001b3 }
        return SeededRNG(seed: h ^ state[0] ^ (state[2] &<< 1))
    }

    public mutating func next() -> UInt64 {
        let result = rotl(state[1] &* 5, 7) &* 9
        let t = state[1] << 17
        state[2] ^= state[0]
        state[3] ^= state[1]
        state[1] ^= state[2]
        state[0] ^= state[3]
        state[2] ^= t
        state[3] = rotl(state[3], 45)
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
        return (-2 * _log(u1)).squareRoot() * _cos(2 * Double.pi * u2)
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

import Foundation
@inline(__always) private func _log(_ x: Double) -> Double { Foundation.log(x) }
@inline(__always) private func _cos(_ x: Double) -> Double { Foundation.cos(x) }
