import Foundation
import XCTest

/// No reported number may go through the C library's math functions: their results differ between
/// glibc releases (2.36 and 2.41 differ in log10f, tanhf, powf, atan2f, hypotf) and between C
/// libraries. Every source file of the product is read, and a call to one of them fails this test
/// unless the file is on the allow-list below, with the reason it is harmless.
final class NoLibmTests: XCTestCase {
    static let names = ["exp", "exp2", "expm1", "log", "log2", "log10", "log1p", "pow", "sqrt", "cbrt", "hypot",
                        "sin", "cos", "tan", "asin", "acos", "atan", "atan2", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh",
                        "erf", "erfc", "lgamma", "tgamma", "fmod", "remainder", "sincos", "exp10"]

    /// File (relative to Sources/) -> why its libm calls reach no reported number.
    static let allowed = [
        "Lab/Bench/ElementaryBench.swift":
            "`lab bench elementary` times and checks our functions against libm's; it writes no report",
    ]

    static let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Sources")

    /// `name(` or `namef(` called bare (not as a member, `Elementary.exp(`) or through a C module.
    static let pattern: NSRegularExpression = {
        let alternatives = names.map { "\($0)f?" }.joined(separator: "|")
        return try! NSRegularExpression(pattern: "(?:(?<![\\w.])(?<!func "
                + ")|\\b(?:Foundation|Glibc|Darwin|Musl|CoreFoundation)\\.)(?:\(alternatives))\\s*\\(")
    }()

    static func calls(in text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { n, line in
            let code = line.components(separatedBy: "//").first ?? "" // comments may name them
            let range = NSRange(code.startIndex..., in: code)
            return pattern.firstMatch(in: code, range: range) == nil ? nil : "\(n + 1): \(line.trimmingCharacters(in: .whitespaces))"
        }
    }

    func testNoSourceFileCallsTheCLibrarysMathFunctions() throws {
        let files = FileManager.default.enumerator(atPath: Self.sources.path)?.compactMap { $0 as? String }
            .filter { $0.hasSuffix(".swift") || $0.hasSuffix(".c") || $0.hasSuffix(".h") } ?? []
        XCTAssertGreaterThan(files.count, 100, "found the sources at \(Self.sources.path)")
        var offenders: [String] = []
        for file in files.sorted() where Self.allowed[file] == nil {
            let text = try String(contentsOf: Self.sources.appendingPathComponent(file), encoding: .utf8)
            offenders += Self.calls(in: text).map { "Sources/\(file):\($0)" }
            if file.hasSuffix(".c")
                    || file.hasSuffix(".h"), text.contains("<math.h>") { offenders.append("Sources/\(file): includes <math.h>") }
        }
        XCTAssertEqual(offenders, [], "call Elementary.* (Sources/Numerics) instead of libm:\n" + offenders.joined(separator: "\n"))
    }

    /// The check itself: it finds what it must and passes what it may.
    func testTheCheckFindsBareCallsAndPassesOurs() {
        for bad in ["let y = exp(x)", "  v = log10f(p) - r", "return Foundation.cos(t)", "let z = Glibc.pow(a, b)", "x = tanh (d)"] {
            XCTAssertFalse(Self.calls(in: bad).isEmpty, bad)
        }
        for good in ["let y = Elementary.exp(x)", "// exp(x) in a comment", "let e = expected(x)", "let s = v.squareRoot()",
                     "func logits(_ x: Int)", "public static func exp(_ x: Double) -> Double {", "self.cos(x)", "let t = a.exponent(b)"] {
            XCTAssertTrue(Self.calls(in: good).isEmpty, good)
        }
        for (file, reason) in Self.allowed {
            XCTAssertTrue(FileManager.default.fileExists(atPath: Self.sources.appendingPathComponent(file).path),
                          "allow-list names \(file)")
            XCTAssertFalse(reason.isEmpty)
        }
    }
}
