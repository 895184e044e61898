extension Elementary {
    // MARK: exp

    /// e^x = 2^m * (hi + lo), hi + lo within a factor 1.006 of 2^(j/64), to about 2^-68 relative.
    /// x = (64 m + j) ln2/64 + r with |r| <= ln2/128 (x + xlo given as two doubles, |xlo| small):
    /// e^x = 2^m 2^(j/64) e^r, where 2^(j/64) comes from the table and e^r - 1 from its Taylor series
    /// to r^6 (the next term is below 2^-65). For |x| <= 709.8.
    @inline(__always) static func expParts(_ x: Double, _ xlo: Double) -> (hi: Double, lo: Double, m: Int) {
        let kd = (x * Tables.invLn2x64).rounded(.toNearestOrEven)
        let k = Int(kd)
        let r0 = (-kd).multiplied(by: Tables.ln2over64Hi, adding: x) // exact: k * hi has 49 bits, x is near it
        let klo = kd * Tables.ln2over64Lo
        let s1 = twoSum(r0, -klo), s2 = twoSum(s1.hi, xlo)
        let r = s2.hi, rlo = s1.lo + s2.lo
        // e^r - 1 = r + rlo + q, q = r^2 (1/2 + r/6 + r^2/24 + r^3/120 + r^4/720)
        let q = r * r * (0.5 + r * (1.0 / 6 + r * (1.0 / 24 + r * (1.0 / 120 + r * (1.0 / 720)))))
        let t = Tables.exp2j64[k & 63]
        let p = twoProduct(t.hi, r) // T r exactly: what keeps e^x - 1 accurate near 0 (tanh)
        let tail = p.lo + t.lo + t.hi * (rlo + q) + t.lo * r
        let s = fastTwoSum(t.hi, p.hi)
        let v = fastTwoSum(s.hi, s.lo + tail)
        return (v.hi, v.lo, k >> 6)
    }

    /// e^x, within 0.52 ulp: the table's 2^(j/64) times e^r in plain doubles (what the synthesiser
    /// calls per sample; expParts carries the same sums in two doubles where more is needed).
    public static func exp(_ x: Double) -> Double {
        if !(abs(x) <= 708) { // NaN, infinities, overflow, underflow and the subnormal range
            if x.isNaN { return x }
            if x > 709.782712893384 { return .infinity }
            if x < -745.1332191019412 { return 0 }
            let e = expParts(x, 0)
            return scaled(e.hi + e.lo, by: e.m)
        }
        if abs(x) < 0x1p-54 { return 1 + x }
        let kd = (x * Tables.invLn2x64).rounded(.toNearestOrEven)
        let k = Int(kd)
        let r = (-kd).multiplied(by: Tables.ln2over64Hi, adding: x) - kd * Tables.ln2over64Lo
        // e^r - 1 to r^6, grouped (Estrin) so the products overlap instead of waiting on each other
        let r2 = r * r
        let a = r.multiplied(by: 1.0 / 6, adding: 0.5), b = r.multiplied(by: 1.0 / 120, adding: 1.0 / 24) + r2 * (1.0 / 720)
        let p = r + r2 * r2.multiplied(by: b, adding: a)
        let t = Tables.exp2j64[k & 63]
        return (t.hi + t.hi.multiplied(by: p, adding: t.lo)) * powerOfTwo(k >> 6)
    }

    /// e^x for a float x: the plain-double path where its error cannot change the rounding to float,
    /// else expParts' two doubles rounded once. Correctly rounded.
    static func expFloat(_ x: Float) -> Float {
        let d = Double(x)
        let y = Elementary.exp(d) // its error is below 0.52 ulp of the double
        if roundsUnambiguously(y, margin: 4) { return Float(y) }
        if !(abs(d) <= 708) { return Float(y) } // a float's e^x is then 0 or infinite: y decided it
        let e = expParts(d, 0)
        let scale = powerOfTwo(e.m)
        return roundToFloat(e.hi * scale, e.lo * scale)
    }

    /// e^x - 1 as hi + lo, relative error about 2^-60, for |x| <= 44 (what tanh needs).
    static func expMinusOne(_ x: Double) -> (hi: Double, lo: Double) {
        if abs(x) < 0x1p-8 { // no reduction: the series directly, x + x^2/2 + ... (the next term after x^9/9! is below 2^-80 x)
            let q = x * x * (0.5 + x * (1.0 / 6 + x * (1.0 / 24 + x * (1.0 / 120 + x * (1.0 / 720 + x * (1.0 / 5040
                      + x * (1.0 / 40320 + x * (1.0 / 362_880))))))))
            return fastTwoSum(x, q)
        }
        let e = expParts(x, 0)
        let scale = powerOfTwo(e.m)
        let s = twoSum(e.hi * scale, -1)
        return fastTwoSum(s.hi, s.lo + e.lo * scale)
    }

    // MARK: log

    /// log(x) as hi + lo, to about 2^-68 relative, for finite x > 0. x = 2^e m with the interval j of
    /// m from the table: log x = e ln2 - log(r_j) + log(1 + t), t = m r_j - 1 exact and |t| <= 2^-8,
    /// log(1 + t) by its series to t^10 (the next term is below 2^-90).
    @inline(__always) static func logParts(_ x: Double) -> (hi: Double, lo: Double) {
        var bits = x.bitPattern, e = -1023
        if bits >> 52 == 0 { // subnormal: scale into the normal range first
            bits = (x * 0x1p54).bitPattern
            e -= 54
        }
        e += Int(bits >> 52)
        let j = Int((bits >> 44) & 0xFF)
        var m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000) // [1, 2)
        if j >= 106 { m *= 0.5; e += 1 } // m in [0.707, 1): x just below 1 keeps t small and log x accurate
        let t = m.multiplied(by: Tables.logInverse[j], adding: -1)
        let l = Tables.logOfInverse[j]
        let ed = Double(e)
        let a = twoSum(ed * Tables.ln2Hi, l.hi) // e ln2Hi is exact (42 + 11 bits)
        let b = twoSum(a.hi, t)
        let tt = twoProduct(t, t)
        let c = twoSum(b.hi, -0.5 * tt.hi)
        let series = t * tt.hi * (1.0 / 3 + t * (-0.25 + t * (0.2 + t * (-1.0 / 6 + t * (1.0 / 7 + t * (-0.125
                       + t * (1.0 / 9 + t * -0.1)))))))
        let lo = a.lo + b.lo + c.lo - 0.5 * tt.lo + series + (ed * Tables.ln2Lo + l.lo)
        return fastTwoSum(c.hi, lo)
    }

    /// Natural logarithm, within 0.501 ulp.
    public static func log(_ x: Double) -> Double {
        if !(x > 0 && x < .infinity) { return logSpecial(x) }
        let l = logParts(x)
        return l.hi + l.lo
    }

    /// Base-10 logarithm, within 0.501 ulp; exact at powers of ten.
    public static func log10(_ x: Double) -> Double {
        if !(x > 0 && x < .infinity) { return logSpecial(x) }
        let l = log10Parts(x)
        return l.hi + l.lo
    }

    @inline(__always) static func log10Parts(_ x: Double) -> (hi: Double, lo: Double) {
        let l = logParts(x)
        let p = twoProduct(l.hi, Tables.invLn10Hi)
        return fastTwoSum(p.hi, p.lo + l.lo * Tables.invLn10Hi + l.hi * Tables.invLn10Lo)
    }

    /// log x in plain doubles, within a few ulps of the double (the same decomposition as logParts,
    /// the series to t^7): the fast path of the Float logarithms. For normal x > 0.
    @inline(__always) static func logFast(_ x: Double) -> Double {
        let bits = x.bitPattern
        var e = Int(bits >> 52) - 1023
        let j = Int((bits >> 44) & 0xFF)
        var m = Double(bitPattern: (bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000)
        if j >= 106 { m *= 0.5; e += 1 }
        let t = m.multiplied(by: Tables.logInverse[j], adding: -1)
        let l = Tables.logOfInverse[j], ed = Double(e)
        let series = t * t * (-0.5 + t * (1.0 / 3 + t * (-0.25 + t * (0.2 + t * (-1.0 / 6 + t * (1.0 / 7))))))
        return ed.multiplied(by: Tables.ln2Hi, adding: l.hi) + (t + (series + ed.multiplied(by: Tables.ln2Lo, adding: l.lo)))
    }

    /// log x (base e, or base 10 with `ten`) for a float x, correctly rounded: the fast path where
    /// its error (below 8 ulps of the double) cannot change the rounding, else logParts'.
    static func logFloat(_ x: Float, ten: Bool) -> Float {
        if !(x > 0 && x < .infinity) { return Float(logSpecial(Double(x))) }
        let d = Double(x)
        let y = ten ? logFast(d) * Tables.invLn10Hi : logFast(d)
        if roundsUnambiguously(y, margin: 64) { return Float(y) }
        let l = ten ? log10Parts(d) : logParts(d)
        return roundToFloat(l.hi, l.lo)
    }

    private static func logSpecial(_ x: Double) -> Double {
        if x.isNaN || x == .infinity { return x }
        return x == 0 ? -.infinity : .nan
    }

    // MARK: pow

    /// x^y, within 0.502 ulp where the result is normal, with C99's special cases: e^(y log x) with
    /// log x carried as two doubles, so even y log x near 700 keeps the result's last bit.
    public static func pow(_ x: Double, _ y: Double) -> Double {
        if y == 0 || x == 1 { return 1 }
        if x.isNaN || y.isNaN { return .nan }
        var sign = 1.0
        var ax = x
        if x < 0 || (x == 0 && x.sign == .minus) {
            let integer = y.rounded(.towardZero) == y
            let odd = integer && abs(y) < 0x1p53 && Int64(y) & 1 == 1
            if x < 0 && !integer && y.isFinite { return .nan }
            if odd { sign = -1 }
            ax = -x
        }
        if y.isInfinite {
            if ax == 1 { return 1 }
            return (ax < 1) == (y > 0) ? 0 : .infinity
        }
        if ax == 0 { return sign * (y > 0 ? 0 : .infinity) }
        if ax.isInfinite { return sign * (y > 0 ? .infinity : 0) }
        let l = logParts(ax)
        let z = twoProduct(y, l.hi)
        let zlo = z.lo + y * l.lo
        if z.hi > 709.782712893384 { return sign * .infinity }
        if z.hi < -745.2 { return sign * 0 }
        if abs(z.hi) < 0x1p-60 { return sign * (1 + z.hi) }
        let e = expParts(z.hi, zlo)
        return sign * scaled(e.hi + e.lo, by: e.m)
    }

    /// x^y for floats, rounded once from the two doubles of e^(y log x).
    static func powFloat(_ x: Float, _ y: Float) -> Float {
        let (dx, dy) = (Double(x), Double(y))
        let v = Elementary.pow(dx, dy)
        guard dx > 0, dx != 1, dy != 0, dx.isFinite, dy.isFinite, abs(v) >= 0x1p-126, abs(v) < 0x1p127 else { return Float(v) }
        let l = logParts(dx)
        let z = twoProduct(dy, l.hi)
        let e = expParts(z.hi, z.lo + dy * l.lo)
        let scale = powerOfTwo(e.m)
        return roundToFloat(e.hi * scale, e.lo * scale)
    }

    // MARK: tanh

    /// Hyperbolic tangent, within 0.502 ulp: (e^2x - 1) / (e^2x + 1) with e^2x - 1 carried as two
    /// doubles, so the quotient keeps its accuracy near 0.
    public static func tanh(_ x: Double) -> Double {
        sum(tanhParts(x))
    }

    static func tanhParts(_ x: Double) -> (hi: Double, lo: Double) {
        let a = abs(x)
        if !(a < 22) { return (x.isNaN ? x : (x > 0 ? 1 : -1), 0) } // 1 - tanh(22) < 2^-62
        if a < 0x1p-28 { return (x, -x * x * x / 3) } // tanh x = x - x^3/3 + ...
        let n = expMinusOne(2 * a)
        let d = twoSum(2, n.hi)
        let q = divide(n, by: (d.hi, d.lo + n.lo))
        return x < 0 ? (-q.hi, -q.lo) : q
    }
}
