import Dispatch
import Foundation
import Glibc
import Numerics

/// `lab bench elementary`'s work: the speed of our elementary functions against the C library's,
/// and their accuracy, every binary32 input against the C library's double functions or a list of
/// inputs for bench/elementary_accuracy.py. The C library is the yardstick here and nowhere else.
enum ElementaryBench {
    static let floatFunctions: [(String, (Float) -> Float, (Double) -> Double)] = [
        ("expf", Elementary.exp, { Glibc.exp($0) }), ("logf", Elementary.log, { Glibc.log($0) }),
        ("log10f", Elementary.log10, { Glibc.log10($0) }), ("sinf", Elementary.sin, { Glibc.sin($0) }),
        ("cosf", Elementary.cos, { Glibc.cos($0) }), ("tanhf", Elementary.tanh, { Glibc.tanh($0) }),
    ]

    // MARK: --eval

    static func evaluate(file: String) throws {
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
            throw LabError("\(file): cannot read the list of inputs")
        }
        var out = ""
        for (n, line) in text.split(separator: "\n").enumerated() {
            let f = line.split(separator: " ")
            guard f.count >= 2, let x = Double(f[1]), f.count < 3 || Double(f[2]) != nil else {
                throw LabError("\(file):\(n + 1): expected `function x [y]`, got `\(line)`")
            }
            let y = f.count > 2 ? Double(f[2])! : 0
            guard let v = Self.value(String(f[0]), x, y) else { throw LabError("\(file):\(n + 1): unknown function `\(f[0])`") }
            out += String(v, radix: 16) + "\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }

    /// The bit pattern of function(x, y): 64 bits for the Double functions, 32 for the Float ones.
    static func value(_ name: String, _ x: Double, _ y: Double) -> UInt64? {
        let (fx, fy) = (Float(x), Float(y))
        switch name {
        case "exp": return Elementary.exp(x).bitPattern
        case "log": return Elementary.log(x).bitPattern
        case "log10": return Elementary.log10(x).bitPattern
        case "sin": return Elementary.sin(x).bitPattern
        case "cos": return Elementary.cos(x).bitPattern
        case "tanh": return Elementary.tanh(x).bitPattern
        case "pow": return Elementary.pow(x, y).bitPattern
        case "atan2": return Elementary.atan2(x, y).bitPattern
        case "hypot": return Elementary.hypot(x, y).bitPattern
        case "powf": return UInt64(Elementary.pow(fx, fy).bitPattern)
        case "atan2f": return UInt64(Elementary.atan2(fx, fy).bitPattern)
        case "hypotf": return UInt64(Elementary.hypot(fx, fy).bitPattern)
        default:
            guard let f = floatFunctions.first(where: { $0.0 == name }) else { return nil }
            return UInt64(f.1(fx).bitPattern)
        }
    }

    // MARK: --exhaustive

    static func checkEveryFloat(function: String?, threads: Int) throws {
        let chosen = Self.floatFunctions.filter { function == nil || $0.0 == function }
        guard !chosen.isEmpty else {
            throw LabError("--function \(function ?? ""): not one of \(Self.floatFunctions.map(\.0).joined(separator: ", "))")
        }
        print("every float input against the C library's double function rounded to float (\(threads) threads)")
        for (name, ours, reference) in chosen {
            let start = Date()
            let result = Self.scan(ours: ours, reference: reference, threads: max(1, threads))
            print(String(format: "%-7@ max error %.4f ulp (at x = %@), %llu of 2^32 differ from the rounded double, %.0f s",
                         name as NSString, result.worst, "\(result.worstAt)" as NSString, result.differing,
                         Date().timeIntervalSince(start)))
            if !result.examples.isEmpty { // for bench/elementary_accuracy.py --inputs: which of the two is right
                print("  differing inputs: " + result.examples.sorted().map { "\(name) \(Double(Float(bitPattern: $0)).hexString)" }
                    .joined(separator: ", "))
            }
        }
    }

    struct Scan { var worst = 0.0, worstAt: Float = 0, differing: UInt64 = 0, examples: [UInt32] = [] }

    static func scan(ours: (Float) -> Float, reference: (Double) -> Double, threads: Int) -> Scan {
        let chunks = 256, lock = NSLock()
        var total = Scan()
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var part = Scan()
            for c in stride(from: t, to: chunks, by: threads) {
                let first = UInt64(c) << 24
                for bits in first..<(first + (1 << 24)) {
                    let x = Float(bitPattern: UInt32(bits))
                    let got = ours(x), exact = reference(Double(x))
                    if got.bitPattern == Float(exact).bitPattern || (got.isNaN && exact.isNaN) { continue }
                    part.differing += 1
                    if part.examples.count < 16 { part.examples.append(UInt32(bits)) }
                    // The error in units of the float ulp at the exact value (the double reference).
                    let e = Float(exact)
                    let ulp = Double(e.isFinite ? max(e.magnitude.ulp, Float.leastNonzeroMagnitude) : Float.greatestFiniteMagnitude.ulp)
                    let err = got.isFinite && exact.isFinite ? abs(Double(got) - exact) / ulp : .infinity
                    if err > part.worst { part.worst = err; part.worstAt = x }
                }
            }
            lock.lock()
            total.differing += part.differing
            total.examples += part.examples.prefix(max(0, 16 - total.examples.count))
            if part.worst > total.worst { total.worst = part.worst; total.worstAt = part.worstAt }
            lock.unlock()
        }
        return total
    }

    // MARK: speed

    static func timeAll() {
        let n = 1 << 16
        var state: UInt64 = 1
        func uniform(_ lo: Double, _ hi: Double) -> Double {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return lo + (hi - lo) * Double(state >> 11) * 0x1p-53
        }
        // Arguments as the pipeline sees them: powers for decibels, phases, logits, drive.
        let cases: [(String, ClosedRange<Double>, (Double) -> Double, (Double) -> Double, (Float) -> Float, (Float) -> Float)] = [
            ("exp", -20...5, Elementary.exp, { Glibc.exp($0) }, Elementary.exp, { Glibc.expf($0) }),
            ("log", 1e-10...1e4, Elementary.log, { Glibc.log($0) }, Elementary.log, { Glibc.logf($0) }),
            ("log10", 1e-10...1e4, Elementary.log10, { Glibc.log10($0) }, Elementary.log10, { Glibc.log10f($0) }),
            ("sin", -100...100, Elementary.sin, { Glibc.sin($0) }, Elementary.sin, { Glibc.sinf($0) }),
            ("cos", -100...100, Elementary.cos, { Glibc.cos($0) }, Elementary.cos, { Glibc.cosf($0) }),
            ("tanh", -4...4, Elementary.tanh, { Glibc.tanh($0) }, Elementary.tanh, { Glibc.tanhf($0) }),
        ]
        /// ns per call of a pass over n arguments, median of 7; the sums are kept alive.
        func ns(_ body: () -> Double) -> Double {
            var sink = 0.0
            let s = medianSeconds(repeats: 7) { sink += body() }
            if sink == 1.2345 { print("") }
            return s / Double(n) * 1e9
        }
        print("ns per call, one core, \(n) arguments a pass, median of 7 passes")
        print("function   ours (Double)  libm (Double)   ours (Float)   libm (Float)")
        for (name, range, ours, libm, oursF, libmF) in cases {
            let xs = (0..<n).map { _ in uniform(range.lowerBound, range.upperBound) }
            let fs = xs.map(Float.init)
            let a = ns { xs.reduce(0) { $0 + ours($1) } }, b = ns { xs.reduce(0) { $0 + libm($1) } }
            let c = ns { Double(fs.reduce(0) { $0 + oursF($1) }) }, d = ns { Double(fs.reduce(0) { $0 + libmF($1) }) }
            print(String(format: "%-8@ %13.1f %14.1f %14.1f %14.1f", name as NSString, a, b, c, d))
        }
        let ps = (0..<n).map { _ in (uniform(0.01, 20), uniform(-10, 10)) }
        func ns2(_ f: (Double, Double) -> Double) -> Double { ns { ps.reduce(0) { $0 + f($1.0, $1.1) } } }
        for (name, ours, libm) in [("pow", Elementary.pow, { Glibc.pow($0, $1) }), ("atan2", Elementary.atan2, { Glibc.atan2($0, $1) }),
                                   ("hypot", Elementary.hypot, { Glibc.hypot($0, $1) })] as [(String, (Double, Double) -> Double, (Double,
                                           Double) -> Double)] {
            print(String(format: "%-8@ %13.1f %14.1f", name as NSString, ns2(ours), ns2(libm)))
        }
    }
}

extension Double {
    /// C's %a: what bench/elementary_accuracy.py reads back exactly.
    var hexString: String { String(format: "%a", self) }
}
