/// Our own elementary functions. Every result that reaches a reported number or a figure is computed
/// here, from IEEE basic operations (+, -, *, /, squareRoot) and FMAs this code writes, in an order
/// this code fixes: the same bits under any libm (glibc 2.36 and 2.41 differ in log10f, tanhf, powf,
/// atan2f and hypotf), any OS, any compiler and any CPU. No function here calls libm.
///
/// The double functions carry their last steps in two doubles and round once at the end, so each is
/// within about half an ulp (accuracy in docs/determinism.md, measured by bench/elementary_accuracy.py
/// and `lab bench elementary --exhaustive`). The Float functions evaluate the double one and round:
/// correctly rounded except where the exact value lies within about 2^-60 of a midpoint between floats.
/// Tables.swift holds the constants, written by scripts/elementary-tables.py with mpmath.
public enum Elementary {
    public static func exp(_ x: Float) -> Float { expFloat(x) }
    public static func log(_ x: Float) -> Float { logFloat(x, ten: false) }
    public static func log10(_ x: Float) -> Float { logFloat(x, ten: true) }
    public static func pow(_ x: Float, _ y: Float) -> Float { powFloat(x, y) }
    public static func sin(_ x: Float) -> Float { let v = sinParts(Double(x)); return roundToFloat(v.hi, v.lo) }
    public static func cos(_ x: Float) -> Float { let v = cosParts(Double(x)); return roundToFloat(v.hi, v.lo) }
    public static func tanh(_ x: Float) -> Float { let v = tanhParts(Double(x)); return roundToFloat(v.hi, v.lo) }
    public static func atan2(_ y: Float, _ x: Float) -> Float { let v = atan2Parts(Double(y), Double(x)); return roundToFloat(v.hi, v.lo) }
    public static func hypot(_ x: Float, _ y: Float) -> Float {
        let v = hypotParts(Double(x), Double(y))
        return v.e == 0 ? roundToFloat(v.hi, v.lo) : Float(scaled(v.hi + v.lo, by: v.e))
    }
}
