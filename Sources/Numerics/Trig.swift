extension Elementary {
    // MARK: sin, cos

    /// Sine, within 0.7 ulp for every finite x, however large.
    public static func sin(_ x: Double) -> Double {
        sum(sinParts(x))
    }

    /// Cosine, within 0.7 ulp for every finite x, however large.
    public static func cos(_ x: Double) -> Double {
        sum(cosParts(x))
    }

    static func sinParts(_ x: Double) -> (hi: Double, lo: Double) {
        if abs(x) < 0x1p-26 { return (x, -x * x * x / 6) } // below half an ulp: sum gives x
        if !x.isFinite { return (.nan, 0) }
        let (r, rlo, q) = reduce(x)
        let v = q & 1 == 0 ? sinKernel(r, rlo) : cosKernel(r, rlo)
        return q & 2 == 0 ? v : (-v.hi, -v.lo)
    }

    static func cosParts(_ x: Double) -> (hi: Double, lo: Double) {
        if abs(x) < 0x1p-27 { return (1, -x * x / 2) }
        if !x.isFinite { return (.nan, 0) }
        let (r, rlo, q) = reduce(x)
        let v = q & 1 == 0 ? cosKernel(r, rlo) : sinKernel(r, rlo)
        return (q + 1) & 2 == 0 ? v : (-v.hi, -v.lo)
    }

    /// x = q pi/2 + (r + rlo), |r| <= pi/4 (a hair more), r + rlo to about 2^-100 absolute.
    /// Below 2^20, Cody and Waite's subtraction of k pi/2 in pieces whose products with k are exact;
    /// above, or where that leaves a remainder small enough to have lost bits, Payne and Hanek's
    /// multiplication by the bits of 2/pi that matter.
    @inline(__always) static func reduce(_ x: Double) -> (Double, Double, Int) {
        let a = abs(x)
        if a <= .pi / 4 { return (x, 0, 0) }
        if a < 0x1p20 {
            let kd = (x * Tables.twoOverPi).rounded(.toNearestOrEven)
            let w = (-kd).multiplied(by: Tables.halfPi1, adding: x) // exact: k * piece has 53 bits, x is near it
            let s = twoSum(w, -kd * Tables.halfPi2)
            let t = twoSum(s.hi, -kd * Tables.halfPi3)
            let lo = s.lo + t.lo - kd * Tables.halfPi4
            let r = fastTwoSum(t.hi, lo)
            if abs(r.hi) > 0x1p-20 { return (r.hi, r.lo, Int(kd)) }
        }
        return payneHanek(x)
    }

    /// x 2/pi mod 4 from the 192 bits of 2/pi that can reach the result's fraction, as quadrant q and
    /// remainder r + rlo (x's integer significand M times 2^E; bits of 2/pi worth 4 M 2^E or more
    /// only add multiples of 4).
    static func payneHanek(_ x: Double) -> (Double, Double, Int) {
        let bits = abs(x).bitPattern
        let e = Int(bits >> 52) - 1075 // x = M 2^e; e >= -62 here (|x| > pi/4)
        let mantissa = (bits & 0x000F_FFFF_FFFF_FFFF) | 0x0010_0000_0000_0000
        // Bit i of 2/pi (worth 2^-i) sits at position i + 63 of the table (one word of zeros first);
        // the window starts at i = e - 1, the first bit whose product with M 2^e is worth less than 4.
        let start = e + 62
        func word(_ at: Int) -> UInt64 {
            let i = at >> 6, s = UInt64(at & 63)
            let w = Tables.twoOverPiBits
            let hi = w[i] << s
            return s == 0 ? hi : hi | (w[i + 1] >> (64 - s))
        }
        let w0 = word(start), w1 = word(start + 64), w2 = word(start + 128)
        let p2 = mantissa.multipliedFullWidth(by: w2), p1 = mantissa.multipliedFullWidth(by: w1)
        let p0 = mantissa.multipliedFullWidth(by: w0)
        // The product M * (w0 w1 w2) is worth x 2/pi * 2^190 (mod 4 * 2^190): the quadrant is its bits
        // 190-191, the fraction its bits 62-189. Only p2.low's carry into bit 64 is dropped (2^-126).
        let (f1, c1) = p1.low.addingReportingOverflow(p2.high)
        let f0 = p0.low &+ p1.high &+ (c1 ? 1 : 0) // carries out of f0 are worth multiples of 4
        var q = Int(f0 >> 62)
        // The fraction (hi lo) / 2^128, in [-1/2, 1/2) of a quadrant.
        var (hi, lo) = (f0 << 2 | f1 >> 62, f1 << 2 | p2.low >> 62)
        var negative = false
        if hi >> 63 == 1 {
            q += 1
            negative = true
            (hi, lo) = (~hi, ~lo) // two's complement negation of the 128-bit fraction
            let (l, carry) = lo.addingReportingOverflow(1)
            lo = l
            if carry { hi &+= 1 }
        }
        let shift = hi == 0 ? 64 + lo.leadingZeroBitCount : hi.leadingZeroBitCount
        if shift >= 128 { return (0, 0, q) }
        if shift >= 64 { (hi, lo) = (lo << (shift - 64), 0) } else if shift > 0 { (hi, lo) = (hi << shift | lo >> (64 - shift),
                lo << shift) }
        // Now the fraction is (hi lo) 2^(-128 - shift) with hi's top bit set.
        let top = Double(hi & ~0x7FF) // 53 bits, exact
        let rest = Double(hi & 0x7FF) * 0x1p64 + Double(lo)
        let scale = powerOfTwo(-64 - shift)
        let f = fastTwoSum(top * scale, rest * scale * 0x1p-64)
        // r = f pi/2
        let p = twoProduct(f.hi, Tables.halfPiHi)
        let r = fastTwoSum(p.hi, p.lo + f.hi * Tables.halfPiLo + f.lo * Tables.halfPiHi)
        let sign: Double = (x < 0) != negative ? -1 : 1
        if x < 0 { q = -q }
        return (sign * r.hi, sign * r.lo, q)
    }

    /// sin(r + rlo) for |r| <= pi/4: r + r^3 S(r^2) + rlo (1 - r^2/2), S by Taylor to r^19.
    @inline(__always) static func sinKernel(_ r: Double, _ rlo: Double) -> (hi: Double, lo: Double) {
        let z = r * r
        let s = z * (-1.0 / 6 + z * (1.0 / 120 + z * (-1.0 / 5040 + z * (1.0 / 362_880 + z * (-1.0 / 39_916_800
                   + z * (1.0 / 6_227_020_800 + z * (-1.0 / 1_307_674_368_000 + z * (1.0 / 355_687_428_096_000
                   + z * (-1.0 / 121_645_100_408_832_000)))))))))
        return fastTwoSum(r, r * s + rlo * (1 - 0.5 * z))
    }

    /// cos(r + rlo) for |r| <= pi/4: 1 - r^2/2 with r^2 exact, then r^4 C(r^2) - r rlo, C by Taylor to r^20.
    @inline(__always) static func cosKernel(_ r: Double, _ rlo: Double) -> (hi: Double, lo: Double) {
        let z = twoProduct(r, r)
        let h = 0.5 * z.hi
        let w = 1 - h
        let c = z.hi * z.hi * (1.0 / 24 + z.hi * (-1.0 / 720 + z.hi * (1.0 / 40320 + z.hi * (-1.0 / 3_628_800
                   + z.hi * (1.0 / 479_001_600 + z.hi * (-1.0 / 87_178_291_200 + z.hi * (1.0 / 20_922_789_888_000
                   + z.hi * (-1.0 / 6_402_373_705_728_000 + z.hi * (1.0 / 2_432_902_008_176_640_000)))))))))
        return fastTwoSum(w, (((1 - w) - h) - 0.5 * z.lo) + (c - r * rlo))
    }

    // MARK: atan2, hypot

    /// The angle of (x, y), within 0.51 ulp, with C99's special cases (signed zeros, infinities).
    /// The smaller of |x|, |y| over the larger is z = zh + zl; atan z = atan(j/64) + atan t with
    /// t = (z - j/64) / (1 + z j/64), |t| <= 1/128, by its series to t^11.
    public static func atan2(_ y: Double, _ x: Double) -> Double {
        sum(atan2Parts(y, x))
    }

    static func atan2Parts(_ y: Double, _ x: Double) -> (hi: Double, lo: Double) {
        if x.isNaN || y.isNaN { return (.nan, 0) }
        var a = abs(y), b = abs(x)
        if a.isInfinite || b.isInfinite || a == 0 || b == 0 { return (atan2Special(y, x), 0) }
        let swapped = a > b
        if swapped { swap(&a, &b) }
        if b > 0x1p900 || a < 0x1p-900 { // keep z's remainder and the squares below exact
            let e = b > 0x1p900 ? -600 : (b < 0x1p-300 ? 600 : 0)
            a *= powerOfTwo(e)
            b *= powerOfTwo(e)
        }
        var angle: (hi: Double, lo: Double)
        let zh = a / b
        if zh < 0x1p-30 { // atan z = z - z^3/3: the correction is below 2^-60 z
            angle = (zh, (-zh).multiplied(by: b, adding: a) / b)
        } else {
            let zl = (-zh).multiplied(by: b, adding: a) / b
            let j = Int((zh * 64).rounded(.toNearestOrEven))
            let c = Double(j) * (1.0 / 64)
            let n = fastTwoSum(zh - c, zl) // zh - c is exact
            let p = twoProduct(zh, c)
            let d0 = fastTwoSum(1, p.hi)
            let t = divide(n, by: (d0.hi, d0.lo + p.lo + zl * c))
            let t2 = t.hi * t.hi
            let series = t.hi * t2 * (-1.0 / 3 + t2 * (0.2 + t2 * (-1.0 / 7 + t2 * (1.0 / 9 + t2 * (-1.0 / 11)))))
            let base = Tables.atanJ64[j]
            let s = twoSum(base.hi, t.hi)
            angle = fastTwoSum(s.hi, s.lo + base.lo + t.lo + series)
        }
        if swapped { angle = subtract((Tables.halfPiHi, Tables.halfPiLo), angle) }
        if x < 0 { angle = subtract((Tables.piHi, Tables.piLo), angle) }
        return y < 0 ? (-angle.hi, -angle.lo) : angle
    }

    /// a - b for a >= b > 0, as two doubles.
    @inline(__always) private static func subtract(_ a: (hi: Double, lo: Double), _ b: (hi: Double, lo: Double)) -> (hi: Double,
            lo: Double) {
        let s = twoSum(a.hi, -b.hi)
        return fastTwoSum(s.hi, s.lo + a.lo - b.lo)
    }

    private static func atan2Special(_ y: Double, _ x: Double) -> Double {
        let quarter = Tables.halfPiHi, whole = Tables.piHi
        let v: Double
        if y == 0 { v = x.sign == .minus ? whole : 0 } // atan2(±0, -0 or x < 0) = ±pi
        else if x == 0 { v = quarter }
        else if y.isInfinite && x.isInfinite { v = x > 0 ? quarter / 2 : 3 * quarter / 2 }
        else if y.isInfinite { v = quarter }
        else { v = x > 0 ? 0 : whole } // x infinite, y finite
        return y.sign == .minus ? -v : v
    }

    /// sqrt(x^2 + y^2) without undue overflow or underflow, within 0.51 ulp: the sum of squares as two
    /// doubles, its square root corrected by one Newton step.
    public static func hypot(_ x: Double, _ y: Double) -> Double {
        let v = hypotParts(x, y)
        return scaled(v.hi + v.lo, by: v.e)
    }

    /// hypot(x, y) = (hi + lo) 2^e.
    static func hypotParts(_ x: Double, _ y: Double) -> (hi: Double, lo: Double, e: Int) {
        var a = abs(x), b = abs(y)
        if a.isInfinite || b.isInfinite { return (.infinity, 0, 0) }
        if a.isNaN || b.isNaN { return (.nan, 0, 0) }
        if a < b { swap(&a, &b) }
        if b == 0 { return (a, 0, 0) }
        if a > b * 0x1p60 { return (a, b * (b / a) / 2, 0) } // sqrt(a^2 + b^2) = a + b^2/2a - ...
        var e = 0
        if a > 0x1p500 { e = 600 } else if b < 0x1p-500 { e = -600 }
        a *= powerOfTwo(-e)
        b *= powerOfTwo(-e)
        let aa = twoProduct(a, a), bb = twoProduct(b, b)
        let s = twoSum(aa.hi, bb.hi)
        let sl = s.lo + aa.lo + bb.lo
        let h = s.hi.squareRoot()
        let hh = twoProduct(h, h)
        let correction = ((s.hi - hh.hi) - hh.lo + sl) / (2 * h)
        let v = fastTwoSum(h, correction)
        return (v.hi, v.lo, e)
    }
}
