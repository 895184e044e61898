/// Error-free transformations: the building blocks that let a double carry a second double of
/// correction. Each uses only IEEE basic operations and FMAs this code writes, so each gives the
/// same bits under any libm, compiler and CPU (a software FMA rounds exactly as a hardware one).
@inline(__always) func twoSum(_ a: Double, _ b: Double) -> (hi: Double, lo: Double) {
    let s = a + b, bb = s - a
    return (s, (a - (s - bb)) + (b - bb))
}

/// hi + lo rounded to one double; a zero lo leaves hi as it is, so -0 stays -0 (-0 + 0 is +0).
@inline(__always) func sum(_ v: (hi: Double, lo: Double)) -> Double { v.lo == 0 ? v.hi : v.hi + v.lo }

/// a + b exactly, as hi + lo, when |a| >= |b| (or a is 0).
@inline(__always) func fastTwoSum(_ a: Double, _ b: Double) -> (hi: Double, lo: Double) {
    let s = a + b
    return (s, b - (s - a))
}

/// a * b exactly, as hi + lo (barring underflow).
@inline(__always) func twoProduct(_ a: Double, _ b: Double) -> (hi: Double, lo: Double) {
    let p = a * b
    return (p, a.multiplied(by: b, adding: -p))
}

extension Double {
    /// self * b + c with one rounding.
    @inline(__always) func multiplied(by b: Double, adding c: Double) -> Double { c.addingProduct(self, b) }
}

/// (nh + nl) / (dh + dl) as hi + lo, to about 2^-100 relative.
@inline(__always) func divide(_ n: (hi: Double, lo: Double), by d: (hi: Double, lo: Double)) -> (hi: Double, lo: Double) {
    let q = n.hi / d.hi
    let remainder = (-q).multiplied(by: d.hi, adding: n.hi) + n.lo - q * d.lo
    return fastTwoSum(q, remainder / d.hi)
}

/// 2^e as a double, for -1022 <= e <= 1023.
@inline(__always) func powerOfTwo(_ e: Int) -> Double { Double(bitPattern: UInt64(1023 + e) << 52) }

/// v * 2^e for v within a factor of 2 of 1, any e: two exact steps where the result is normal,
/// one rounding where it is subnormal or overflows.
@inline(__always) func scaled(_ v: Double, by e: Int) -> Double {
    if e > 1023 { return v * powerOfTwo(1023) * powerOfTwo(min(e - 1023, 1023)) }
    if e < -1022 { return v * powerOfTwo(max(e + 1000, -1022)) * powerOfTwo(-1000) }
    return v * powerOfTwo(e)
}

/// Whether rounding y to float cannot depend on an error of up to `margin` ulps of the double: y is a
/// normal float's worth, and its 29 bits below float precision are not within `margin` of the
/// midpoint between two floats.
@inline(__always) func roundsUnambiguously(_ y: Double, margin: UInt64) -> Bool {
    let a = abs(y)
    guard a >= 0x1p-126, a < 0x1p127 else { return false }
    let low = y.bitPattern & 0x1FFF_FFFF, half: UInt64 = 0x1000_0000
    return (low > half ? low - half : half - low) > margin
}

/// hi + lo rounded once to float (hi the double nearest hi + lo): where hi lies exactly halfway
/// between two floats, lo says which side the sum is on.
@inline(__always) func roundToFloat(_ hi: Double, _ lo: Double) -> Float {
    if lo != 0 && abs(hi) >= 0x1p-126 && hi.bitPattern & 0x1FFF_FFFF == 0x1000_0000 {
        return Float(lo > 0 ? hi.nextUp : hi.nextDown)
    }
    return Float(hi)
}
